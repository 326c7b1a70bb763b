"""Journey writes (README "Marketing: journeys"): a stage move with its touchpoints, and the
sweep that hands due touchpoints to the marketing system."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from customers import read as customers_read
from customers import services as customer_services
from customers.choices import StageChangeSource
from customers.errors import CustomerNotFound
from customers.models import Customer, LifecycleChange
from integrations.writes import lock
from operations import read as operations_read

from ..choices import JourneySource, TouchpointKind, TouchpointStatus
from ..errors import occurred_before_last_change, occurred_in_future
from ..models import Touchpoint
from .touchpoints import (
    LEAVING_KINDS,
    cancel_on_move,
    left_stage_reason,
    publish_outcomes,
    schedule_stage,
    suppression_reason,
)

# How far ahead of the server's clock an `occurred_at` may be (client clocks drift).
CLOCK_SKEW = timedelta(minutes=5)
# The sources an API client may name; `admin`, `system` and `handoff` are CS Hub's own.
API_SOURCES = tuple(JourneySource)
DEFAULT_REASON = "moved through the journey API"
SWEEP_BATCH = 500


@dataclass(frozen=True)
class JourneyMove:
    """What a move did: `change` is None when the customer was already in the stage."""

    customer: Customer
    from_stage: str
    change: LifecycleChange | None
    touchpoints: list[Touchpoint] = field(default_factory=list)  # created by the move
    cancelled: list[Touchpoint] = field(default_factory=list)


@transaction.atomic
def journey_move(
    *,
    customer: Customer,
    stage: str,
    reason: str = "",
    source: str = StageChangeSource.API,
    occurred_at: datetime | None = None,
    now: datetime | None = None,
) -> JourneyMove:
    """Move the customer to `stage` through customers' one write path, in one transaction on
    the locked customer row: the transition table (409 listing the allowed stages), the
    history row and `customer.lifecycle_changed`; then the cancellation of the pending
    touchpoints the move makes pointless (touchpoints.cancel_on_move: the left stage's
    promotional and educational ones; every promotional one on a move to at_risk or churned)
    and the new stage's touchpoints (promotional ones suppressed while an intervention is
    open). Already in the stage: a no-op (nothing written, nothing published)."""
    lock(customer, missing=CustomerNotFound())  # racing moves of one customer queue here
    # Read the clock once the lock is held: a move that waited for another one is later.
    now = now or timezone.now()
    if occurred_at is not None and occurred_at > now + CLOCK_SKEW:
        raise occurred_in_future(now + CLOCK_SKEW)
    # Up to CLOCK_SKEW ahead is the caller's clock running fast: recorded as now, so the
    # history stays in order with the other writers, which stamp their own clock.
    entered_at = min(occurred_at or now, now)
    history = customers_read.lifecycle_histories([customer.pk])[customer.pk]
    if history and entered_at < history[0].changed_at:
        raise occurred_before_last_change(history[0].changed_at)
    from_stage = customer.lifecycle_stage
    if stage == from_stage:
        return JourneyMove(customer, from_stage, None)
    change = customer_services.customer_change_stage(
        customer=customer,
        to_stage=stage,
        source=source,
        reason=reason or DEFAULT_REASON,
        changed_at=entered_at,
    )
    if change is None:  # unreachable: the stage differs under the same lock
        return JourneyMove(customer, from_stage, None)
    cancelled = cancel_on_move(
        customer=customer, from_stage=from_stage, to_stage=stage, entered_at=entered_at, now=now
    )
    refs = operations_read.open_intervention_refs([customer.pk]).get(customer.pk)
    created = schedule_stage(
        customer=customer, change=change, entered_at=entered_at, open_refs=refs, now=now
    )
    publish_outcomes([*cancelled, *created])
    return JourneyMove(customer, from_stage, change, created, cancelled)


@dataclass(frozen=True)
class SweepResult:
    sent: int = 0
    suppressed: int = 0
    cancelled: int = 0  # promotional/educational of a stage the customer has left


def journey_send_due(
    *, now: datetime | None = None, batch_size: int = SWEEP_BATCH, max_batches: int = 20
) -> SweepResult:
    """Scheduled touchpoints due by `now` (default: each batch's start), soonest first, in
    batches of `batch_size`, each batch one transaction: a promotional or educational one of
    a stage the customer is no longer in (a move that raced the sweep, or a stage changed
    outside the journey API) is `cancelled` ("customer left adoption for at_risk"); a
    promotional one whose customer has an intervention open now is `suppressed` (reason); any
    other is `sent` and `touchpoint.due` is published for the marketing system to deliver it.
    Rows are claimed with FOR UPDATE SKIP LOCKED on PostgreSQL, so concurrent sweeps never
    take the same touchpoint; SQLite serialises the writers."""
    sent = suppressed = cancelled = 0
    for _ in range(max_batches):
        with transaction.atomic():
            moment = now or timezone.now()
            batch = _claim_due(moment, batch_size)
            if not batch:
                break
            done, held, dropped = _settle(batch, moment)
            sent, suppressed, cancelled = sent + done, suppressed + held, cancelled + dropped
        if len(batch) < batch_size:
            break
    return SweepResult(sent, suppressed, cancelled)


def _claim_due(now: datetime, batch_size: int) -> list[Touchpoint]:
    """Lock the next due touchpoints (not their customers), skipping rows another sweep or a
    cancelling move holds."""
    return list(
        Touchpoint.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("customer")
        .filter(status=TouchpointStatus.SCHEDULED, scheduled_for__lte=now)
        .order_by("scheduled_for", "id")[:batch_size]
    )


def _settle(batch: list[Touchpoint], now: datetime) -> tuple[int, int, int]:
    promotional = {t.customer_id for t in batch if t.kind == TouchpointKind.PROMOTIONAL}
    refs = operations_read.open_intervention_refs(sorted(promotional))
    changed: list[Touchpoint] = []  # suppressed or cancelled: each with its own reason
    for touchpoint in batch:
        touchpoint.status_changed_at = now
        open_refs = refs.get(touchpoint.customer_id)
        current = touchpoint.customer.lifecycle_stage  # read with the claim (one join)
        if touchpoint.kind in LEAVING_KINDS and touchpoint.stage != current:
            touchpoint.status = TouchpointStatus.CANCELLED
            touchpoint.reason = left_stage_reason(touchpoint.stage, current)
            changed.append(touchpoint)
        elif touchpoint.kind == TouchpointKind.PROMOTIONAL and open_refs is not None:
            touchpoint.status = TouchpointStatus.SUPPRESSED
            touchpoint.reason = suppression_reason(open_refs)
            changed.append(touchpoint)
        else:
            touchpoint.status = TouchpointStatus.SENT
    sent = [t.pk for t in batch if t.status == TouchpointStatus.SENT]
    if sent:
        Touchpoint.objects.filter(pk__in=sent).update(
            status=TouchpointStatus.SENT, status_changed_at=now
        )
    if changed:
        Touchpoint.objects.bulk_update(changed, ["status", "status_changed_at", "reason"])
    publish_outcomes(batch)
    held = sum(1 for t in changed if t.status == TouchpointStatus.SUPPRESSED)
    return len(sent), held, len(changed) - held
