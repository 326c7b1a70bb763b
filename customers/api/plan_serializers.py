"""Success plans and milestones (README "Sales: handoff": the handoff starts a plan)."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from integrations.api.serializers_base import StrictSerializer

from ..choices import MilestoneStatus
from ..models import Milestone, SuccessPlan


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = ["milestone_id", "title", "status", "due_date", "achieved_on"]
        read_only_fields = fields


class ObjectiveSerializer(serializers.Serializer):
    criterion = serializers.CharField()
    title = serializers.CharField()
    measurable = serializers.BooleanField()
    metric = serializers.CharField(allow_null=True)
    target = serializers.FloatField(allow_null=True)
    baseline = serializers.FloatField(allow_null=True, help_text="The metric when planned.")
    unit = serializers.CharField(allow_null=True)
    due_date = serializers.DateField(allow_null=True)


class SuccessPlanSerializer(serializers.ModelSerializer):
    objectives = serializers.SerializerMethodField()
    milestones = MilestoneSerializer(many=True, read_only=True)

    class Meta:
        model = SuccessPlan
        fields = [
            "plan_id",
            "title",
            "status",
            "start_date",
            "objectives",
            "milestones",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(ObjectiveSerializer(many=True))
    def get_objectives(self, plan: SuccessPlan) -> Any:
        return ObjectiveSerializer(plan.objective_items(), many=True).data


class MilestonePatchSerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=MilestoneStatus.choices, required=False)
    achieved_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="Only with status achieved (default: today); not in the future.",
    )
