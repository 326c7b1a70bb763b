"""Sales' public read API: what higher apps (marketing) read from `sales`. Typed and set-based:
customer primary keys in, `{pk: frozen dataclass}` out, in a fixed number of queries."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import FilteredRelation, Q

from customers.models import Customer
from integrations.idarray import IdArray
from integrations.prepared import PreparedQuery

from .models import ExpansionSnapshot, Handoff

__all__ = [
    "ExpansionReadiness",
    "HandoffDates",
    "ReadinessAndHandoff",
    "expansion_readiness",
    "handoff_dates",
    "readiness_and_handoffs",
]


@dataclass(frozen=True, slots=True)
class ExpansionReadiness:
    """A customer's latest nightly expansion readiness (README, "Sales: expansion readiness")."""

    score: int
    ready: bool
    as_of: date
    model_version: int


# Read per request by the marketing read-outs: compiled once per thread (integrations.prepared).
_READINESS: PreparedQuery[Any] = PreparedQuery(
    lambda pks: ExpansionSnapshot.objects.filter(customer_id__in=pks, is_latest=True).values_list(
        "customer_id", "score", "ready", "as_of", "model_version"
    ),
    pks=IdArray,
)


def expansion_readiness(customer_pks: Sequence[int]) -> dict[int, ExpansionReadiness]:
    """The latest ExpansionSnapshot per customer that has been scored. One query."""
    if not customer_pks:
        return {}
    rows = _READINESS.all(pks=IdArray(customer_pks))
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


_HANDOFFS: PreparedQuery[Any] = PreparedQuery(
    lambda pks: Handoff.objects.filter(customer_id__in=pks).values_list(
        "customer_id", "handoff_id", "completed_at", "onboarding_start"
    ),
    pks=IdArray,
)


def handoff_dates(customer_pks: Sequence[int]) -> dict[int, HandoffDates]:
    """The handoff of each customer that has one (one per customer). One query."""
    if not customer_pks:
        return {}
    rows = _HANDOFFS.all(pks=IdArray(customer_pks))
    return {pk: HandoffDates(hid, at, start) for pk, hid, at, start in rows}


@dataclass(frozen=True, slots=True)
class ReadinessAndHandoff:
    """`expansion_readiness` and `handoff_dates` of one customer (None: never scored, no
    handoff)."""

    readiness: ExpansionReadiness | None
    handoff: HandoffDates | None


# Both are at most a row per customer: one statement from the customers, a left join each.
_READINESS_AND_HANDOFF: PreparedQuery[Any] = PreparedQuery(
    lambda pks: (
        Customer.objects.filter(pk__in=pks)
        .annotate(
            latest=FilteredRelation(
                "expansion_snapshots", condition=Q(expansion_snapshots__is_latest=True)
            )
        )
        .values_list(
            "pk",
            "latest__score",
            "latest__ready",
            "latest__as_of",
            "latest__model_version",
            "sales_handoff__handoff_id",
            "sales_handoff__completed_at",
            "sales_handoff__onboarding_start",
        )
    ),
    pks=IdArray,
)


def readiness_and_handoffs(customer_pks: Sequence[int]) -> dict[int, ReadinessAndHandoff]:
    """`expansion_readiness` and `handoff_dates` in one query (none for no pks), per existing
    customer."""
    if not customer_pks:
        return {}
    return {
        pk: ReadinessAndHandoff(
            None if score is None else ExpansionReadiness(score, ready, as_of, version),
            None if handoff_id is None else HandoffDates(handoff_id, completed_at, start),
        )
        for pk, score, ready, as_of, version, handoff_id, completed_at, start in (
            _READINESS_AND_HANDOFF.all(pks=IdArray(customer_pks))
        )
    }
