from rest_framework import serializers

from integrations.api.serializers_base import QuerySerializer


class ComponentSerializer(serializers.Serializer):
    score = serializers.FloatField(allow_null=True, help_text="0-100, null when no data.")
    weight = serializers.FloatField(help_text="The model's configured weight.")
    effective_weight = serializers.FloatField(
        help_text="The share of the score after spreading missing measures' weight."
    )
    inputs = serializers.DictField(help_text="The raw numbers the measure used.")
    reason = serializers.CharField(allow_null=True, help_text="Why the score is null.")
    description = serializers.CharField(allow_null=True, help_text="The measure's formula.")


class TrendSerializer(serializers.Serializer):
    change_30d = serializers.IntegerField(allow_null=True)
    reference_score = serializers.IntegerField(allow_null=True)
    reference_at = serializers.DateTimeField(allow_null=True)
    slope_per_week = serializers.FloatField(allow_null=True)
    weeks_in_slope = serializers.IntegerField()
    direction = serializers.ChoiceField(
        choices=["improving", "stable", "declining"], allow_null=True
    )
    basis = serializers.ChoiceField(choices=["change_30d", "slope"], allow_null=True)
    reason = serializers.CharField(allow_null=True)


class HistoryPointSerializer(serializers.Serializer):
    week_start = serializers.DateField()
    score = serializers.IntegerField()
    grade = serializers.CharField()


class HealthSerializer(serializers.Serializer):
    customer_id = serializers.CharField()
    score = serializers.IntegerField(allow_null=True)
    grade = serializers.ChoiceField(choices=["critical", "at_risk", "healthy"], allow_null=True)
    computed_at = serializers.DateTimeField(allow_null=True)
    as_of = serializers.DateField(allow_null=True)
    model_version = serializers.IntegerField(allow_null=True)
    components = serializers.DictField(child=ComponentSerializer())
    explanation = serializers.CharField(required=False)
    reasons = serializers.ListField(
        child=serializers.CharField(),
        help_text="The top reasons in words, most costly first (at most 3): each names the "
        "measure, its inputs and the points it cost against a perfect 100 "
        '(effective weight × (100 − measure score)), e.g. "support: 3 urgent tickets open '
        '(−45)". Empty when nothing cost points or the customer was never scored.',
    )
    trend = TrendSerializer(allow_null=True)
    history = HistoryPointSerializer(many=True)
    reason = serializers.CharField(allow_null=True)


class HealthQuerySerializer(QuerySerializer):
    weeks = serializers.IntegerField(min_value=1, max_value=104, default=52)
