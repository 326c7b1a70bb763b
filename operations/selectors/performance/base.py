"""The window, thresholds, result shapes and small helpers every performance reader shares."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from integrations.clock import DayWindow, days_window, today
from integrations.rounding import round_half_up
from integrations.rules import Opportunity

from ...choices import SurveyKind
from ...models import SurveyResponse

DEFAULT_DAYS = 30
MAX_DAYS = 365

OVERLOADED_UTILISATION = 1.0  # a CSM above this carries more accounts than their capacity
UNEVEN_SPREAD = 0.3  # max u - min u above this is uneven
MIN_EXECUTION_RATE = 0.9
MIN_SKILL_MATCH = 0.9
MIN_PRODUCTIVITY = 0.8
MAX_RESOLUTION_HOURS = 24

OVERLOADED, UNEVEN, OPTIMAL = "overloaded", "uneven", "optimal"

_CSAT_RANGE = (1, 5)


@dataclass(frozen=True)
class Window:
    """The last `days` days as of today (the one clock: calendar days (today - days, today],
    instants [since, until)); `now` is the moment point-in-time reads (latest health,
    overdue tasks) look from."""

    days: int
    span: DayWindow
    now: datetime

    @classmethod
    def ending_now(cls, days: int, now: datetime | None = None) -> "Window":
        now = now or timezone.now()
        return cls(days=days, span=days_window(today(now), days), now=now)

    @property
    def since(self) -> datetime:
        return self.span.start

    @property
    def until(self) -> datetime:
        return self.span.end

    def q(self, name: str) -> Q:
        return self.span.instants(name)

    @property
    def weeks(self) -> float:
        return self.days / 7


@dataclass
class PerformanceMetrics:
    workflow_execution_rate: float | None
    workflow_runs_completed: int
    workflow_runs_failed: int
    workflow_execution_rate_reason: str | None
    average_resolution_time: str | None
    average_resolution_seconds: int | None
    resolved_count: int
    resolved_alerts: int
    resolved_escalations: int
    average_resolution_time_reason: str | None
    customer_satisfaction: float | None
    csat_responses: int
    customer_satisfaction_reason: str | None
    team_productivity: float | None
    tasks_completed: int
    tasks_completed_unattributed: int
    active_csms: int
    window_weeks: float
    tasks_per_csm_week: float | None
    tasks_per_csm_week_target: float
    team_productivity_reason: str | None


@dataclass
class ResourceUtilization:
    capacity_usage: float | None
    assigned_accounts: int
    total_capacity: int
    capacity_usage_reason: str | None
    skill_matching_accuracy: float | None
    matched_customers: int
    customers_with_csm: int
    skill_matching_accuracy_reason: str | None
    workload_balancing: str | None
    max_utilisation: float | None
    min_utilisation: float | None
    utilisation_spread: float | None
    overloaded_csms: int
    active_csms: int
    workload_balancing_reason: str | None


@dataclass
class Performance:
    window: Window
    performance_metrics: PerformanceMetrics
    resource_utilization: ResourceUtilization
    opportunity_details: list[Opportunity] = field(default_factory=list)

    @property
    def optimization_opportunities(self) -> list[str]:
        return [o.code for o in self.opportunity_details]


def ratio(numerator: float, denominator: float, places: int = 4) -> float | None:
    return round_half_up(numerator / denominator, places) if denominator else None


def csat() -> QuerySet[SurveyResponse]:
    low, high = _CSAT_RANGE
    return SurveyResponse.objects.filter(kind=SurveyKind.CSAT, score__gte=low, score__lte=high)


def skill_set(skills: Any) -> set[str]:
    if not isinstance(skills, list):
        return set()
    return {s.strip().casefold() for s in skills if isinstance(s, str) and s.strip()}
