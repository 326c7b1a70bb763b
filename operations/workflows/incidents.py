"""Writes for alerts and escalations raised by workflows: status changes with timestamps
(resolution times feed the performance metrics)."""

from django.db import transaction
from django.utils import timezone

from integrations import events

from ..choices import AlertStatus, EscalationStatus
from ..models import Alert, Escalation


@transaction.atomic
def alert_update(*, alert: Alert, status: str) -> Alert:
    alert = Alert.objects.select_for_update().select_related("customer").get(pk=alert.pk)
    if alert.status == status:
        return alert
    alert.status = status
    alert.resolved_at = timezone.now() if status == AlertStatus.RESOLVED else None
    alert.save(update_fields=["status", "resolved_at"])
    return alert


@transaction.atomic
def escalation_update(
    *, escalation: Escalation, status: str | None = None, owner_email: str | None = None
) -> Escalation:
    escalation = (
        Escalation.objects.select_for_update().select_related("customer").get(pk=escalation.pk)
    )
    fields = []
    if owner_email and owner_email != escalation.owner_email:
        escalation.owner_email = owner_email
        fields.append("owner_email")
    if status and status != escalation.status:
        escalation.status = status
        escalation.resolved_at = timezone.now() if status == EscalationStatus.RESOLVED else None
        fields += ["status", "resolved_at"]
        if status == EscalationStatus.RESOLVED:
            events.publish(
                "escalation.resolved",
                customer_id=escalation.customer.customer_id,
                data={"escalation_id": escalation.escalation_id},
            )
    if fields:
        escalation.save(update_fields=fields)
    return escalation
