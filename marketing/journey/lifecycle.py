"""The nightly lifecycle determination applied (README "Marketing: journeys"): active customers
whose determined stage (marketing.signals.stage) differs from the recorded one move there
through `journey_move` — the one write path, so the history row, the event and the new stage's
touchpoints follow — when customers' transition table allows it; otherwise they are left
alone and counted."""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction

from customers import read as customers_read
from customers.choices import StageChangeSource
from customers.errors import CustomerNotFound
from customers.models import Customer
from integrations.clock import today
from integrations.domain_errors import DomainError
from integrations.writes import lock

from ..signals.stage import StageDetermination, determine_stages
from .services import journey_move


@dataclass
class LifecycleApplied:
    as_of: date
    checked: int = 0  # active customers determined
    moved: list[str] = field(default_factory=list)  # customer_ids moved
    not_allowed: list[str] = field(default_factory=list)  # differs; the table forbids it
    changed_meanwhile: list[str] = field(default_factory=list)  # moved by someone else first


def determination_reason(determination: StageDetermination) -> str:
    """The rules in precedence order up to the one that decided, each with its reason."""
    parts = []
    for check in determination.rules:
        parts.append(f"{check.stage}: {check.reason}")
        if check.met:
            break
    return f"lifecycle determination → {determination.stage} ({'; '.join(parts)})"


def lifecycle_apply_determined(
    *, as_of: date | None = None, now: datetime | None = None
) -> LifecycleApplied:
    """Determine every active customer's stage as of `as_of` (default: today) and move those
    whose stage differs and may change (source `system`, the rules as the reason), each in its
    own transaction on the locked customer row: one whose recorded stage changed since the
    determination read it is left alone. Queries: the active customers, the determination's
    fixed number and the customer_ids, then one journey move per changed customer. Without
    `now`, each move reads the clock once its customer is locked (as the API's moves do)."""
    as_of = as_of or today(now)
    determined = determine_stages(customers_read.active_customer_pks(), as_of)
    result = LifecycleApplied(as_of=as_of, checked=len(determined))
    differing = {pk: d for pk, d in determined.items() if d.differs}
    refs = customers_read.customer_refs(sorted(differing))
    for pk, determination in sorted(differing.items()):
        customer_id = refs[pk].customer_id if pk in refs else str(pk)
        if not determination.transition_allowed:
            result.not_allowed.append(customer_id)
        elif _try_move(pk, determination, now):
            result.moved.append(customer_id)
        else:
            result.changed_meanwhile.append(customer_id)
    return result


def _try_move(pk: int, determination: StageDetermination, now: datetime | None) -> bool:
    """One customer's move; a domain error (e.g. a stage change recorded after `now` while
    the run went on) leaves that customer alone instead of ending the run."""
    try:
        return _move(pk, determination, now)
    except DomainError:
        return False


@transaction.atomic
def _move(pk: int, determination: StageDetermination, now: datetime | None) -> bool:
    try:
        customer = lock(Customer(pk=pk), missing=CustomerNotFound())
    except CustomerNotFound:
        return False
    if customer.lifecycle_stage != determination.recorded_stage:
        return False
    journey_move(
        customer=customer,
        stage=determination.stage,
        reason=determination_reason(determination),
        source=StageChangeSource.SYSTEM,
        now=now,
    )
    return True
