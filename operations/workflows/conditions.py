"""Trigger conditions, each measured on the customer's data as of today (the local day of the
request time: one clock, integrations.clock). Their
definitions (health_score_drop, usage_decline, support_increase) are in the README,
"Operations: workflow automation"; the health reference, the usage ratio and the support
growth come from their one definition (customers.read, product.read, operations.measures).
A condition that cannot be measured does not hold, and says why.
"""

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from customers.models import Customer
from customers.read import health_changes
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


def _health_drop(customer: Customer, threshold: float, now: datetime) -> Measured:
    found = health_changes([customer.pk]).get(customer.pk)
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


def _usage_decline(customer: Customer, threshold: float, now: datetime) -> Measured:
    totals = usage_totals([customer.pk], today(now)).get(customer.pk, UsageTotals(0, 0))
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


def _support_increase(customer: Customer, threshold: float, now: datetime) -> Measured:
    # The support health measure's own counts (same days, same tickets), as of today.
    found = support([customer.pk], today(now)).get(customer.pk)
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


MEASURES = {
    "health_score_drop": _health_drop,
    "usage_decline": _usage_decline,
    "support_increase": _support_increase,
}
# (min, max) of each threshold, for input validation
RANGES = {
    "health_score_drop": (0, 100),
    "usage_decline": (0, 1),
    "support_increase": (0, 100),
}


def evaluate(customer: Customer, conditions: dict[str, float], now: datetime) -> list[Measured]:
    return [MEASURES[name](customer, float(value), now) for name, value in conditions.items()]


def conditions_hold(results: list[Measured], match: str) -> bool:
    if not results:
        return True  # no conditions: nothing to wait for
    verdicts = [r.holds for r in results]
    return all(verdicts) if match == "all" else any(verdicts)
