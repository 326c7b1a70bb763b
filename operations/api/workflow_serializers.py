"""Serializers for workflow runs, alerts and escalations."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from integrations.api.serializers_base import StrictSerializer, pattern_field
from integrations.ids import NAME_PATTERN
from integrations.openapi_errors import ErrorItemSerializer

from ..choices import AlertStatus, ConditionsMatch, EscalationStatus
from ..models import Alert, Escalation, WorkflowRun, WorkflowStepRun
from ..workflows.conditions import RANGES
from ..workflows.registry import step_list_problem

MAX_STEPS = 20


class TriggerConditionsSerializer(StrictSerializer):
    health_score_drop = serializers.FloatField(
        required=False,
        min_value=RANGES["health_score_drop"][0],
        max_value=RANGES["health_score_drop"][1],
        help_text="Points the health score fell over ~30 days (holds at or above).",
    )
    usage_decline = serializers.FloatField(
        required=False,
        min_value=RANGES["usage_decline"][0],
        max_value=RANGES["usage_decline"][1],
        help_text="Fraction by which usage events fell, last 30 days vs the 30 before.",
    )
    support_increase = serializers.FloatField(
        required=False,
        min_value=RANGES["support_increase"][0],
        max_value=RANGES["support_increase"][1],
        help_text="Fractional rise in tickets opened, last 30 days vs the 30 before.",
    )


class WorkflowRequestSerializer(StrictSerializer):
    workflow_type = pattern_field(
        NAME_PATTERN,
        max_length=64,
        help_text="e.g. health_decline_intervention (also picks the playbook).",
    )
    customer_id = serializers.CharField(max_length=64, help_text="Must match the path.")
    trigger_conditions = TriggerConditionsSerializer(required=False)
    automation_steps = serializers.ListField(
        child=serializers.CharField(max_length=64),
        min_length=1,
        max_length=MAX_STEPS,
        help_text="Step names from GET /api/v1/cs-ops/workflows/steps, run in order.",
    )
    conditions_match = serializers.ChoiceField(
        choices=ConditionsMatch.choices, default=ConditionsMatch.ALL
    )
    force = serializers.BooleanField(default=False, help_text="Run even if conditions fail.")

    def validate_automation_steps(self, value: list[str]) -> list[str]:
        problem = step_list_problem(value)
        if problem is not None:
            raise serializers.ValidationError(problem.message, code=problem.code)
        return value


class StepRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkflowStepRun
        fields = [
            "position",
            "step",
            "key",
            "status",
            "attempts",
            "started_at",
            "finished_at",
            "next_attempt_at",
            "last_error",
            "result",
        ]
        read_only_fields = fields


class MeasuredConditionSerializer(serializers.Serializer):
    condition = serializers.CharField()
    threshold = serializers.FloatField()
    measured = serializers.FloatField(allow_null=True)
    holds = serializers.BooleanField()
    unit = serializers.CharField()
    detail = serializers.CharField()


class EvaluationSerializer(serializers.Serializer):
    conditions = MeasuredConditionSerializer(many=True)
    conditions_match = serializers.CharField()
    held = serializers.BooleanField()
    evaluated_at = serializers.DateTimeField(help_text="When the conditions were measured.")


class WorkflowRunSerializer(serializers.ModelSerializer):
    customer_id = serializers.CharField(source="customer.customer_id")
    rule = serializers.CharField(source="rule.name", allow_null=True, default=None)
    evaluation = serializers.SerializerMethodField()
    steps = StepRunSerializer(many=True)
    status_url = serializers.SerializerMethodField()

    class Meta:
        model = WorkflowRun
        fields = [
            "run_id",
            "customer_id",
            "workflow_type",
            "status",
            "trigger",
            "rule",
            "forced",
            "trigger_conditions",
            "conditions_match",
            "evaluation",
            "steps",
            "error",
            "requested_by",
            "created_at",
            "started_at",
            "finished_at",
            "status_url",
        ]
        read_only_fields = fields

    @extend_schema_field(EvaluationSerializer)
    def get_evaluation(self, obj: WorkflowRun) -> dict[str, Any]:
        # Runs evaluate their conditions as they are created; rows stored without the stamp
        # (demo data seeded before it was recorded) take that instant.
        return {"evaluated_at": obj.created_at.isoformat(), **obj.evaluation}

    def get_status_url(self, obj: WorkflowRun) -> str:
        return f"/api/v1/cs-ops/workflows/runs/{obj.run_id}"


# `errors` would shadow Serializer.errors in a class body, hence type().
ConditionsNotMetSerializer = type(
    "WorkflowConditionsNotMet",
    (serializers.Serializer,),
    {
        "__doc__": "422 `conditions_not_met`: `evaluation` has the measured values (an "
        "Idempotency-Key reused with another body is also a 422, without `evaluation`).",
        "type": serializers.CharField(),
        "errors": ErrorItemSerializer(many=True),
        "evaluation": EvaluationSerializer(required=False),
    },
)


class StepDefinitionSerializer(serializers.Serializer):
    name = serializers.CharField()
    description = serializers.CharField()


class AlertSerializer(serializers.ModelSerializer):
    customer_id = serializers.CharField(source="customer.customer_id")
    owner_email = serializers.EmailField(source="owner.email", allow_null=True, default=None)

    class Meta:
        model = Alert
        fields = [
            "alert_id",
            "customer_id",
            "owner_email",
            "severity",
            "title",
            "message",
            "status",
            "source_key",
            "opened_at",
            "resolved_at",
        ]
        read_only_fields = fields


class AlertPatchSerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=AlertStatus.choices)


class EscalationSerializer(serializers.ModelSerializer):
    customer_id = serializers.CharField(source="customer.customer_id")
    run_id = serializers.CharField(source="run.run_id", allow_null=True, default=None)

    class Meta:
        model = Escalation
        fields = [
            "escalation_id",
            "customer_id",
            "owner_email",
            "severity",
            "status",
            "reason",
            "run_id",
            "source_key",
            "opened_at",
            "resolved_at",
        ]
        read_only_fields = fields


class EscalationPatchSerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=EscalationStatus.choices, required=False)
    owner_email = serializers.EmailField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs:
            raise serializers.ValidationError("Give a status or an owner_email.", code="empty")
        return attrs
