"""Touchpoint rows and their events (README "Marketing: journeys"): scheduling a stage's
templates, cancelling pending promotional ones, and the payloads subscribers receive."""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from customers.models import Customer, LifecycleChange
from integrations import events
from operations.read import OpenInterventionRefs

from ..choices import TouchpointKind, TouchpointStatus
from ..models import Touchpoint, TouchpointTemplate

# Moving to these stages cancels the customer's pending promotional touchpoints.
CANCELLING_STAGES = ("at_risk", "churned")


def suppression_reason(refs: OpenInterventionRefs) -> str:
    return f"promotional while an intervention is open: {refs.describe()}"


def schedule_stage(
    *,
    customer: Customer,
    change: LifecycleChange,
    entered_at: datetime,
    open_refs: OpenInterventionRefs | None,
    now: datetime,
) -> list[Touchpoint]:
    """One touchpoint per active template of the entered stage, due `delay_hours` after
    `entered_at`; a promotional one is created `suppressed` while an intervention is open."""
    templates = TouchpointTemplate.objects.filter(stage__stage=change.to_stage, active=True)
    rows = []
    for template in templates.order_by("delay_hours", "name", "id"):
        suppress = template.kind == TouchpointKind.PROMOTIONAL and open_refs is not None
        rows.append(
            Touchpoint(
                customer=customer,
                template=template,
                stage_change=change,
                stage=change.to_stage,
                name=template.name,
                channel=template.channel,
                kind=template.kind,
                status=TouchpointStatus.SUPPRESSED if suppress else TouchpointStatus.SCHEDULED,
                scheduled_for=entered_at + timedelta(hours=template.delay_hours),
                status_changed_at=now,
                reason=suppression_reason(open_refs) if suppress and open_refs else "",
                created_at=now,
            )
        )
    return Touchpoint.objects.bulk_create(rows)


def cancel_promotional(
    *, customer: Customer, stage: str, entered_at: datetime, now: datetime
) -> list[Touchpoint]:
    """The customer's pending (scheduled) promotional touchpoints, cancelled with a reason.
    They are read FOR UPDATE: one a running sweep holds is waited for and, once that sweep has
    sent or suppressed it, no longer pending (never sent and then marked cancelled)."""
    pending = list(
        Touchpoint.objects.select_for_update()
        .filter(
            customer=customer,
            status=TouchpointStatus.SCHEDULED,
            kind=TouchpointKind.PROMOTIONAL,
        )
        .order_by("scheduled_for", "id")
    )
    reason = f"cancelled: the customer moved to {stage} at {entered_at.isoformat()}"
    Touchpoint.objects.filter(pk__in=[t.pk for t in pending]).update(
        status=TouchpointStatus.CANCELLED, status_changed_at=now, reason=reason
    )
    for touchpoint in pending:
        touchpoint.customer = customer  # the events read its customer_id (no query)
        touchpoint.status = TouchpointStatus.CANCELLED
        touchpoint.status_changed_at, touchpoint.reason = now, reason
    return pending


def event_data(touchpoint: Touchpoint) -> dict[str, Any]:
    """What a subscriber needs to act on a touchpoint (the webhook adds `customer_id`)."""
    data: dict[str, Any] = {
        "touchpoint_id": touchpoint.touchpoint_id,
        "name": touchpoint.name,
        "channel": touchpoint.channel,
        "kind": touchpoint.kind,
        "stage": touchpoint.stage,
        "scheduled_for": touchpoint.scheduled_for.isoformat(),
    }
    if touchpoint.status in (TouchpointStatus.SUPPRESSED, TouchpointStatus.CANCELLED):
        data["reason"] = touchpoint.reason
    return data


def publish_outcomes(touchpoints: Sequence[Touchpoint]) -> int:
    """One event per touchpoint, by its status: `touchpoint.scheduled`, `.suppressed`,
    `.cancelled`, or `.due` (sent: handed to the marketing system). One insert; the
    touchpoints hold their customer (no query)."""
    items: list[tuple[str, str | None, dict[str, Any]]] = []
    for touchpoint in touchpoints:
        data, customer_id = event_data(touchpoint), touchpoint.customer.customer_id
        if touchpoint.status == TouchpointStatus.SCHEDULED:
            items.append(("touchpoint.scheduled", customer_id, data))
        elif touchpoint.status == TouchpointStatus.SUPPRESSED:
            items.append(("touchpoint.suppressed", customer_id, data))
        elif touchpoint.status == TouchpointStatus.CANCELLED:
            items.append(("touchpoint.cancelled", customer_id, data))
        else:
            items.append(("touchpoint.due", customer_id, data))
    return events.publish_many(items)
