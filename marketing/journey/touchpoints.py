"""Touchpoint rows and their events (README "Marketing: journeys"): scheduling a stage's
templates, cancelling the pending ones a move makes pointless, and the payloads subscribers
receive."""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q

from customers.models import Customer, LifecycleChange
from integrations import events
from operations.read import OpenInterventionRefs

from ..choices import TouchpointKind, TouchpointStatus
from ..models import Touchpoint, TouchpointTemplate

# Moving to these stages cancels the customer's pending promotional touchpoints.
CANCELLING_STAGES = ("at_risk", "churned")
# Leaving a stage cancels its pending touchpoints of these kinds (transactional ones stay).
LEAVING_KINDS = (TouchpointKind.PROMOTIONAL, TouchpointKind.EDUCATIONAL)


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


def left_stage_reason(left: str, current: str) -> str:
    return f"customer left {left} for {current}"


def cancel_on_move(
    *, customer: Customer, from_stage: str, to_stage: str, entered_at: datetime, now: datetime
) -> list[Touchpoint]:
    """The customer's pending (scheduled) touchpoints a move makes pointless, cancelled with a
    reason: the promotional and educational ones of the stage being left ("customer left
    adoption for at_risk"; transactional ones stay: they carry obligations), and, on a move
    to at_risk or churned, every promotional one ("cancelled: the customer moved to ...").
    They are read FOR UPDATE: one a running sweep holds is waited for and, once that sweep has
    sent or suppressed it, no longer pending (never sent and then marked cancelled)."""
    wanted = Q(stage=from_stage, kind__in=LEAVING_KINDS)
    if to_stage in CANCELLING_STAGES:
        wanted |= Q(kind=TouchpointKind.PROMOTIONAL)
    pending = list(
        Touchpoint.objects.select_for_update()
        .filter(wanted, customer=customer, status=TouchpointStatus.SCHEDULED)
        .order_by("scheduled_for", "id")
    )
    left = left_stage_reason(from_stage, to_stage)
    moved = f"cancelled: the customer moved to {to_stage} at {entered_at.isoformat()}"
    by_reason: dict[str, list[int]] = {}
    for touchpoint in pending:
        leaving = touchpoint.stage == from_stage and touchpoint.kind in LEAVING_KINDS
        touchpoint.customer = customer  # the events read its customer_id (no query)
        touchpoint.status = TouchpointStatus.CANCELLED
        touchpoint.status_changed_at, touchpoint.reason = now, left if leaving else moved
        by_reason.setdefault(touchpoint.reason, []).append(touchpoint.pk)
    for reason, pks in by_reason.items():
        Touchpoint.objects.filter(pk__in=pks).update(
            status=TouchpointStatus.CANCELLED, status_changed_at=now, reason=reason
        )
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
