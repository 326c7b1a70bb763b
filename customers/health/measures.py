"""The health measure registry.

A measure belongs to the app that owns its data (product, operations, finance) and is
registered from that app's `AppConfig.ready()`. It is set-based: one call scores many
customers with a fixed number of queries, returning a 0-100 score per customer, or None with
a reason when the customer has no data for it. `inputs` are the raw numbers behind the score,
shown to API users so every score explains itself.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class MeasureValue:
    score: float | None
    inputs: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None  # why the score is None


# customer_pks: the customers to score, or None for every customer; as_of: the scoring day.
MeasureFn = Callable[[Sequence[int] | None, date], dict[int, MeasureValue]]


@dataclass(frozen=True)
class Measure:
    name: str
    compute: MeasureFn
    description: str
    # Derived from product usage: left out of HealthScore.non_usage_score, the outcome that
    # adoption analytics correlate usage with (usage must not be correlated with itself).
    from_usage: bool = False


_registry: dict[str, Measure] = {}


def register_measure(
    name: str, compute: MeasureFn, description: str, *, from_usage: bool = False
) -> None:
    _registry[name] = Measure(
        name=name, compute=compute, description=description, from_usage=from_usage
    )


def registered_measures() -> dict[str, Measure]:
    return dict(_registry)


def clamp(value: float, low: float = 0.0, high: float = 1.0) -> float:
    return max(low, min(high, value))
