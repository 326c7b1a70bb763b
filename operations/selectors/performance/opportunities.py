"""The optimisation opportunities: one declarative rule table over the computed metrics
(README, "CS operations performance"). A rule whose metric is null does not fire."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q

from customers.models import HealthGrade
from customers.read import active_customers, latest_health
from integrations.rules import Opportunity, Rule, evaluate

from ...models import WorkflowRun
from .base import (
    MAX_RESOLUTION_HOURS,
    MIN_EXECUTION_RATE,
    MIN_PRODUCTIVITY,
    MIN_SKILL_MATCH,
    OVERLOADED,
    OVERLOADED_UTILISATION,
    UNEVEN,
    UNEVEN_SPREAD,
    PerformanceMetrics,
    ResourceUtilization,
    Window,
)


def unwatched_critical(window: Window) -> dict[str, int]:
    """Active customers whose latest health grade (by computed_at, up to the window's end) is
    critical, and how many of them had no workflow run created in the window. One query."""
    run_in_window = WorkflowRun.objects.filter(window.q("created_at"), customer_id=OuterRef("pk"))
    found = (
        active_customers()
        .annotate(
            grade=latest_health("grade", computed_until=window.now),
            watched=Exists(run_in_window),
        )
        .filter(grade=HealthGrade.CRITICAL)
        .aggregate(critical=Count("pk"), unwatched=Count("pk", filter=Q(watched=False)))
    )
    return {"critical_customers": found["critical"], "without_workflow_run": found["unwatched"]}


@dataclass(frozen=True, slots=True)
class Facts:
    m: PerformanceMetrics
    r: ResourceUtilization
    critical: dict[str, int]


def _below(value: float | None, threshold: float) -> bool:
    return value is not None and value < threshold


def _rebalance_detail(f: Facts) -> str:
    if f.r.workload_balancing == OVERLOADED:
        return f"{f.r.overloaded_csms} CSM(s) carry more accounts than their capacity."
    return f"Utilisation spread {f.r.utilisation_spread} exceeds {UNEVEN_SPREAD}."


def _evidence(f: Facts, source: str, *names: str, **extra: Any) -> dict[str, Any]:
    obj = f.m if source == "m" else f.r
    return {**{name: getattr(obj, name) for name in names}, **extra}


RULES: tuple[Rule[Facts], ...] = (
    Rule(
        "improve_workflow_reliability",
        condition=lambda f: _below(f.m.workflow_execution_rate, MIN_EXECUTION_RATE),
        recommendation=lambda f: (
            f"Workflow execution rate {f.m.workflow_execution_rate} is below {MIN_EXECUTION_RATE}."
        ),
        evidence=lambda f: {
            "workflow_execution_rate": f.m.workflow_execution_rate,
            "completed": f.m.workflow_runs_completed,
            "failed": f.m.workflow_runs_failed,
            "threshold": MIN_EXECUTION_RATE,
        },
    ),
    Rule(
        "improve_skill_matching_algorithms",
        condition=lambda f: _below(f.r.skill_matching_accuracy, MIN_SKILL_MATCH),
        recommendation=lambda f: (
            f"Only {f.r.matched_customers} of {f.r.customers_with_csm} active customers have "
            "a CSM with every skill their segment requires."
        ),
        evidence=lambda f: _evidence(
            f,
            "r",
            "skill_matching_accuracy",
            "matched_customers",
            "customers_with_csm",
            threshold=MIN_SKILL_MATCH,
        ),
    ),
    Rule(
        "rebalance_workloads",
        condition=lambda f: f.r.workload_balancing in (OVERLOADED, UNEVEN),
        recommendation=_rebalance_detail,
        evidence=lambda f: _evidence(
            f,
            "r",
            "workload_balancing",
            "overloaded_csms",
            "max_utilisation",
            "min_utilisation",
            "utilisation_spread",
            overloaded_above=OVERLOADED_UTILISATION,
            uneven_spread_above=UNEVEN_SPREAD,
        ),
    ),
    Rule(
        "increase_automation_coverage",
        condition=lambda f: _below(f.m.team_productivity, MIN_PRODUCTIVITY),
        recommendation=lambda f: (
            f"CSMs complete {f.m.tasks_per_csm_week} tasks per week against a target of "
            f"{f.m.tasks_per_csm_week_target}: automate routine touches with playbooks."
        ),
        evidence=lambda f: _evidence(
            f,
            "m",
            "team_productivity",
            "tasks_completed",
            "active_csms",
            "window_weeks",
            threshold=MIN_PRODUCTIVITY,
        ),
    ),
    Rule(
        "accelerate_escalation_response",
        condition=lambda f: (
            f.m.average_resolution_seconds is not None
            and f.m.average_resolution_seconds > MAX_RESOLUTION_HOURS * 3600
        ),
        recommendation=lambda f: (
            f"Alerts and escalations take {f.m.average_resolution_time} on average to "
            f"resolve, over {MAX_RESOLUTION_HOURS} hours."
        ),
        evidence=lambda f: _evidence(
            f,
            "m",
            "average_resolution_seconds",
            "resolved_count",
            threshold_hours=MAX_RESOLUTION_HOURS,
        ),
    ),
    Rule(
        "expand_predictive_capabilities",
        condition=lambda f: bool(f.critical["without_workflow_run"]),
        recommendation=lambda f: (
            f"{f.critical['without_workflow_run']} active customer(s) in critical health "
            "had no workflow run in the window."
        ),
        evidence=lambda f: dict(f.critical),
    ),
)


def opportunities(
    m: PerformanceMetrics, r: ResourceUtilization, critical: dict[str, int]
) -> list[Opportunity]:
    return evaluate(RULES, Facts(m, r, critical))
