"""Expansion readiness, set-based (README, "Sales: expansion readiness"): every factor of many
customers from the lower apps' read APIs in a fixed number of queries (nine), whatever the
count, then the weighted, explained score per customer."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from customers import read as customers_read
from finance import read as finance_read
from finance.choices import PaymentStatus
from integrations.clock import days_window
from integrations.rounding import round_half_up
from product import read as product_read

from ..models import DEFAULT_EXPANSION_WEIGHTS, ExpansionModel

FACTORS = tuple(DEFAULT_EXPANSION_WEIGHTS)
# Factor -> the name `readiness_factors` lists when it holds.
HOLDS_AS = {
    "adoption_breadth": "high_product_adoption",
    "health_score": "strong_health_score",
    "seat_utilisation": "seat_limit_approaching",
    "recent_milestones": "recent_success_milestones",
    "executive_sponsor": "executive_sponsor_engaged",
    "expansion_requested": "expansion_requested",
    "payment_status": "payments_current",
}
OVERDUE_BUCKETS = (PaymentStatus.OVERDUE_1_15, PaymentStatus.OVERDUE_16_30)


@dataclass(frozen=True, slots=True)
class Factor:
    name: str
    value: float | None  # 0..1; None = no data (contributes 0, `reason` says why)
    weight: float
    holds: bool
    inputs: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None

    @property
    def points(self) -> float:
        """weight × value × 100, unrounded (the score sums these)."""
        return 0.0 if self.value is None else self.weight * self.value * 100

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": None if self.value is None else round_half_up(self.value, 4),
            "weight": self.weight,
            "contribution": round_half_up(self.points, 2),
            "holds": self.holds,
            "holds_as": HOLDS_AS[self.name],
            "inputs": self.inputs,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class Readiness:
    score: int
    ready: bool
    factors: tuple[Factor, ...]
    model_version: int
    as_of: date

    @property
    def readiness_factors(self) -> list[str]:
        return [HOLDS_AS[f.name] for f in self.factors if f.holds]

    def factor(self, name: str) -> Factor:
        return next(f for f in self.factors if f.name == name)


@dataclass(frozen=True, slots=True)
class Signals:
    """One read of every lower app for a set of customers (nine queries)."""

    features: product_read.FeatureSignals
    health: dict[int, customers_read.HealthSnapshot]
    milestones: dict[int, int]
    coverage: dict[int, customers_read.StakeholderCoverage]
    feedback_requests: dict[int, int]
    customer_opportunities: dict[int, int]
    payments: dict[int, finance_read.PaymentFacts]
    # {customer pk: its open opportunities}: read only when asked for (`signals(pipeline=)`).
    pipeline: dict[int, tuple[finance_read.OpenOpportunity, ...]]


def signals(
    model: ExpansionModel,
    pks: Sequence[int],
    as_of: date,
    *,
    pipeline: bool = False,
    licensed_seats: Mapping[int, int] | None = None,
) -> Signals:
    """Every factor's inputs for `pks`; with `pipeline`, their open opportunities too, read
    with the customer-sourced count (one statement for both: the read-out needs both). Nine
    queries; eight when the caller has the customers' `licensed_seats` (every one's)."""
    requests = days_window(as_of, model.request_window_days)
    asked: dict[int, int]
    open_ones: dict[int, tuple[finance_read.OpenOpportunity, ...]] = {}
    if pipeline:
        both = finance_read.pipeline_and_asks(pks, requests)
        asked = {pk: b.customer_sourced for pk, b in both.items() if b.customer_sourced}
        open_ones = {pk: b.open for pk, b in both.items() if b.open}
    else:
        asked = finance_read.customer_sourced_opportunities(pks, requests)
    return Signals(
        features=product_read.feature_signals(pks, as_of, licensed_seats),
        health=customers_read.latest_health_scores(pks, as_of_until=as_of),
        milestones=customers_read.milestones_achieved(
            pks, days_window(as_of, model.milestone_window_days)
        ),
        coverage=customers_read.stakeholder_coverage(pks),
        feedback_requests=product_read.expansion_requests(pks, requests),
        customer_opportunities=asked,
        payments=finance_read.payment_status(pks, as_of),
        pipeline=open_ones,
    )


def _factors(model: ExpansionModel, s: Signals, pk: int) -> tuple[Factor, ...]:
    w = model.weights
    found: list[Factor] = []
    usage = s.features.customers.get(pk)

    adoption = usage.adoption if usage else None
    if adoption is None or adoption.key_features == 0:
        found.append(
            Factor(
                "adoption_breadth",
                None,
                w["adoption_breadth"],
                False,
                reason="no key features in the catalogue",
            )
        )
    else:
        share = len(adoption.adopted) / adoption.key_features
        inputs = {"adopted": list(adoption.adopted), "key_features": adoption.key_features}
        holds = share >= model.adoption_holds_at
        found.append(Factor("adoption_breadth", share, w["adoption_breadth"], holds, inputs))

    health = s.health.get(pk)
    if health is None:
        found.append(
            Factor("health_score", None, w["health_score"], False, reason="no health snapshot")
        )
    else:
        inputs = {"score": health.score, "grade": health.grade, "as_of": health.as_of.isoformat()}
        holds = health.score >= model.strong_health_at
        found.append(Factor("health_score", health.score / 100, w["health_score"], holds, inputs))

    utilisation = usage.seat_utilisation if usage else None
    if utilisation is None:
        found.append(
            Factor(
                "seat_utilisation", None, w["seat_utilisation"], False, reason="no licensed seats"
            )
        )
    else:
        value = min(1.0, utilisation / model.seat_full_at)
        inputs = {"utilisation": round_half_up(utilisation, 4), "full_at": model.seat_full_at}
        holds = utilisation >= model.seat_full_at
        found.append(Factor("seat_utilisation", value, w["seat_utilisation"], holds, inputs))

    achieved = s.milestones.get(pk, 0)
    value = min(1.0, achieved / model.milestones_full_at)
    inputs = {"achieved": achieved, "window_days": model.milestone_window_days}
    found.append(Factor("recent_milestones", value, w["recent_milestones"], achieved >= 1, inputs))

    coverage = s.coverage.get(pk)
    sponsors = coverage.executive_sponsors if coverage else 0
    found.append(
        Factor(
            "executive_sponsor",
            1.0 if sponsors else 0.0,
            w["executive_sponsor"],
            sponsors > 0,
            {"executive_sponsors": sponsors},
        )
    )

    feedback, opportunities = s.feedback_requests.get(pk, 0), s.customer_opportunities.get(pk, 0)
    asked = feedback + opportunities > 0
    inputs = {
        "expansion_request_feedback": feedback,
        "customer_sourced_opportunities": opportunities,
        "window_days": model.request_window_days,
    }
    found.append(
        Factor(
            "expansion_requested", 1.0 if asked else 0.0, w["expansion_requested"], asked, inputs
        )
    )

    payment = s.payments.get(pk)
    if payment is None:
        found.append(
            Factor("payment_status", None, w["payment_status"], False, reason="no invoices")
        )
    else:
        bucket = payment.payment_status
        value = (
            1.0
            if bucket == PaymentStatus.CURRENT
            else model.overdue_payment_value
            if bucket in OVERDUE_BUCKETS
            else 0.0
        )
        inputs = {"payment_status": bucket, "max_days_overdue": payment.max_days_overdue}
        found.append(
            Factor(
                "payment_status",
                value,
                w["payment_status"],
                bucket == PaymentStatus.CURRENT,
                inputs,
            )
        )
    return tuple(found)


def readiness(
    model: ExpansionModel,
    customer_pks: Sequence[int],
    as_of: date,
    read: Signals | None = None,
) -> dict[int, Readiness]:
    """Every asked customer's readiness under `model` as of `as_of`: from `read` when the
    caller read the signals (`signals`) for these customers, else nine queries."""
    pks = list(customer_pks)
    if not pks:
        return {}
    s = read if read is not None else signals(model, pks, as_of)
    out = {}
    for pk in pks:
        factors = _factors(model, s, pk)
        score = round_half_up(sum(f.points for f in factors))
        out[pk] = Readiness(score, score >= model.ready_threshold, factors, model.version, as_of)
    return out
