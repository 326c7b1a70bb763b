"""CS operations performance (`/cs-ops/performance` and `/cs-ops/performance/team`), in SQL.

The metric definitions are in the README ("CS operations performance"); each lives in the
module named after its concept: execution, resolution, satisfaction, productivity (the
performance metrics), capacity and skills (resource utilisation), opportunities (the rule
table) and team (the per-CSM rows). Window: the last `days` days, (now - days, now]. Ratios
are rounded to 4 decimals (half even, as float round does); means half up.

Queries: a fixed number whatever the data size (9 for the metrics, 4 per team page); every
count, sum and mean is a SQL aggregate.
"""

from datetime import datetime

from integrations.rules import Opportunity

from .base import (
    DEFAULT_DAYS,
    MAX_DAYS,
    MAX_RESOLUTION_HOURS,
    MIN_EXECUTION_RATE,
    MIN_PRODUCTIVITY,
    MIN_SKILL_MATCH,
    OPTIMAL,
    OVERLOADED,
    OVERLOADED_UTILISATION,
    UNEVEN,
    UNEVEN_SPREAD,
    Performance,
    PerformanceMetrics,
    ResourceUtilization,
    Window,
)
from .capacity import capacity
from .execution import execution
from .opportunities import RULES, opportunities, unwatched_critical
from .productivity import productivity
from .resolution import resolution
from .satisfaction import satisfaction
from .skills import skill_matching
from .team import TeamRow, team_members, team_rows


def performance(days: int = DEFAULT_DAYS, now: datetime | None = None) -> Performance:
    window = Window.ending_now(days, now)
    utilization = ResourceUtilization(**capacity(), **skill_matching())
    metrics = PerformanceMetrics(
        **execution(window),
        **resolution(window),
        **satisfaction(window),
        **productivity(window, utilization.active_csms),
    )
    found = opportunities(metrics, utilization, unwatched_critical(window))
    return Performance(window, metrics, utilization, found)


__all__ = [
    "DEFAULT_DAYS",
    "MAX_DAYS",
    "MAX_RESOLUTION_HOURS",
    "MIN_EXECUTION_RATE",
    "MIN_PRODUCTIVITY",
    "MIN_SKILL_MATCH",
    "OPTIMAL",
    "OVERLOADED",
    "OVERLOADED_UTILISATION",
    "RULES",
    "UNEVEN",
    "UNEVEN_SPREAD",
    "Opportunity",
    "Performance",
    "PerformanceMetrics",
    "ResourceUtilization",
    "TeamRow",
    "Window",
    "performance",
    "team_members",
    "team_rows",
]
