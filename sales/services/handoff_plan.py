"""The success plan a handoff starts: one objective per success criterion sales sent.

Known criteria get a measurable target (the table below, README "Sales: handoff"): a metric
the platform computes, the target, its unit, the baseline value at handoff when the metric
has one, and a due date counted from onboarding_start. Any other criterion is kept as a
qualitative objective (its name, no metric or target)."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from customers.models import objective_item

from ..selectors.handoff import Baseline


@dataclass(frozen=True, slots=True)
class Criterion:
    title: str
    metric: str
    target: float
    unit: str
    due_days: int


CRITERIA: dict[str, Criterion] = {
    "adoption_target": Criterion(
        "Adopt at least 60% of the key features", "key_feature_adoption_rate", 0.6, "ratio", 90
    ),
    "seat_utilization_target": Criterion(
        "Use at least 85% of the licensed seats", "seat_utilisation", 0.85, "ratio", 180
    ),
    "roi_target": Criterion(
        "Reach a 100% return on investment", "roi_percentage", 100, "percent", 365
    ),
    "health_target": Criterion("Reach a healthy score (75+)", "health_score", 75, "score", 90),
    "time_to_value": Criterion(
        "Record the first realised value within 90 days", "days_to_first_value", 90, "days", 90
    ),
}

KICKOFF_TITLE = "Onboarding kickoff"


def _baseline_value(metric: str, baseline: Baseline) -> float | int | None:
    values: dict[str, float | int | None] = {
        "key_feature_adoption_rate": baseline.key_feature_adoption_rate,
        "seat_utilisation": baseline.seat_utilisation,
        "health_score": baseline.health_score,
    }
    value = values.get(metric)
    return None if value is None else value


def objectives_for(criteria: list[str], baseline: Baseline, start: date) -> list[dict[str, Any]]:
    objectives = []
    for name in criteria:
        known = CRITERIA.get(name)
        if known is None:  # qualitative: the plan's own reading of a bare criterion name
            objectives.append(objective_item(name))
            continue
        objectives.append(
            {
                "criterion": name,
                "title": known.title,
                "measurable": True,
                "metric": known.metric,
                "target": known.target,
                "baseline": _baseline_value(known.metric, baseline),
                "unit": known.unit,
                "due_date": (start + timedelta(days=known.due_days)).isoformat(),
            }
        )
    return objectives
