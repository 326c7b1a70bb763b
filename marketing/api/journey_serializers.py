"""Journey move request and answers (README "Marketing: journeys")."""

from typing import Any

from rest_framework import serializers

from customers.choices import ALLOWED_TRANSITIONS, LifecycleStage
from customers.read import StageChange
from integrations.api.serializers_base import DateTimeField, StrictSerializer

from ..choices import JourneySource, TouchpointChannel, TouchpointKind, TouchpointStatus
from ..journey.recommendations import Action
from ..journey.selectors import JourneyStatus
from ..journey.services import JourneyMove
from ..models import Touchpoint

MOVE_EXAMPLE = {
    "stage": "adoption",
    "reason": "Kick-off done, first team live",
    "source": "api",
    "occurred_at": "2026-11-30T09:00:00Z",
}


class JourneyMoveRequestSerializer(StrictSerializer):
    stage = serializers.ChoiceField(
        choices=LifecycleStage.choices,
        help_text="The stage to move to; must be an allowed next stage of the current one.",
    )
    reason = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        help_text="Why (kept in the lifecycle history; default: moved through the journey API).",
    )
    occurred_at = DateTimeField(
        required=False,
        help_text="When the move happened (default now): not more than 5 minutes ahead of the "
        "server's clock, not before the last recorded stage change.",
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        # `source` is also a Field attribute, so it cannot be declared as a class attribute.
        fields = super().get_fields()
        fields["source"] = serializers.ChoiceField(
            choices=JourneySource.choices,
            required=False,
            default=JourneySource.API.value,
            help_text="Who moved it: `api` (default) or `import` (a system of record); "
            "`admin`, `system` and `handoff` are CS Hub's own.",
        )
        return fields


class TouchpointSerializer(serializers.Serializer):
    touchpoint_id = serializers.CharField()
    name = serializers.CharField()
    channel = serializers.ChoiceField(choices=TouchpointChannel.choices)
    kind = serializers.ChoiceField(choices=TouchpointKind.choices)
    stage = serializers.ChoiceField(
        choices=LifecycleStage.choices, help_text="The stage whose entry scheduled it."
    )
    status = serializers.ChoiceField(choices=TouchpointStatus.choices)
    scheduled_for = serializers.DateTimeField()
    status_changed_at = serializers.DateTimeField()
    reason = serializers.CharField(
        allow_null=True, help_text="Why it was suppressed or cancelled (null otherwise)."
    )

    def to_representation(self, instance: Touchpoint) -> Any:
        data = super().to_representation(instance)
        data["reason"] = instance.reason or None
        return data


class JourneyMoveSerializer(serializers.Serializer):
    customer_id = serializers.CharField()
    changed = serializers.BooleanField(
        help_text="False when the customer already was in the stage: nothing was recorded, "
        "scheduled or published."
    )
    from_stage = serializers.ChoiceField(choices=LifecycleStage.choices)
    stage = serializers.ChoiceField(choices=LifecycleStage.choices, help_text="The stage now.")
    changed_at = serializers.DateTimeField(
        allow_null=True, help_text="The history entry's time (`occurred_at`); null unchanged."
    )
    reason = serializers.CharField(allow_null=True)
    allowed_next_stages = serializers.ListField(
        child=serializers.ChoiceField(choices=LifecycleStage.choices)
    )
    touchpoints = TouchpointSerializer(
        many=True,
        help_text="Created by this move, one per active template of the stage: `scheduled`, "
        "or `suppressed` (promotional while an intervention is open).",
    )
    cancelled = TouchpointSerializer(
        many=True,
        help_text="Pending touchpoints this move cancelled: the left stage's promotional and "
        "educational ones, and every promotional one on a move to at_risk or churned.",
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()  # `source`: see JourneyMoveRequestSerializer
        fields["source"] = serializers.CharField(allow_null=True, help_text="Null unchanged.")
        return fields

    def to_representation(self, instance: JourneyMove) -> Any:
        change, stage = instance.change, instance.customer.lifecycle_stage
        at = serializers.DateTimeField().to_representation(change.changed_at) if change else None
        return {
            "customer_id": instance.customer.customer_id,
            "changed": change is not None,
            "from_stage": instance.from_stage,
            "stage": stage,
            "changed_at": at,
            "source": change.source if change else None,
            "reason": change.reason if change else None,
            "allowed_next_stages": list(ALLOWED_TRANSITIONS.get(stage, ())),
            "touchpoints": TouchpointSerializer(instance.touchpoints, many=True).data,
            "cancelled": TouchpointSerializer(instance.cancelled, many=True).data,
        }


class StageChangeSerializer(serializers.Serializer):
    from_stage = serializers.CharField(allow_null=True, help_text="Null for the first entry.")
    to_stage = serializers.CharField()
    reason = serializers.CharField()
    changed_at = serializers.DateTimeField()

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()  # `source`: see JourneyMoveRequestSerializer
        fields["source"] = serializers.CharField(help_text="api, admin, system, handoff, import.")
        return fields

    def to_representation(self, instance: StageChange) -> Any:
        data = super().to_representation(instance)
        data["from_stage"] = instance.from_stage or None
        return data


class ActionSerializer(serializers.Serializer):
    action = serializers.CharField()
    code = serializers.CharField(allow_null=True, help_text="The health rule (null for stage).")
    evidence = serializers.DictField(help_text="The facts that made a health rule fire.")

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()  # `source`: see JourneyMoveRequestSerializer
        fields["source"] = serializers.CharField(
            help_text="`stage`: configured for the stage; `health`: a health rule fired."
        )
        return fields

    def to_representation(self, instance: Action) -> Any:
        return {
            "action": instance.action,
            "source": instance.source,
            "code": instance.code,
            "evidence": dict(instance.evidence),
        }


class OpenRefSerializer(serializers.Serializer):
    id = serializers.CharField()
    status = serializers.CharField()


class OpenInterventionsSerializer(serializers.Serializer):
    workflow_runs = OpenRefSerializer(many=True, help_text="Pending or running.")
    escalations = OpenRefSerializer(many=True, help_text="Open or in progress.")


class JourneyStatusSerializer(serializers.Serializer):
    customer_id = serializers.CharField()
    stage = serializers.ChoiceField(choices=LifecycleStage.choices)
    since = serializers.DateTimeField(
        help_text="The latest lifecycle change (the customer's creation without history)."
    )
    days_in_stage = serializers.IntegerField(help_text="Whole local days since `since`.")
    description = serializers.CharField(help_text="The stage's configured description.")
    allowed_next_stages = serializers.ListField(
        child=serializers.ChoiceField(choices=LifecycleStage.choices)
    )
    recommended_actions = ActionSerializer(many=True)
    open_interventions = OpenInterventionsSerializer(
        help_text="What suppresses promotional touchpoints now (alerts do not)."
    )
    pending_touchpoints = TouchpointSerializer(
        many=True, help_text="Scheduled, soonest first (at most 50)."
    )
    recent_touchpoints = TouchpointSerializer(
        many=True,
        help_text="Sent, suppressed or cancelled in the last 90 days, newest first (at most 50).",
    )
    history = StageChangeSerializer(many=True, help_text="Every stage change, newest first.")

    def to_representation(self, instance: JourneyStatus) -> Any:
        refs = instance.open_interventions
        return {
            "customer_id": instance.customer.customer_id,
            "stage": instance.stage,
            "since": serializers.DateTimeField().to_representation(instance.since),
            "days_in_stage": instance.days_in_stage,
            "description": instance.description,
            "allowed_next_stages": list(instance.allowed_next_stages),
            "recommended_actions": ActionSerializer(instance.recommended_actions, many=True).data,
            "open_interventions": {
                "workflow_runs": [{"id": i, "status": s} for i, s in refs.workflow_runs],
                "escalations": [{"id": i, "status": s} for i, s in refs.escalations],
            },
            "pending_touchpoints": TouchpointSerializer(instance.pending, many=True).data,
            "recent_touchpoints": TouchpointSerializer(instance.recent, many=True).data,
            "history": StageChangeSerializer(instance.history, many=True).data,
        }
