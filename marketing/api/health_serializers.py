"""Shape of the marketing health read-out and the segment registry (README, "Marketing: health
read-out, lifecycle and segments"). Output only: the endpoints take no body."""

from rest_framework import serializers

from customers.choices import LifecycleStage

from ..choices import CampaignType, TriggerType

GRADES = ["critical", "at_risk", "healthy"]
DIRECTIONS = ["improving", "stable", "declining"]


class MarketingComponentSerializer(serializers.Serializer):
    score = serializers.FloatField(allow_null=True, help_text="0-100, null when no data.")
    weight = serializers.FloatField(help_text="The health model's configured weight.")
    effective_weight = serializers.FloatField(
        help_text="The share of the score after spreading missing measures' weight."
    )
    inputs = serializers.DictField(help_text="The raw numbers the measure used.")
    reason = serializers.CharField(allow_null=True, help_text="Why the score is null.")
    description = serializers.CharField(allow_null=True, help_text="The measure's formula.")


class MarketingTrendSerializer(serializers.Serializer):
    change_30d = serializers.IntegerField(
        allow_null=True, help_text="score − the snapshot nearest 30 days earlier (±7 days)."
    )
    reference_score = serializers.IntegerField(allow_null=True)
    reference_at = serializers.DateTimeField(allow_null=True)
    slope_per_week = serializers.FloatField(
        allow_null=True, help_text="Least squares over the last 12 weekly points."
    )
    weeks_in_slope = serializers.IntegerField()
    direction = serializers.ChoiceField(
        choices=DIRECTIONS,
        allow_null=True,
        help_text="From change_30d with the ±5 band (the slope × 30/7 without a reference).",
    )
    basis = serializers.ChoiceField(choices=["change_30d", "slope"], allow_null=True)
    reason = serializers.CharField(allow_null=True, help_text="Why direction is null.")


class MarketingHistoryPointSerializer(serializers.Serializer):
    week_start = serializers.DateField(help_text="Monday of the week.")
    score = serializers.IntegerField(help_text="The week's last snapshot.")
    grade = serializers.ChoiceField(choices=GRADES)


class MarketingRuleCheckSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=LifecycleStage.choices)
    met = serializers.BooleanField()
    reason = serializers.CharField(help_text="The numbers the rule looked at.")


class MarketingLifecycleSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(
        choices=LifecycleStage.choices, help_text="The first rule met, in precedence order."
    )
    recorded_stage = serializers.ChoiceField(
        choices=LifecycleStage.choices, allow_null=True, help_text="The stage on record."
    )
    recorded_since = serializers.DateTimeField(
        allow_null=True,
        help_text="When the customer entered the recorded stage (its creation if never moved).",
    )
    differs = serializers.BooleanField(help_text="Determined stage ≠ recorded stage.")
    transition_allowed = serializers.BooleanField(
        allow_null=True,
        help_text="Whether the recorded → determined transition is allowed; null when they agree.",
    )
    allowed_from_recorded = serializers.ListField(
        child=serializers.ChoiceField(choices=LifecycleStage.choices),
        help_text="The stages the recorded stage may move to.",
    )
    rules = MarketingRuleCheckSerializer(many=True, help_text="Every rule, in precedence order.")


class MarketingRecommendationSerializer(serializers.Serializer):
    trigger_type = serializers.ChoiceField(choices=TriggerType.choices)
    campaign_type = serializers.ChoiceField(choices=CampaignType.choices)
    segment = serializers.CharField(help_text="The registry segment a campaign would target.")
    reason = serializers.CharField()
    priority = serializers.ChoiceField(choices=["high", "medium", "low"])


class HealthSignalSerializer(serializers.Serializer):
    score = serializers.IntegerField()
    grade = serializers.ChoiceField(choices=GRADES)
    change_30d = serializers.IntegerField(allow_null=True)
    direction = serializers.ChoiceField(choices=DIRECTIONS, allow_null=True)
    basis = serializers.ChoiceField(choices=["change_30d", "slope"], allow_null=True)


class AdoptionSignalSerializer(serializers.Serializer):
    adopted = serializers.ListField(child=serializers.CharField(), help_text="Key feature ids.")
    key_features = serializers.IntegerField()
    share = serializers.FloatField(allow_null=True, help_text="adopted ÷ key features.")
    low = serializers.BooleanField(help_text="share < 0.5.")


class EngagementSignalSerializer(serializers.Serializer):
    events_last_30d = serializers.IntegerField()
    events_prior_30d = serializers.IntegerField()
    ratio = serializers.FloatField(allow_null=True, help_text="last ÷ prior; null: none prior.")
    low = serializers.BooleanField(help_text="No events in 30 days, or ratio < 0.7.")


class RenewalSignalSerializer(serializers.Serializer):
    contract_id = serializers.CharField()
    end_date = serializers.DateField()
    days_left = serializers.IntegerField()
    annual_value = serializers.IntegerField(help_text="Whole currency units.")


class ExpansionSignalSerializer(serializers.Serializer):
    score = serializers.IntegerField()
    ready = serializers.BooleanField()
    as_of = serializers.DateField(help_text="The nightly run's day.")


class OnboardingSignalSerializer(serializers.Serializer):
    handoff_on = serializers.DateField(allow_null=True)
    onboarding_start = serializers.DateField(allow_null=True)
    first_contract_start = serializers.DateField(allow_null=True)
    started_on = serializers.DateField(allow_null=True, help_text="The latest of the three.")
    recent = serializers.BooleanField(help_text="started_on within the last 90 days, or later.")


class NpsSignalSerializer(serializers.Serializer):
    responses = serializers.IntegerField(help_text="NPS answers in the last 180 days.")
    promoters = serializers.IntegerField()
    detractors = serializers.IntegerField()
    nps = serializers.FloatField(allow_null=True, help_text="% promoters − % detractors.")
    promoter = serializers.BooleanField(help_text="nps ≥ 50.")
    detractor = serializers.BooleanField(help_text="nps < 0.")


class InterventionsSignalSerializer(serializers.Serializer):
    workflow_runs = serializers.IntegerField()
    escalations = serializers.IntegerField()
    alerts = serializers.IntegerField()
    any = serializers.BooleanField()


class SignalsSerializer(serializers.Serializer):
    segments = serializers.ListField(
        child=serializers.CharField(), help_text="The registry segments the customer is in."
    )
    health = HealthSignalSerializer(allow_null=True)
    adoption = AdoptionSignalSerializer(allow_null=True)
    engagement = EngagementSignalSerializer(allow_null=True)
    renewal_due = RenewalSignalSerializer(allow_null=True)
    expansion = ExpansionSignalSerializer(allow_null=True)
    onboarding = OnboardingSignalSerializer(allow_null=True)
    nps = NpsSignalSerializer(allow_null=True)
    open_interventions = InterventionsSignalSerializer(allow_null=True)


class MarketingHealthSerializer(serializers.Serializer):
    customer_id = serializers.CharField()
    as_of = serializers.DateField(help_text="The day the signals are read for (today).")
    score = serializers.IntegerField(allow_null=True, help_text="Null: never scored (reason).")
    grade = serializers.ChoiceField(choices=GRADES, allow_null=True)
    computed_at = serializers.DateTimeField(allow_null=True)
    health_as_of = serializers.DateField(allow_null=True, help_text="The snapshot's day.")
    model_version = serializers.IntegerField(allow_null=True)
    components = serializers.DictField(child=MarketingComponentSerializer())
    explanation = serializers.CharField(allow_null=True)
    reason = serializers.CharField(allow_null=True, help_text="Why score is null.")
    trend = MarketingTrendSerializer(allow_null=True)
    history = MarketingHistoryPointSerializer(
        many=True, help_text="The last 12 weeks, oldest first."
    )
    lifecycle = MarketingLifecycleSerializer()
    recommendations = MarketingRecommendationSerializer(many=True)
    signals = SignalsSerializer()


class SegmentSerializer(serializers.Serializer):
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=["company", "behavioural"])
    description = serializers.CharField()


HEALTH_EXAMPLE = {
    "customer_id": "cust_12345",
    "as_of": "2026-12-04",
    "score": 48,
    "grade": "critical",
    "computed_at": "2026-12-04T02:00:00Z",
    "health_as_of": "2026-12-03",
    "model_version": 1,
    "components": {
        "product_usage": {
            "score": 40.0,
            "weight": 0.25,
            "effective_weight": 0.25,
            "inputs": {"events_last_30d": 600, "events_prior_30d": 1200},
            "reason": None,
            "description": "100 × (0.7 × seat utilisation + 0.3 × trend factor)",
        }
    },
    "explanation": "score 48 = round(product_usage 40 × 0.25 + ...)",
    "reason": None,
    "trend": {
        "change_30d": -18,
        "reference_score": 66,
        "reference_at": "2026-11-04T02:00:00Z",
        "slope_per_week": -3.2,
        "weeks_in_slope": 12,
        "direction": "declining",
        "basis": "change_30d",
        "reason": None,
    },
    "history": [{"week_start": "2026-11-30", "score": 48, "grade": "critical"}],
    "lifecycle": {
        "stage": "at_risk",
        "recorded_stage": "renewal",
        "recorded_since": "2026-10-01T09:00:00Z",
        "differs": True,
        "transition_allowed": True,
        "allowed_from_recorded": [
            "adoption",
            "value_realization",
            "expansion",
            "advocacy",
            "at_risk",
            "churned",
        ],
        "rules": [
            {"stage": "churned", "met": False, "reason": "status active"},
            {
                "stage": "at_risk",
                "met": True,
                "reason": "grade critical; direction declining (by a change ≤ −5); a drop of "
                "≥ 15 points in 30 days (score 48, grade critical, 30-day change -18)",
            },
            {
                "stage": "renewal",
                "met": True,
                "reason": "contract ctr_9 ends 2026-12-20 (in 16 days)",
            },
        ],
    },
    "recommendations": [
        {
            "trigger_type": "health_decline",
            "campaign_type": "retention",
            "segment": "declining",
            "reason": "health declining (score 48, -18 in 30 days)",
            "priority": "high",
        },
        {
            "trigger_type": "renewal_due",
            "campaign_type": "renewal",
            "segment": "renewal_due_90d",
            "reason": "contract ctr_9 ends 2026-12-20 (in 16 days)",
            "priority": "high",
        },
        {
            "trigger_type": "low_engagement",
            "campaign_type": "retention",
            "segment": "low_engagement",
            "reason": "600 usage events in 30 days, 50% of the 1200 before (< 70%)",
            "priority": "medium",
        },
    ],
    "signals": {
        "segments": [
            "enterprise",
            "at_risk",
            "critical",
            "declining",
            "low_engagement",
            "renewal_due_90d",
            "detractors",
            "open_intervention",
        ],
        "health": {
            "score": 48,
            "grade": "critical",
            "change_30d": -18,
            "direction": "declining",
            "basis": "change_30d",
        },
        "adoption": {
            "adopted": ["feat_alerts", "feat_reports"],
            "key_features": 4,
            "share": 0.5,
            "low": False,
        },
        "engagement": {
            "events_last_30d": 600,
            "events_prior_30d": 1200,
            "ratio": 0.5,
            "low": True,
        },
        "renewal_due": {
            "contract_id": "ctr_9",
            "end_date": "2026-12-20",
            "days_left": 16,
            "annual_value": 50000,
        },
        "expansion": {"score": 41, "ready": False, "as_of": "2026-12-03"},
        "onboarding": {
            "handoff_on": None,
            "onboarding_start": None,
            "first_contract_start": "2023-12-21",
            "started_on": "2023-12-21",
            "recent": False,
        },
        "nps": {
            "responses": 2,
            "promoters": 0,
            "detractors": 1,
            "nps": -50.0,
            "promoter": False,
            "detractor": True,
        },
        "open_interventions": {"workflow_runs": 1, "escalations": 0, "alerts": 1, "any": True},
    },
}
