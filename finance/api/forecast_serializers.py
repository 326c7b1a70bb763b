"""Shapes of the forecast endpoints (README, "Finance: forecasts"). The request is validated by
`finance.bulk_schema.validate_forecast` (every problem with `index` and `field`);
`ForecastRequestSerializer` documents it."""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from integrations.api.serializers_base import QuerySerializer
from integrations.ids import NAME_PATTERN, QUARTER_PATTERN
from integrations.money import whole_units

from ..bulk_schema import MAX_FORECAST_CUSTOMERS, MAX_RISK_FACTORS


@extend_schema_field(OpenApiTypes.INT)
class MoneyField(serializers.Field):
    """A Decimal amount shown in whole currency units, rounded half-up."""

    def to_representation(self, value: Any) -> int:
        return whole_units(value)


def _probability(**kwargs: Any) -> serializers.FloatField:
    return serializers.FloatField(min_value=0, max_value=1, **kwargs)


class CustomerForecastRequestSerializer(serializers.Serializer):
    customer_id = serializers.CharField(max_length=64)
    renewal_probability = _probability()
    expansion_probability = _probability()
    expansion_value = serializers.IntegerField(min_value=0, help_text="Whole currency units.")
    risk_factors = serializers.ListField(
        child=serializers.RegexField(NAME_PATTERN),
        required=False,
        max_length=MAX_RISK_FACTORS,
    )


class AggregateMetricsSerializer(serializers.Serializer):
    total_forecasted_revenue = MoneyField(help_text="Whole currency units.")
    confidence_level = _probability(help_text="Recorded as sent; not used by the server.")
    risk_adjusted_value = MoneyField(help_text="Whole currency units.")


class ForecastRequestSerializer(serializers.Serializer):
    forecast_period = serializers.RegexField(QUARTER_PATTERN, help_text="e.g. q2_2026.")
    customer_forecasts = serializers.ListField(
        child=CustomerForecastRequestSerializer(), min_length=1, max_length=MAX_FORECAST_CUSTOMERS
    )
    aggregate_metrics = AggregateMetricsSerializer()


class CustomerForecastSerializer(serializers.Serializer):
    customer_id = serializers.CharField()
    renewal_probability = serializers.FloatField()
    expansion_probability = serializers.FloatField()
    expansion_value = MoneyField()
    risk_factors = serializers.ListField(child=serializers.CharField())
    arr = MoneyField(help_text="The customer's ARR when the forecast was submitted.")
    expected_renewal_revenue = MoneyField(help_text="arr x renewal_probability.")
    expected_expansion_revenue = MoneyField(help_text="expansion_value x expansion_probability.")
    model_renewal_probability = serializers.FloatField(
        allow_null=True,
        help_text="The active renewal model's probability when the forecast was submitted "
        "(stored: a later model does not rewrite it); null when the customer had no active "
        "contract to score.",
    )
    model_version = serializers.IntegerField(
        allow_null=True, help_text="The renewal model version active at submission; null: none was."
    )
    model_reason = serializers.CharField(
        allow_null=True, help_text="Why model_renewal_probability is null."
    )
    disagreement = serializers.BooleanField(
        allow_null=True,
        help_text="|renewal_probability - model_renewal_probability| >= 0.25; null without a "
        "model probability.",
    )


class ComputedMetricsSerializer(serializers.Serializer):
    expected_renewal_revenue = MoneyField()
    expected_expansion_revenue = MoneyField()
    total_forecasted_revenue = MoneyField()
    risk_adjusted_value = MoneyField()


class MetricComparisonSerializer(serializers.Serializer):
    submitted = MoneyField()
    computed = MoneyField()
    difference = MoneyField(help_text="submitted - computed.")
    consistent = serializers.BooleanField(help_text="|difference| <= 1 % of submitted.")


class ComparisonSerializer(serializers.Serializer):
    total_forecasted_revenue = MetricComparisonSerializer()
    risk_adjusted_value = MetricComparisonSerializer()


class ForecastVersionSerializer(serializers.Serializer):
    forecast_id = serializers.CharField()
    version = serializers.IntegerField()
    submitted_at = serializers.DateTimeField()


class ForecastSerializer(serializers.Serializer):
    forecast_id = serializers.CharField()
    forecast_period = serializers.CharField()
    version = serializers.IntegerField()
    submitted_at = serializers.DateTimeField()
    customer_forecasts = CustomerForecastSerializer(many=True)
    disagreements = serializers.IntegerField(
        help_text="Customers whose submitted renewal probability is 0.25 or more away from "
        "the model's."
    )
    aggregate_metrics = AggregateMetricsSerializer(help_text="As submitted.")
    computed_metrics = ComputedMetricsSerializer(help_text="Recomputed from the database.")
    comparison = ComparisonSerializer()
    consistent = serializers.BooleanField(help_text="Every comparison is consistent.")


class ForecastWithVersionsSerializer(ForecastSerializer):
    versions = ForecastVersionSerializer(many=True, help_text="Every version, newest first.")


class ErrorAmountsSerializer(serializers.Serializer):
    forecast = MoneyField()
    actual = MoneyField()
    absolute_error = MoneyField(help_text="|forecast - actual|.")
    percent = serializers.FloatField(
        allow_null=True, help_text="absolute_error / actual x 100; null when actual is 0."
    )


class CustomerAccuracySerializer(ErrorAmountsSerializer):
    customer_id = serializers.CharField()
    actual_renewed_revenue = MoneyField()
    actual_expansion_revenue = MoneyField()


class ForecastAccuracySerializer(serializers.Serializer):
    forecast_id = serializers.CharField()
    forecast_period = serializers.CharField()
    period_ends_on = serializers.DateField()
    customers = CustomerAccuracySerializer(many=True)
    total = ErrorAmountsSerializer()
    brier_score = serializers.FloatField(allow_null=True)
    decided_contracts = serializers.IntegerField()
    brier_reason = serializers.CharField(allow_null=True)


class ForecastQuerySerializer(QuerySerializer):
    period = serializers.RegexField(
        QUARTER_PATTERN,
        required=False,
        help_text="A quarter, e.g. q2_2026. Left out: the most recently submitted forecast.",
    )
