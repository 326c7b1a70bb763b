"""The shapes and constants every adoption reader shares (definitions: README, "Product:
adoption analytics and feedback")."""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Q

from integrations.rules import Opportunity

from ...models import Feature

MIN_CORRELATION_N = 10
HEALTH_FRESH_DAYS = 35  # a snapshot older than this does not describe the customer on A
RETENTION_LOOKBACK_DAYS = 365
HIGH_IMPACT_R, MEDIUM_IMPACT_R = 0.5, 0.3

ACTIVE_ROW = Q(events__gt=0) | Q(active_users__gt=0)


@dataclass
class Counts:
    """Additive counts and sums for one group of active customers."""

    active: int = 0
    adopting: int = 0
    tried: int = 0
    previous_adopters: int = 0
    lapsed: int = 0
    n: int = 0
    sx: int = 0
    sy: int = 0
    sxy: int = 0
    sxx: int = 0
    syy: int = 0

    def add(self, other: "Counts") -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def adoption(self) -> float | None:
        return round(self.adopting / self.active, 4) if self.active else None


@dataclass
class Correlation:
    r: float | None
    n: int
    reason: str | None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class FeatureAdoption:
    feature: Feature
    as_of: date
    window_days: int
    total: Counts
    segments: dict[str, Counts]
    stages: dict[str, Counts]
    success: Correlation
    retention: Correlation
    opportunities: list[Opportunity]

    @property
    def health_impact(self) -> str | None:
        r = self.success.r
        if r is None:
            return None
        if abs(r) >= HIGH_IMPACT_R:
            return "high"
        return "medium" if abs(r) >= MEDIUM_IMPACT_R else "low"


def compiled(queryset: Any) -> tuple[str, list[Any]]:
    sql, params = queryset.query.sql_with_params()
    return sql, list(params)
