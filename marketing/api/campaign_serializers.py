"""Campaign request and responses (README "Marketing: campaigns"): the spec's fields
(`campaign_id`, `trigger_type`, `campaign_type`, `target_audience.customer_segments/size`,
`estimated_impact.retention_improvement/engagement_lift`) plus their numeric twins and basis,
and the impact measured so far."""

from decimal import Decimal
from typing import Any

from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from integrations.api.serializers_base import StrictSerializer, key_field

from ..campaigns.selectors import campaign_warnings
from ..choices import AudienceMatch, CampaignStatus, CampaignType, MemberGroup, TriggerType
from ..errors import UnknownSegment, unknown_segment_detail
from ..models import Campaign, CampaignMember
from ..signals.segments import segment_names

CREATE_EXAMPLE = {
    "trigger_type": "health_decline",
    "campaign_type": "retention",
    "target_audience": {"customer_segments": ["at_risk", "low_engagement"]},
}

# --- request --------------------------------------------------------------------------------


class RangeFirstDecimalField(serializers.DecimalField):
    """The range before the digits: 1e308 is "at most 0.5", not "no more than 4 digits"."""

    def validate_precision(self, value: Decimal) -> Decimal:
        if self.max_value is not None and value > self.max_value:
            self.fail("max_value", max_value=self.max_value)
        if self.min_value is not None and value < self.min_value:
            self.fail("min_value", min_value=self.min_value)
        return super().validate_precision(value)


class TargetAudienceRequestSerializer(StrictSerializer):
    customer_segments = serializers.ListField(
        child=serializers.CharField(max_length=64, trim_whitespace=False),
        allow_empty=False,
        max_length=20,
        help_text="Segment names from the registry (`GET /api/v1/cs-marketing/segments`). "
        "Each unknown name is a 400 `unknown_segment` at its index "
        "(`target_audience.customer_segments.<i>`, the detail listing the known ones), each "
        "repeat a `duplicate` at its index; reported with every other field's errors.",
    )
    match = serializers.ChoiceField(
        choices=AudienceMatch.choices,
        required=False,
        default=AudienceMatch.ANY,
        help_text="`any` (default): in at least one segment; `all`: in every one.",
    )

    def validate_customer_segments(self, names: list[str]) -> list[str]:
        known = segment_names()
        errors: dict[int, list[ErrorDetail]] = {}
        for index, name in enumerate(names):
            if name not in known:
                detail = unknown_segment_detail([name], known)
                errors[index] = [ErrorDetail(detail, code=UnknownSegment.default_code)]
            elif name in names[:index]:
                errors[index] = [ErrorDetail("Each segment once.", code="duplicate")]
        if errors:
            raise serializers.ValidationError(errors)  # type: ignore[arg-type]  # by index
        return names


class CampaignCreateSerializer(StrictSerializer):
    trigger_type = serializers.ChoiceField(choices=TriggerType.choices)
    campaign_type = serializers.ChoiceField(choices=CampaignType.choices)
    target_audience = TargetAudienceRequestSerializer()
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    external_campaign_id = key_field(
        required=False, default="", help_text="The marketing system's own id for the campaign."
    )
    holdout_fraction = RangeFirstDecimalField(
        max_digits=4,
        decimal_places=3,
        min_value=Decimal(0),
        max_value=Decimal("0.5"),
        required=False,
        default=Decimal("0.100"),
        coerce_to_string=False,
        help_text="Share of the audience held out (0-0.5, at most 3 decimals; default 0.1).",
    )
    measurement_window_days = serializers.IntegerField(
        min_value=7, max_value=365, required=False, default=90, help_text="7-365 (default 90)."
    )


# --- responses ------------------------------------------------------------------------------


class TargetAudienceSerializer(serializers.Serializer):
    customer_segments = serializers.ListField(child=serializers.CharField(), source="segments")
    match = serializers.ChoiceField(choices=AudienceMatch.choices)
    size = serializers.IntegerField(help_text="Members: treated + holdout.")
    treated = serializers.IntegerField(source="treated_count", help_text="The send list.")
    holdout = serializers.IntegerField(source="holdout_count", help_text="Never sent to.")


class EstimatedImpactSerializer(serializers.Serializer):
    retention_improvement = serializers.CharField(
        allow_null=True,
        help_text='Percentage points of retention, "15-20%" ("15%" when both ends round '
        'alike); with a negative end "-3% to -1%", "-5% to 10%" (one value: "-6%"); null with '
        'basis "none".',
    )
    engagement_lift = serializers.CharField(
        allow_null=True, help_text='"25%"; null when no sample campaign had an engagement lift.'
    )
    retention_improvement_low = serializers.FloatField(allow_null=True)
    retention_improvement_high = serializers.FloatField(allow_null=True)
    engagement_lift_pct = serializers.FloatField(allow_null=True)
    basis = serializers.ChoiceField(
        choices=["historical", "prior", "none"],
        help_text="historical: finished campaigns of the type; prior: the type's configured "
        "prior; none: neither exists.",
    )
    sample_campaigns = serializers.IntegerField(help_text="Finished campaigns used (historical).")
    engagement_sample_campaigns = serializers.IntegerField()


class GroupOutcomeSerializer(serializers.Serializer):
    n = serializers.IntegerField()
    retained = serializers.IntegerField(help_text="Members not churned by the measure moment.")
    retention_rate = serializers.FloatField(allow_null=True, help_text="retained ÷ n.")
    n_with_health = serializers.IntegerField(
        help_text="Members with a baseline score and a snapshot computed since the start."
    )
    mean_health_change = serializers.FloatField(allow_null=True)
    expansion_revenue = serializers.IntegerField(
        help_text="Won expansion opportunities closed from the start day to the measure day."
    )
    won_opportunities = serializers.IntegerField()
    expansion_revenue_per_member = serializers.FloatField(allow_null=True)
    events_30d = serializers.IntegerField(help_text="Usage events, 30 days up to the measure day.")
    baseline_events_30d = serializers.IntegerField()
    engagement_ratio = serializers.FloatField(
        allow_null=True, help_text="events_30d ÷ baseline_events_30d."
    )


class LiftSerializer(serializers.Serializer):
    retention_pp = serializers.FloatField(allow_null=True, help_text="Percentage points.")
    health_change_points = serializers.FloatField(allow_null=True)
    expansion_revenue_per_member = serializers.FloatField(allow_null=True)
    engagement_pct = serializers.FloatField(
        allow_null=True, help_text="(treated ratio ÷ holdout ratio − 1) × 100."
    )


class MeasuredImpactSerializer(serializers.Serializer):
    measured_at = serializers.DateTimeField(help_text="min(now, ends_at).")
    measure_day = serializers.DateField()
    final = serializers.BooleanField(help_text="Frozen when the window ended.")
    treated = GroupOutcomeSerializer()
    holdout = GroupOutcomeSerializer()
    lift = LiftSerializer(help_text="Treated minus holdout.")
    lift_reasons = serializers.DictField(
        child=serializers.CharField(), help_text="Why a lift is null, by lift name."
    )


class CampaignSummarySerializer(serializers.Serializer):
    campaign_id = serializers.CharField()
    name = serializers.CharField()
    external_campaign_id = serializers.CharField()
    trigger_type = serializers.ChoiceField(choices=TriggerType.choices)
    campaign_type = serializers.ChoiceField(choices=CampaignType.choices)
    target_audience = TargetAudienceSerializer(source="*")
    estimated_impact = EstimatedImpactSerializer()
    holdout_fraction = serializers.FloatField()
    measurement_window_days = serializers.IntegerField()
    status = serializers.SerializerMethodField(help_text="running until ends_at, then finished.")
    created_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    finalized_at = serializers.DateTimeField(allow_null=True)
    warnings = serializers.SerializerMethodField(
        help_text="What makes the campaign unmeasurable as created (an empty audience, an "
        "empty holdout or send list), in words; empty when none."
    )

    @extend_schema_field(serializers.ChoiceField(choices=CampaignStatus.choices))
    def get_status(self, campaign: Campaign) -> str:
        finished = campaign.ends_at <= self.context["now"]
        return CampaignStatus.FINISHED if finished else CampaignStatus.RUNNING

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_warnings(self, campaign: Campaign) -> list[str]:
        return campaign_warnings(campaign)


class CampaignSerializer(CampaignSummarySerializer):
    measured_impact = serializers.SerializerMethodField(
        help_text="Treated vs holdout so far; frozen once finalized."
    )

    @extend_schema_field(MeasuredImpactSerializer)
    def get_measured_impact(self, campaign: Campaign) -> Any:
        impact = self.context["impact"]  # stored JSON: measured_at as isoformat (+00:00)
        measured_at = impact.get("measured_at")
        if isinstance(measured_at, str):  # rendered the API's way (…Z), like every instant
            impact = {**impact, "measured_at": parse_datetime(measured_at)}
        return MeasuredImpactSerializer(impact).data


class CampaignMemberSerializer(serializers.Serializer):
    customer_id = serializers.CharField(source="customer.customer_id")
    group = serializers.ChoiceField(choices=MemberGroup.choices)
    segments = serializers.ListField(
        child=serializers.CharField(), help_text="The requested segments it matched."
    )
    baseline_score = serializers.IntegerField(allow_null=True)
    baseline_grade = serializers.SerializerMethodField()
    baseline_computed_at = serializers.DateTimeField(allow_null=True)
    baseline_events_30d = serializers.IntegerField()

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_baseline_grade(self, member: CampaignMember) -> str | None:
        return member.baseline_grade or None
