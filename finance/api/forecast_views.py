"""CS revenue forecasts over HTTP (README, "Finance: forecasts")."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from integrations.api.base import PlatformAPIView
from integrations.auth import client_identity
from integrations.clock import today
from integrations.openapi_errors import ErrorResponse404Serializer, ErrorResponse409Serializer

from .. import selectors, services
from . import forecast_serializers as fs

TAGS = ["cs-finance"]

FORECAST_EXAMPLE = {
    "forecast_period": "q2_2026",
    "customer_forecasts": [
        {
            "customer_id": "cust_12345",
            "renewal_probability": 0.95,
            "expansion_probability": 0.70,
            "expansion_value": 50000,
            "risk_factors": ["contract_renewal_timing"],
        }
    ],
    "aggregate_metrics": {
        "total_forecasted_revenue": 2500000,
        "confidence_level": 0.88,
        "risk_adjusted_value": 2200000,
    },
}


class ForecastView(PlatformAPIView):
    scope_domain = "finance"

    @extend_schema(
        tags=TAGS,
        summary="Submit a CS-informed revenue forecast for a quarter",
        description="Records a new version of the quarter's forecast (versions count from 1 "
        "per period). The server recomputes from the database: each customer's ARR, expected "
        "renewal revenue = sum of ARR x renewal_probability, expected expansion = sum of "
        "expansion_value x expansion_probability, total = risk-adjusted value = their sum "
        "(confidence_level is recorded, not applied), and compares them with the submitted "
        "aggregate_metrics: difference = submitted - computed, consistent when |difference| "
        "<= 1 % of the submitted value. Probabilities are JSON numbers in [0, 1], money whole "
        "currency units as JSON integers, 1 to 10,000 customers, each once; every problem is "
        "listed with its `index` (null for the body's own fields) and `field`. Each customer "
        "is also checked against the active renewal model (stored with the version): "
        "`model_renewal_probability`, `model_version`, and `disagreement` when the submitted "
        "renewal_probability is 0.25 or more away from it; `disagreements` counts them. "
        "Publishes `forecast.submitted`.",
        request=fs.ForecastRequestSerializer,
        responses={201: fs.ForecastSerializer},
        examples=[OpenApiExample("Spec example", request_only=True, value=FORECAST_EXAMPLE)],
    )
    def post(self, request: Request) -> Response:
        forecast = services.forecast_submit(
            body=request.data, submitted_by=client_identity(request)
        )
        document = selectors.forecast_document(selectors.forecast_get(forecast.forecast_id))
        return Response(fs.ForecastSerializer(document).data, status=201)

    @extend_schema(
        tags=TAGS,
        summary="The latest forecast of a quarter, with the list of its versions",
        operation_id="cs_finance_forecast_latest",
        parameters=[fs.ForecastQuerySerializer],
        responses={200: fs.ForecastWithVersionsSerializer, 404: ErrorResponse404Serializer},
    )
    def get(self, request: Request) -> Response:
        query = fs.ForecastQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        forecast = selectors.forecast_latest(query.validated_data.get("period"))
        document = {
            **selectors.forecast_document(forecast),
            "versions": selectors.forecast_versions(forecast.period),
        }
        return Response(fs.ForecastWithVersionsSerializer(document).data)


class ForecastDetailView(PlatformAPIView):
    scope_domain = "finance"

    @extend_schema(tags=TAGS, summary="Get a forecast version", responses=fs.ForecastSerializer)
    def get(self, request: Request, forecast_id: str) -> Response:
        document = selectors.forecast_document(selectors.forecast_get(forecast_id))
        return Response(fs.ForecastSerializer(document).data)


class ForecastAccuracyView(PlatformAPIView):
    scope_domain = "finance"

    @extend_schema(
        tags=TAGS,
        summary="A forecast against the quarter's actuals (once the quarter is over)",
        description="Before the day after the quarter's last day: 409 `period_not_over` with "
        "`period_ends_on`. Actual renewed revenue per customer = ARR (annual_value) of their "
        "contracts with status renewed whose end_date falls in the quarter; actual expansion "
        "revenue = closed_value of their opportunities won with closed_on in the quarter. "
        "Forecast (expected renewal + expected expansion) is compared with actual (renewed + "
        "won expansion): absolute_error = |forecast - actual|, percent = absolute_error / "
        "actual x 100 (null when actual is 0). brier_score: mean of "
        "(renewal_probability - outcome)^2 over the customers' contracts decided in the "
        "quarter (renewed 1; churned or expired 0), null when none was decided.",
        responses={200: fs.ForecastAccuracySerializer, 409: ErrorResponse409Serializer},
    )
    def get(self, request: Request, forecast_id: str) -> Response:
        forecast = selectors.forecast_get(forecast_id)
        accuracy = selectors.forecast_accuracy(forecast, today())
        return Response(fs.ForecastAccuracySerializer(accuracy).data)
