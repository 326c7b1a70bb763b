from datetime import date
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from integrations.api.serializers_base import QuerySerializer, StrictSerializer, pattern_field
from integrations.ids import SLUG_MESSAGE, SLUG_PATTERN
from integrations.money import whole_units

from ..choices import BusinessImpact, FeedbackPriority, FeedbackStatus, FeedbackType
from ..lookback import ADOPTION_MAX_WINDOW_DAYS
from ..models import Feature, FeatureUsage, Feedback, FeedbackStatusChange


class FeatureSerializer(serializers.ModelSerializer):
    list_price = serializers.SerializerMethodField(help_text="Whole currency units.")

    class Meta:
        model = Feature
        fields = [
            "feature_id",
            "name",
            "category",
            "is_key",
            "is_premium",
            "list_price",
            "adoption_threshold_days",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_list_price(self, obj: Feature) -> int:
        return int(obj.list_price)


class UsageSerializer(serializers.ModelSerializer):
    customer_id = serializers.CharField(source="customer.customer_id")
    feature_id = serializers.CharField(source="feature.feature_id")

    class Meta:
        model = FeatureUsage
        fields = ["customer_id", "feature_id", "date", "events", "active_users"]
        read_only_fields = fields


# --- adoption ---------------------------------------------------------------------------


class AdoptionQuerySerializer(QuerySerializer):
    as_of = serializers.DateField(
        required=False, help_text="The last day of the window (default: today)."
    )
    window_days = serializers.IntegerField(
        min_value=7,
        max_value=ADOPTION_MAX_WINDOW_DAYS,  # the longest look-back retention must keep
        default=30,
        help_text="Trailing window in days.",
    )

    def validate_as_of(self, value: date) -> date:
        if value > timezone.localdate():
            raise serializers.ValidationError("Must not be in the future.", code="future_date")
        if value < date(2000, 1, 1):
            raise serializers.ValidationError("Must be 2000-01-01 or later.", code="min_value")
        return value


TRIED_HELP = "Active customers with at least one usage row with events > 0 in the window."


def _rate(help_text: str) -> serializers.FloatField:
    return serializers.FloatField(allow_null=True, min_value=0, max_value=1, help_text=help_text)


class GroupCountsSerializer(serializers.Serializer):
    adoption = _rate("adopting ÷ active; null without active customers.")
    active_customers = serializers.IntegerField(source="active")
    adopting_customers = serializers.IntegerField(source="adopting")
    tried_customers = serializers.IntegerField(source="tried", help_text=TRIED_HELP)


class AdoptionMetricsSerializer(serializers.Serializer):
    overall_adoption = _rate("Adopting customers ÷ active customers.")
    segment_adoption = serializers.DictField(
        child=serializers.FloatField(allow_null=True),
        help_text="Adoption per company segment (null: no active customers there).",
    )
    stage_adoption = serializers.DictField(
        child=serializers.FloatField(allow_null=True),
        help_text="Adoption per current lifecycle stage.",
    )
    active_customers = serializers.IntegerField()
    adopting_customers = serializers.IntegerField()
    tried_customers = serializers.IntegerField(help_text=TRIED_HELP)
    previous_window_adopters = serializers.IntegerField()
    lapsed_adopters = serializers.IntegerField(
        help_text="Adopters in the previous window who are not adopting now."
    )
    segments = serializers.DictField(child=GroupCountsSerializer())
    stages = serializers.DictField(child=GroupCountsSerializer())


class CorrelationSerializer(serializers.Serializer):
    r = serializers.FloatField(allow_null=True, min_value=-1, max_value=1)
    n = serializers.IntegerField(help_text="Customers in the sample.")
    ci_low = serializers.FloatField(
        allow_null=True,
        min_value=-1,
        max_value=1,
        help_text="95 % Fisher z interval, low end: tanh(atanh(r) − 1.959964/√(n−3)); "
        "null when r is null or |r| = 1.",
    )
    ci_high = serializers.FloatField(
        allow_null=True,
        min_value=-1,
        max_value=1,
        help_text="95 % Fisher z interval, high end: tanh(atanh(r) + 1.959964/√(n−3)); "
        "null when r is null or |r| = 1.",
    )
    p_value = serializers.FloatField(
        allow_null=True,
        min_value=0,
        max_value=1,
        help_text="Two-sided, from the same Fisher z: erfc(|atanh(r)|·√(n−3)/√2) "
        "(p < 0.05 exactly when the interval excludes 0); null when r is null, 0 when |r| = 1.",
    )
    reason = serializers.CharField(allow_null=True, help_text="Why r is null.")
    method = serializers.CharField()
    lead_days = serializers.IntegerField(
        required=False,
        help_text="Retention only: adoption is measured in the window_days ending this many "
        "days (90) before each renewal decision: usage dates in "
        "(decided_on − 90 − window_days, decided_on − 90].",
    )
    counts = serializers.DictField(child=serializers.IntegerField(), required=False)


class RenewalGroupSerializer(serializers.Serializer):
    n = serializers.IntegerField(help_text="Customers in the group.")
    renewed = serializers.IntegerField(help_text="Of them, renewed at their decision.")
    rate = _rate("renewed ÷ n; null when the group is empty.")


class RetentionComparisonSerializer(serializers.Serializer):
    lead_days = serializers.IntegerField(help_text="As in retention.lead_days (90).")
    adopters = RenewalGroupSerializer(help_text="Adopted in the lead window.")
    non_adopters = RenewalGroupSerializer()
    difference = serializers.FloatField(
        allow_null=True,
        min_value=-1,
        max_value=1,
        help_text="adopters.rate − non_adopters.rate (a fraction; × 100 for points).",
    )
    difference_ci_low = serializers.FloatField(
        allow_null=True,
        help_text="Wald 95 %: d − 1.959964·√(p1(1−p1)/n1 + p2(1−p2)/n2).",
    )
    difference_ci_high = serializers.FloatField(
        allow_null=True,
        help_text="Wald 95 %: d + 1.959964·√(p1(1−p1)/n1 + p2(1−p2)/n2).",
    )
    phi = serializers.FloatField(
        allow_null=True,
        min_value=-1,
        max_value=1,
        help_text="The phi coefficient: the Pearson r of the two 0/1 variables (= retention.r).",
    )
    phi_max = serializers.FloatField(
        allow_null=True,
        min_value=0,
        max_value=1,
        help_text="The largest phi the marginals allow: √(p_lo(1−p_hi) / (p_hi(1−p_lo))), "
        "p_lo ≤ p_hi the share adopting and the share renewing; null when either is 0 or 1.",
    )
    reason = serializers.CharField(
        allow_null=True,
        help_text="Why numbers are null (n < 10, a group is empty, no variation), else null.",
    )


class SuccessCorrelationSerializer(serializers.Serializer):
    adoption_success_link = serializers.FloatField(
        allow_null=True,
        help_text="Pearson r: adoption intensity vs health without the product measures.",
    )
    health_impact = serializers.ChoiceField(
        choices=["high", "medium", "low", "insufficient_evidence"],
        help_text="From |adoption_success_link|: high >= 0.5, medium >= 0.3, else low; "
        "insufficient_evidence when r is null or its 95 % interval spans 0.",
    )
    health_impact_direction = serializers.ChoiceField(
        choices=["positive", "negative"],
        allow_null=True,
        help_text="The sign of r when its interval excludes 0; null when insufficient_evidence.",
    )
    retention_correlation = serializers.FloatField(
        allow_null=True,
        help_text="Pearson r: adopted in the window ending lead_days (90) before the renewal "
        "decision vs renewed.",
    )
    adoption_success = CorrelationSerializer()
    retention = CorrelationSerializer()
    retention_comparison = RetentionComparisonSerializer(
        help_text="The retention read-out a CS manager can act on: renewal rates of adopters "
        "vs non-adopters and their difference with its interval."
    )


class OpportunitySerializer(serializers.Serializer):
    opportunity = serializers.CharField(source="code")
    detail = serializers.CharField()
    evidence = serializers.DictField()


class FeatureAdoptionSerializer(serializers.Serializer):
    feature_id = serializers.CharField()
    name = serializers.CharField()
    as_of = serializers.DateField()
    window_days = serializers.IntegerField()
    adoption_threshold_days = serializers.IntegerField()
    adoption_metrics = AdoptionMetricsSerializer()
    success_correlation = SuccessCorrelationSerializer()
    improvement_opportunities = serializers.ListField(
        child=serializers.CharField(), help_text="The codes of the opportunities below."
    )
    opportunity_details = OpportunitySerializer(many=True)


class AdoptionHeadlineSerializer(serializers.Serializer):
    feature_id = serializers.CharField()
    name = serializers.CharField()
    category = serializers.CharField()
    is_key = serializers.BooleanField()
    adoption_threshold_days = serializers.IntegerField()
    overall_adoption = _rate("Adopting customers ÷ active customers.")
    active_customers = serializers.IntegerField()
    adopting_customers = serializers.IntegerField()
    tried_customers = serializers.IntegerField(help_text=TRIED_HELP)
    customers_using = serializers.IntegerField(
        help_text="The same count as tried_customers (kept for existing clients)."
    )
    as_of = serializers.DateField()
    window_days = serializers.IntegerField()


class CustomerFeatureAdoptionSerializer(serializers.Serializer):
    feature_id = serializers.CharField()
    name = serializers.CharField()
    category = serializers.CharField()
    is_key = serializers.BooleanField()
    is_premium = serializers.BooleanField()
    adoption_threshold_days = serializers.IntegerField()
    active_days = serializers.IntegerField(help_text="Active days in the window.")
    intensity = serializers.FloatField(help_text="active_days ÷ window_days.")
    adopted = serializers.BooleanField()
    tried = serializers.BooleanField(help_text="Any active day up to as_of.")
    events_in_window = serializers.IntegerField()
    peak_active_users = serializers.IntegerField()
    first_used = serializers.DateField(allow_null=True)
    last_used = serializers.DateField(allow_null=True)


class CustomerAdoptionSerializer(serializers.Serializer):
    customer_id = serializers.CharField()
    as_of = serializers.DateField()
    window_days = serializers.IntegerField()
    features_adopted = serializers.IntegerField()
    key_features = serializers.IntegerField()
    key_features_adopted = serializers.IntegerField()
    features = CustomerFeatureAdoptionSerializer(many=True)


# --- feedback ---------------------------------------------------------------------------


class FeedbackBodySerializer(StrictSerializer):
    type = serializers.ChoiceField(choices=FeedbackType.choices)
    category = pattern_field(
        SLUG_PATTERN,
        message=SLUG_MESSAGE,
        max_length=64,
        help_text="A slug, e.g. workflow_automation.",
    )
    priority = serializers.ChoiceField(choices=FeedbackPriority.choices)
    business_impact = serializers.ChoiceField(choices=BusinessImpact.choices)
    description = serializers.CharField(max_length=5000)


class SuccessContextSerializer(StrictSerializer):
    health_impact = serializers.CharField(max_length=200, required=False, allow_blank=True)
    efficiency_gain = serializers.CharField(max_length=200, required=False, allow_blank=True)
    customer_value = serializers.CharField(max_length=200, required=False, allow_blank=True)


class FeedbackSubmitSerializer(StrictSerializer):
    customer_id = serializers.CharField(max_length=64)
    feedback = FeedbackBodySerializer()
    success_context = SuccessContextSerializer(required=False)


class FeedbackPatchSerializer(StrictSerializer):
    status = serializers.ChoiceField(
        choices=FeedbackStatus.choices,
        required=False,
        help_text="The next status; omit to re-target a committed item.",
    )
    target_release = serializers.CharField(max_length=100, required=False, allow_blank=True)
    target_date = serializers.DateField(required=False)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs:
            raise serializers.ValidationError(
                "Give a status, or a new target for a committed item.", code="empty"
            )
        return attrs


class FeedbackHistorySerializer(serializers.ModelSerializer):
    from_status = serializers.SerializerMethodField(
        help_text="The status before this change; null on the first entry (the submission)."
    )

    class Meta:
        model = FeedbackStatusChange
        fields = [
            "from_status",
            "to_status",
            "target_release",
            "target_date",
            "note",
            "changed_by",
            "changed_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=FeedbackStatus.choices, allow_null=True))
    def get_from_status(self, obj: FeedbackStatusChange) -> str | None:
        return obj.from_status or None  # stored as "" for the first entry


class DeliveryCommitmentSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=FeedbackStatus.choices)
    target_release = serializers.CharField(allow_blank=True)
    target_date = serializers.DateField(allow_null=True)
    overdue = serializers.BooleanField(help_text="Committed and past its target date.")
    committed_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    status_changed_at = serializers.DateTimeField()
    history = FeedbackHistorySerializer(many=True)


class FeedbackSerializer(serializers.Serializer):
    feedback_id = serializers.CharField()
    customer_id = serializers.CharField(source="customer.customer_id")
    feedback = serializers.SerializerMethodField()
    success_context = serializers.SerializerMethodField()
    priority_score = serializers.IntegerField(min_value=0, max_value=100)
    priority_explanation = serializers.DictField(source="priority_factors")
    delivery_commitment = serializers.SerializerMethodField()
    submitted_by = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(FeedbackBodySerializer)
    def get_feedback(self, obj: Feedback) -> dict[str, Any]:
        return {
            "type": obj.type,
            "category": obj.category,
            "priority": obj.priority,
            "business_impact": obj.business_impact,
            "description": obj.description,
        }

    @extend_schema_field(SuccessContextSerializer)
    def get_success_context(self, obj: Feedback) -> dict[str, Any]:
        return {
            "health_impact": obj.health_impact,
            "efficiency_gain": obj.efficiency_gain,
            "customer_value": obj.customer_value,
        }

    @extend_schema_field(DeliveryCommitmentSerializer)
    def get_delivery_commitment(self, obj: Feedback) -> dict[str, Any]:
        # `overdue` is annotated by selectors.feedback.feedback_list (one rule, in SQL)
        return DeliveryCommitmentSerializer(
            {
                "status": obj.status,
                "target_release": obj.target_release,
                "target_date": obj.target_date,
                "overdue": bool(obj.overdue),  # type: ignore[attr-defined]
                "committed_at": obj.committed_at,
                "delivered_at": obj.delivered_at,
                "status_changed_at": obj.status_changed_at,
                "history": obj.history.all(),
            }
        ).data


class CategorySummarySerializer(serializers.Serializer):
    category = serializers.CharField()
    count = serializers.IntegerField()
    open = serializers.IntegerField(help_text="Submitted, reviewing or committed.")
    customers_asking = serializers.IntegerField()
    arr_at_stake = serializers.SerializerMethodField(
        help_text="Sum of the ARR (active contracts, whole currency units) of the distinct "
        "customers with an open request in the category."
    )
    committed = serializers.IntegerField()
    delivered = serializers.IntegerField()
    declined = serializers.IntegerField()
    overdue = serializers.IntegerField()
    average_priority_score = serializers.FloatField(allow_null=True)

    def get_arr_at_stake(self, obj: Any) -> int:
        return whole_units(obj.arr_at_stake)


class FeedbackSummarySerializer(serializers.Serializer):
    as_of = serializers.DateField()
    categories = CategorySummarySerializer(many=True)
