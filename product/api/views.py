from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from customers import read as customers_read
from integrations.api.base import PlatformAPIView, PlatformGenericAPIView
from integrations.api.views_bulk import IngestionDetailView, IngestionListView, bulk_post_docs
from integrations.auth import client_identity
from integrations.openapi_errors import ErrorResponse409Serializer
from integrations.pagination import cursor_pagination

from .. import selectors, services
from ..bulk_schema import FEATURE_SCHEMA, RETENTION_RULE, USAGE_SCHEMA
from ..errors import FeatureNotFound, FeedbackNotFound
from ..models import Feature, Feedback
from ..selectors import adoption
from ..selectors import feedback as feedback_selectors
from . import presenters
from . import serializers as s
from .examples import ADOPTION_EXAMPLE, FEEDBACK_EXAMPLE
from .filters import FeatureFilter, FeedbackFilter, UsageFilter

TAGS = ["cs-product"]


@extend_schema_view(
    get=extend_schema(
        tags=TAGS,
        summary="List features",
        operation_id="cs_product_features_list",
        responses=s.FeatureSerializer(many=True),
    ),
    post=bulk_post_docs(
        tags=TAGS,
        summary="Upsert features in bulk",
        item="FeatureBulkItem",
        schema=FEATURE_SCHEMA,
        example=(
            "Catalogue",
            [
                {
                    "feature_id": "feat_analytics",
                    "name": "Analytics",
                    "category": "insights",
                    "is_key": True,
                    "is_premium": False,
                    "list_price": 0,
                    "adoption_threshold_days": 4,
                },
            ],
        ),
    ),
)
class FeatureListView(IngestionListView):
    scope_domain = "product"
    serializer_class = s.FeatureSerializer
    filterset_class = FeatureFilter
    pagination_class = cursor_pagination("feature_id")
    list_queryset = staticmethod(selectors.feature_list)
    bulk_schema = FEATURE_SCHEMA
    ingest = staticmethod(services.features_bulk_upsert)


@extend_schema_view(
    get=extend_schema(tags=TAGS, summary="Get a feature", responses=s.FeatureSerializer)
)
class FeatureDetailView(IngestionDetailView):
    scope_domain = "product"
    list_view = FeatureListView
    lookup = "feature_id"
    not_found = FeatureNotFound


@extend_schema_view(
    get=extend_schema(
        tags=TAGS,
        summary="List daily usage rows",
        operation_id="cs_product_usage_list",
        responses=s.UsageSerializer(many=True),
    ),
    post=bulk_post_docs(
        tags=TAGS,
        summary="Ingest daily usage in bulk",
        item="UsageBulkItem",
        schema=USAGE_SCHEMA,
        description="Natural key: (customer_id, feature_id, date); "
        "unknown feature ids are item errors (`unknown_feature`). A `date` must be "
        f"{RETENTION_RULE}: maintenance would delete an older day, so it is an item error.",
        example=(
            "One day",
            [
                {
                    "customer_id": "cust_12345",
                    "feature_id": "feat_analytics",
                    "date": "2026-11-25",
                    "events": 140,
                    "active_users": 12,
                },
            ],
        ),
    ),
)
class UsageView(IngestionListView):
    scope_domain = "product"
    serializer_class = s.UsageSerializer
    filterset_class = UsageFilter
    pagination_class = cursor_pagination("date", "id")
    list_queryset = staticmethod(selectors.usage_list)
    bulk_schema = USAGE_SCHEMA
    ingest = staticmethod(services.usage_ingest)


# --- adoption ---------------------------------------------------------------------------


def _adoption_query(request: Request) -> tuple[date, int]:
    query = s.AdoptionQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    as_of = query.validated_data.get("as_of") or timezone.localdate()
    return as_of, query.validated_data["window_days"]


class AdoptionListView(PlatformGenericAPIView):
    scope_domain = "product"
    read_replica = True
    serializer_class = s.AdoptionHeadlineSerializer
    filterset_class = FeatureFilter
    pagination_class = cursor_pagination("feature_id")

    def get_queryset(self) -> QuerySet[Feature]:
        return selectors.feature_list()

    @extend_schema(
        tags=TAGS,
        summary="Adoption headline of every feature",
        description="Per feature: adopting ÷ active customers over the window, and how many "
        "active customers used it at all. Paginated by feature_id; filters as for features.",
        parameters=[s.AdoptionQuerySerializer],
        operation_id="cs_product_adoption_list",
        responses=s.AdoptionHeadlineSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        as_of, window = _adoption_query(request)

        def headlines(page: list[Feature]) -> list[dict[str, Any]]:
            found = adoption.adoption_headlines(page, as_of=as_of, window_days=window)
            return [presenters.headline(f, found[f.pk], as_of, window) for f in page]

        return self.list_response(transform=headlines)


class AdoptionDetailView(PlatformAPIView):
    scope_domain = "product"
    read_replica = True

    @extend_schema(
        tags=TAGS,
        summary="Adoption insights for one feature",
        description="Adoption overall, by segment and by lifecycle stage; Pearson correlations "
        "of adoption with health (without the product measures) and with renewal (adoption in "
        "the window ending `lead_days` = 90 days before each decision), each with its 95 % "
        "Fisher z interval and p-value; the renewal rates of adopters vs non-adopters with "
        "their difference, its interval, phi and phi_max; and the improvement opportunities "
        "the barrier rules find, each with its evidence (a rule on a correlation needs its "
        "interval to exclude 0). Every number comes from usage, health snapshots and "
        'contracts up to `as_of`; formulas in the README, "Product: adoption analytics".',
        parameters=[s.AdoptionQuerySerializer],
        responses=s.FeatureAdoptionSerializer,
        examples=[OpenApiExample("Spec example", response_only=True, value=ADOPTION_EXAMPLE)],
    )
    def get(self, request: Request, feature_id: str) -> Response:
        feature = selectors.feature_list().filter(feature_id=feature_id).first()
        if feature is None:
            raise FeatureNotFound()
        as_of, window = _adoption_query(request)
        if window < feature.adoption_threshold_days:  # nobody could adopt: not a finding
            raise ValidationError(
                {
                    "window_days": [
                        f"Must be at least the feature's adoption_threshold_days "
                        f"({feature.adoption_threshold_days})."
                    ]
                },
                code="window_shorter_than_threshold",
            )
        result = adoption.feature_adoption(feature, as_of=as_of, window_days=window)
        return Response(s.FeatureAdoptionSerializer(presenters.feature_adoption(result)).data)


class CustomerAdoptionView(PlatformAPIView):
    scope_domain = "product"
    read_replica = True

    @extend_schema(
        tags=TAGS,
        summary="One customer's adoption of every feature",
        description="Active days in the window against each feature's threshold, first and "
        "last use, events and peak active users. Needs the `product:read` scope.",
        parameters=[s.AdoptionQuerySerializer],
        responses=s.CustomerAdoptionSerializer,
    )
    def get(self, request: Request, customer_id: str) -> Response:
        customer = customers_read.customer_get(customer_id)
        as_of, window = _adoption_query(request)
        rows = adoption.customer_adoption(customer.pk, as_of=as_of, window_days=window)
        body = presenters.customer_adoption(customer.customer_id, rows, as_of, window)
        return Response(s.CustomerAdoptionSerializer(body).data)


# --- feedback ---------------------------------------------------------------------------


class FeedbackListView(PlatformGenericAPIView):
    scope_domain = "product"
    read_replica = True
    serializer_class = s.FeedbackSerializer
    filterset_class = FeedbackFilter
    pagination_class = cursor_pagination("-created_at", "-id")

    def get_queryset(self) -> QuerySet[Feedback]:
        return feedback_selectors.feedback_list()

    @extend_schema(
        tags=TAGS,
        summary="List customer feedback",
        operation_id="cs_product_feedback_list",
        responses=s.FeedbackSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        return self.list_response()

    @extend_schema(
        tags=TAGS,
        summary="Submit customer feedback",
        description="Stores the request with its success context, scores its priority "
        "(0-100: business impact x the customer's ARR rank x health risk, explained in "
        "`priority_explanation`) and opens its delivery commitment in status `submitted`.",
        request=s.FeedbackSubmitSerializer,
        responses={201: s.FeedbackSerializer},
        examples=[OpenApiExample("Spec example", request_only=True, value=FEEDBACK_EXAMPLE)],
    )
    def post(self, request: Request) -> Response:
        body = s.FeedbackSubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        customer = customers_read.customer_get(data["customer_id"])
        item = services.feedback_submit(
            customer=customer,
            feedback=data["feedback"],
            success_context=data.get("success_context", {}),
            submitted_by=client_identity(request),
        )
        out = feedback_selectors.feedback_list().get(pk=item.pk)
        return Response(s.FeedbackSerializer(out).data, status=201)


class FeedbackSummaryView(PlatformGenericAPIView):
    scope_domain = "product"
    read_replica = True
    filterset_class = FeedbackFilter

    def get_queryset(self) -> QuerySet[Feedback]:
        return Feedback.objects.all()

    @extend_schema(
        tags=TAGS,
        summary="Feedback per category: demand, ARR at stake, commitments",
        description="Takes the list's filters. Per category: requests, open requests, distinct "
        "customers asking, ARR at stake (the ARR of the distinct customers with an open "
        "request), committed, delivered, declined, overdue and the mean priority score; "
        "ordered by ARR at stake.",
        responses=s.FeedbackSummarySerializer,
    )
    def get(self, request: Request) -> Response:
        today = timezone.localdate()
        rows = feedback_selectors.feedback_summary(self.filter_queryset(self.get_queryset()), today)
        return Response(s.FeedbackSummarySerializer({"as_of": today, "categories": rows}).data)


class FeedbackDetailView(PlatformAPIView):
    scope_domain = "product"

    def _get(self, feedback_id: str) -> Feedback:
        item = feedback_selectors.feedback_list().filter(feedback_id=feedback_id).first()
        if item is None:
            raise FeedbackNotFound()
        return item

    @extend_schema(tags=TAGS, summary="Get feedback", responses=s.FeedbackSerializer)
    def get(self, request: Request, feedback_id: str) -> Response:
        return Response(s.FeedbackSerializer(self._get(feedback_id)).data)

    @extend_schema(
        tags=TAGS,
        summary="Move the delivery commitment",
        description="For the product system: `submitted → reviewing → committed (target_date "
        "or target_release) → delivered | declined`; a committed item may be re-targeted "
        "(omit `status`). Other moves → 409 with the allowed ones. Every change is kept in "
        "`delivery_commitment.history`; `delivered` publishes `feedback.delivered`.",
        request=s.FeedbackPatchSerializer,
        responses={200: s.FeedbackSerializer, 409: ErrorResponse409Serializer},
    )
    def patch(self, request: Request, feedback_id: str) -> Response:
        item = self._get(feedback_id)
        body = s.FeedbackPatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.feedback_update(
            feedback=item, changed_by=client_identity(request), **body.validated_data
        )
        return Response(s.FeedbackSerializer(self._get(feedback_id)).data)
