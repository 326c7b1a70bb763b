"""The shapes and constants every adoption reader shares (definitions: README, "Product:
adoption analytics and feedback")."""

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Q

from integrations.rounding import round_half_up
from integrations.rules import Opportunity

from ...models import Feature

MIN_CORRELATION_N = 10
HEALTH_FRESH_DAYS = 35  # a snapshot older than this does not describe the customer on A
Z_95 = 1.959964  # the two-sided 95 % quantile of the standard normal
HIGH_IMPACT_R, MEDIUM_IMPACT_R = 0.5, 0.3

ACTIVE_ROW = Q(events__gt=0) | Q(active_users__gt=0)


@dataclass
class Counts:
    """Additive counts and sums for one group of active customers."""

    active: int = 0
    adopting: int = 0
    tried: int = 0
    tried_not_adopted: int = 0
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
        return round_half_up(self.adopting / self.active, 4) if self.active else None


@dataclass
class Correlation:
    """Pearson r with its 95 % Fisher z interval and two-sided p-value (README, "Statistics")."""

    r: float | None
    n: int
    reason: str | None
    extra: dict[str, Any] = field(default_factory=dict)
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None
    lead_days: int | None = None

    @classmethod
    def of(cls, r: float, n: int) -> "Correlation":
        """From the unrounded r of n ≥ 4 pairs: z = atanh(r), se = 1/√(n−3)."""
        r = max(-1.0, min(1.0, r))
        if abs(r) == 1:
            return cls(round_half_up(r, 4), n, None, p_value=0.0)
        z, se = math.atanh(r), 1 / math.sqrt(n - 3)
        return cls(
            round_half_up(r, 4),
            n,
            None,
            ci_low=round_half_up(math.tanh(z - Z_95 * se), 4),
            ci_high=round_half_up(math.tanh(z + Z_95 * se), 4),
            p_value=math.erfc(abs(z) / se / math.sqrt(2)),
        )

    @property
    def direction(self) -> str | None:
        """`positive`/`negative` when the interval excludes 0 (|r| = 1 does), else None."""
        if self.r is None:
            return None
        if abs(self.r) == 1:
            return "positive" if self.r > 0 else "negative"
        if self.ci_low is not None and self.ci_low > 0:
            return "positive"
        if self.ci_high is not None and self.ci_high < 0:
            return "negative"
        return None


@dataclass
class Group:
    """One side of the retention 2×2 table."""

    n: int
    renewed: int

    @property
    def rate(self) -> float | None:
        return self.renewed / self.n if self.n else None


@dataclass
class RetentionComparison:
    """Renewal rate of adopters vs non-adopters (README, "Statistics")."""

    lead_days: int
    adopters: Group
    non_adopters: Group
    difference: float | None
    difference_ci_low: float | None
    difference_ci_high: float | None
    phi: float | None
    phi_max: float | None
    reason: str | None


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
    retention_comparison: RetentionComparison
    opportunities: list[Opportunity]

    @property
    def health_impact(self) -> str:
        """Strength from |r|, or `insufficient_evidence` when r is null or its interval spans 0."""
        r = self.success.r
        if r is None or self.success.direction is None:
            return "insufficient_evidence"
        if abs(r) >= HIGH_IMPACT_R:
            return "high"
        return "medium" if abs(r) >= MEDIUM_IMPACT_R else "low"


def compiled(queryset: Any) -> tuple[str, list[Any]]:
    sql, params = queryset.query.sql_with_params()
    return sql, list(params)
