"""Trigger conditions, each measured on the customer's data as of today (the local day of the
request time: one clock, integrations.clock). Their
definitions (health_score_drop, usage_decline, support_increase) are in the README,
"Operations: workflow automation"; the health reference, the usage ratio and the support
growth come from their one definition (customers.read, product.read, operations.measures).
A condition that cannot be measured does not hold, and says why.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from customers.health.measures import MeasureValue
from customers.models import Customer
from customers.read import HealthChange, health_changes
from integrations.clock import today
from integrations.rounding import round_half_up
from product.read import UsageTotals, usage_totals

from ..measures import support, support_growth


@dataclass
class Measured:
    condition: str
    threshold: float
    measured: float | None
    holds: bool
    unit: str
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _health_drop_of(found: HealthChange | None, threshold: float) -> Measured:
    change = None if found is None else found.change_30d
    if found is None or found.reference is None or change is None:
        return Measured(
            "health_score_drop",
            threshold,
            None,
            False,
            "points",
            "no health snapshot near 30 days before the latest one",
        )
    drop = -change
    return Measured(
        "health_score_drop",
        threshold,
        drop,
        drop >= threshold,
        "points",
        f"score {found.reference.score} -> {found.latest.score} over ~30 days",
    )


def _usage_decline_of(found: UsageTotals | None, threshold: float) -> Measured:
    totals = found or UsageTotals(0, 0)
    last, prior, ratio = totals.events_last_30d, totals.events_prior_30d, totals.ratio
    if ratio is None:
        return Measured(
            "usage_decline", threshold, None, False, "fraction", "no usage in the 30 days before"
        )
    decline = round_half_up(1 - ratio, 4)
    return Measured(
        "usage_decline",
        threshold,
        decline,
        decline >= threshold,
        "fraction",
        f"{last} events in the last 30 days vs {prior} in the 30 before",
    )


def _support_increase_of(found: MeasureValue | None, threshold: float) -> Measured:
    # The support health measure's own counts (same days, same tickets), as of today.
    inputs = found.inputs if found else {}
    last, prior = inputs.get("tickets_last_30d", 0), inputs.get("tickets_prior_30d", 0)
    increase = round_half_up(support_growth(last, prior), 4)
    return Measured(
        "support_increase",
        threshold,
        increase,
        increase >= threshold,
        "fraction",
        f"{last} tickets opened in the last 30 days vs {prior} in the 30 before",
    )


# Each condition: what it reads for a set of customers (set-based, a fixed number of queries),
# and how one customer's value is judged against the threshold.
LOADERS: dict[str, Callable[[list[int], datetime], Mapping[int, Any]]] = {
    "health_score_drop": lambda pks, now: health_changes(pks),
    "usage_decline": lambda pks, now: usage_totals(pks, today(now)),
    "support_increase": lambda pks, now: support(pks, today(now)),
}
JUDGES: dict[str, Callable[[Any, float], Measured]] = {
    "health_score_drop": _health_drop_of,
    "usage_decline": _usage_decline_of,
    "support_increase": _support_increase_of,
}


def _health_drop(customer: Customer, threshold: float, now: datetime) -> Measured:
    return evaluate(customer, {"health_score_drop": threshold}, now)[0]


# (min, max) of each threshold, for input validation
RANGES = {
    "health_score_drop": (0, 100),
    "usage_decline": (0, 1),
    "support_increase": (0, 100),
}


def evaluate(customer: Customer, conditions: dict[str, float], now: datetime) -> list[Measured]:
    return evaluate_many([customer.pk], conditions, now)[customer.pk]


def evaluate_many(
    customer_pks: Sequence[int], conditions: dict[str, float], now: datetime
) -> dict[int, list[Measured]]:
    """Each customer's measured conditions; the same queries for 1 customer or 100."""
    pks = list(customer_pks)
    loaded = {name: LOADERS[name](pks, now) for name in conditions}
    return {
        pk: [JUDGES[name](loaded[name].get(pk), float(value)) for name, value in conditions.items()]
        for pk in pks
    }


def conditions_hold(results: list[Measured], match: str) -> bool:
    if not results:
        return True  # no conditions: nothing to wait for
    verdicts = [r.holds for r in results]
    return all(verdicts) if match == "all" else any(verdicts)
