"""Shape of the value realisation endpoint (README, "Finance: value realisation"). Money is in
whole currency units (JSON integers); every null number comes with its `*_reason`."""

from rest_framework import serializers

from ..choices import RenewalModelKind
from .renewal_serializers import RenewalTermSerializer


def _reason() -> serializers.CharField:
    return serializers.CharField(allow_null=True, help_text="Why the number beside it is null.")


class ValueRealizationSerializer(serializers.Serializer):
    contracted_value = serializers.IntegerField(help_text="Σ value of active contracts.")
    realized_value = serializers.IntegerField(help_text="Σ amount of value records to as_of.")
    roi_percentage = serializers.IntegerField(
        allow_null=True, help_text="realized ÷ contracted × 100, half-up."
    )
    roi_reason = _reason()
    realization_timeline = serializers.CharField(allow_null=True, help_text='e.g. "18_months".')
    realization_months = serializers.IntegerField(allow_null=True)
    reached = serializers.BooleanField(allow_null=True)
    timeline_reason = _reason()


class AttributionPartsSerializer(serializers.Serializer):
    churn_prevention_value = serializers.IntegerField()
    cs_sourced_expansion = serializers.IntegerField()
    renewed_arr = serializers.IntegerField()
    won_expansion = serializers.IntegerField()


class RevenueAttributionSerializer(serializers.Serializer):
    success_contribution = serializers.FloatField(allow_null=True, help_text="0..1, 2 decimals.")
    success_contribution_reason = _reason()
    churn_prevention_value = serializers.IntegerField()
    expansion_revenue = serializers.IntegerField()
    parts = AttributionPartsSerializer()


class FinancialHealthSerializer(serializers.Serializer):
    payment_status = serializers.ChoiceField(
        choices=["current", "overdue", "delinquent"],
        allow_null=True,
        help_text="From the invoices; null with `payment_reason` when there are none.",
    )
    payment_bucket = serializers.CharField(
        allow_null=True, help_text="The financial measure's finer bucket."
    )
    worst_days_overdue = serializers.IntegerField(allow_null=True)
    payment_reason = _reason()
    renewal_probability = serializers.FloatField(
        allow_null=True,
        help_text="The active renewal model's probability (0-1, 4 decimals) that the "
        "customer's next-ending active contract renews; null without an active contract.",
    )
    renewal_probability_reason = _reason()
    renewal_model_version = serializers.IntegerField(allow_null=True)
    renewal_model_kind = serializers.ChoiceField(
        choices=RenewalModelKind.choices,
        allow_null=True,
        help_text="`fitted`, or the documented `prior` (fewer than 200 resolved renewals, or "
        "chosen in the admin).",
    )
    renewal_contract_id = serializers.CharField(allow_null=True, help_text="The contract scored.")
    renewal_log_odds = serializers.FloatField(allow_null=True, help_text="intercept + Σ terms.")
    renewal_intercept = serializers.FloatField(allow_null=True)
    renewal_terms = RenewalTermSerializer(
        many=True, allow_null=True, help_text="Each feature's value and log-odds contribution."
    )
    expansion_pipeline = serializers.IntegerField(help_text="Σ value of open opportunities.")
    expansion_pipeline_weighted = serializers.IntegerField(
        help_text="Σ value × probability of open opportunities."
    )


class CustomerValueSerializer(serializers.Serializer):
    customer_id = serializers.CharField()
    as_of = serializers.DateField()
    value_realization = ValueRealizationSerializer()
    revenue_attribution = RevenueAttributionSerializer()
    financial_health = FinancialHealthSerializer()
