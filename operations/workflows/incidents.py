"""Writes for alerts and escalations: opening an escalation for the CS operations manager,
and status changes whose resolved_at follows the status (resolution times feed the
performance metrics). The API, the workflow engine and steps, and the admin all use these."""

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from customers.models import Customer
from integrations import events
from integrations.ids import new_public_id
from integrations.writes import lock

from ..choices import AlertStatus, EscalationStatus, Severity
from ..errors import AlertNotFound, EscalationNotFound
from ..models import Alert, Escalation, WorkflowRun


def escalation_open(
    *, customer: Customer, reason: str, source_key: str, run: WorkflowRun | None, now: datetime
) -> Escalation:
    """An escalation owned by the CS operations manager, once per `source_key`."""
    escalation, _ = Escalation.objects.get_or_create(
        source_key=source_key,
        defaults={
            "escalation_id": new_public_id("esc"),
            "customer": customer,
            "owner_email": settings.CS_HUB_OPS_MANAGER_EMAIL,
            "severity": Severity.HIGH,
            "reason": reason,
            "run": run,
            "opened_at": now,
        },
    )
    return escalation


def stamp_resolution(incident: Alert | Escalation, resolved_status: str) -> None:
    """resolved_at follows the status: set when it becomes resolved, cleared otherwise."""
    if incident.status != resolved_status:
        incident.resolved_at = None
    elif incident.resolved_at is None:
        incident.resolved_at = timezone.now()


@transaction.atomic
def alert_update(*, alert: Alert, status: str) -> Alert:
    lock(alert, missing=AlertNotFound())
    if alert.status == status:
        return alert
    alert.status = status
    stamp_resolution(alert, AlertStatus.RESOLVED)
    alert.save(update_fields=["status", "resolved_at"])
    return alert


@transaction.atomic
def escalation_update(
    *, escalation: Escalation, status: str | None = None, owner_email: str | None = None
) -> Escalation:
    lock(escalation, missing=EscalationNotFound())
    fields = []
    if owner_email and owner_email != escalation.owner_email:
        escalation.owner_email = owner_email
        fields.append("owner_email")
    if status and status != escalation.status:
        escalation.status = status
        stamp_resolution(escalation, EscalationStatus.RESOLVED)
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
