"""Sales' public read API: what higher apps (marketing) read from `sales`. Typed and set-based:
customer primary keys in, `{pk: frozen dataclass}` out, in a fixed number of queries."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from .models import ExpansionSnapshot, Handoff

__all__ = ["ExpansionReadiness", "HandoffDates", "expansion_readiness", "handoff_dates"]


@dataclass(frozen=True, slots=True)
class ExpansionReadiness:
    """A customer's latest nightly expansion readiness (README, "Sales: expansion readiness")."""

    score: int
    ready: bool
    as_of: date
    model_version: int


def expansion_readiness(customer_pks: Sequence[int]) -> dict[int, ExpansionReadiness]:
    """The latest ExpansionSnapshot per customer that has been scored. One query."""
    if not customer_pks:
        return {}
    rows = ExpansionSnapshot.objects.filter(
        customer_id__in=customer_pks, is_latest=True
    ).values_list("customer_id", "score", "ready", "as_of", "model_version")
    return {
        pk: ExpansionReadiness(score, ready, as_of, version)
        for pk, score, ready, as_of, version in rows
    }


@dataclass(frozen=True, slots=True)
class HandoffDates:
    """When a customer was handed off to CS, and when its onboarding starts (as sales sent)."""

    handoff_id: str
    completed_at: datetime
    onboarding_start: date


def handoff_dates(customer_pks: Sequence[int]) -> dict[int, HandoffDates]:
    """The handoff of each customer that has one (one per customer). One query."""
    if not customer_pks:
        return {}
    rows = Handoff.objects.filter(customer_id__in=customer_pks).values_list(
        "customer_id", "handoff_id", "completed_at", "onboarding_start"
    )
    return {pk: HandoffDates(hid, at, start) for pk, hid, at, start in rows}
