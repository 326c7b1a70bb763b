"""Health computation: combine the registered measures into one explained score.

score = Σ weight_m × score_m / Σ weight_m over the measures that have data for the customer
(a missing measure's weight is spread over the others in proportion), rounded half-up to an
integer (README, "Definitions");
grade from the model's bands. non_usage_score is the same formula over the measures not derived
from product usage (the outcome adoption analytics correlate usage with). Set-based: each
measure runs its fixed queries once for all customers being scored.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from integrations.clock import local_day_end
from integrations.rounding import round_half_up

from ..choices import CustomerStatus
from ..models import Customer, HealthModel
from .measures import MeasureValue, registered_measures


@dataclass
class HealthResult:
    customer_pk: int
    score: int | None
    grade: str | None
    components: dict[str, dict[str, Any]] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)
    reason: str | None = None
    non_usage_score: int | None = None


def scorable_customers(as_of: date) -> QuerySet[Customer]:
    """Customers alive on `as_of` (README, "Definitions: who is scored on a day"): created by
    the end of the day and not churned by then, whatever their status now. (A churned row
    without churned_at, which the services never write, counts as churned since ever.)"""
    end = local_day_end(as_of)
    alive = Q(churned_at__gte=end) | Q(churned_at__isnull=True, status=CustomerStatus.ACTIVE)
    return Customer.objects.filter(alive, created_at__lt=end)


def compute_health(
    model: HealthModel, as_of: date, customer_pks: Sequence[int] | None = None
) -> dict[int, HealthResult]:
    targets = (
        list(customer_pks)
        if customer_pks is not None
        else list(scorable_customers(as_of).values_list("pk", flat=True))
    )
    measures = registered_measures()
    weights = {name: float(w) for name, w in model.weights.items() if float(w) > 0}
    values: dict[str, dict[int, MeasureValue]] = {
        name: measures[name].compute(customer_pks, as_of) for name in weights if name in measures
    }
    usage_based = {name for name, m in measures.items() if m.from_usage}
    return {pk: _combine(pk, model, weights, values, usage_based) for pk in targets}


def _combine(
    pk: int,
    model: HealthModel,
    weights: dict[str, float],
    values: dict[str, dict[int, MeasureValue]],
    usage_based: set[str],
) -> HealthResult:
    components: dict[str, dict[str, Any]] = {}
    present: dict[str, float] = {}
    for name, weight in weights.items():
        if name not in values:
            components[name] = {
                "score": None,
                "weight": weight,
                "effective_weight": 0.0,
                "inputs": {},
                "reason": "measure not installed",
            }
            continue
        value = values[name].get(pk)
        if value is None or value.score is None:
            reason = value.reason if value and value.reason else "no data"
            components[name] = {
                "score": None,
                "weight": weight,
                "effective_weight": 0.0,
                "inputs": value.inputs if value else {},
                "reason": reason,
            }
            continue
        present[name] = value.score
        components[name] = {
            "score": round_half_up(value.score, 2),
            "weight": weight,
            "effective_weight": 0.0,
            "inputs": value.inputs,
            "reason": None,
        }
    total = sum(weights[n] for n in present)
    if not present or total <= 0:
        return HealthResult(pk, None, None, components, {}, "no measure has data")
    effective = {n: weights[n] / total for n in present}
    for name, share in effective.items():
        components[name]["effective_weight"] = round_half_up(share, 4)
    score = _weighted({n: (s, weights[n]) for n, s in present.items()})
    assert score is not None  # present is non-empty with a positive total weight
    return HealthResult(
        pk,
        score,
        model.grade_for(score),
        components,
        {n: round_half_up(w, 4) for n, w in effective.items()},
        non_usage_score=_weighted(
            {n: (s, weights[n]) for n, s in present.items() if n not in usage_based}
        ),
    )


def _weighted(parts: dict[str, tuple[float, float]]) -> int | None:
    """Σ weight × score / Σ weight, rounded and bounded to 0-100; None without parts."""
    total = sum(w for _, w in parts.values())
    if not parts or total <= 0:
        return None
    return max(0, min(100, round_half_up(sum(s * w for s, w in parts.values()) / total)))
