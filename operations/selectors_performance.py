"""CS operations performance (`/cs-ops/performance` and `/cs-ops/performance/team`), in SQL.

Window: the last `days` days, (now - days, now]; "in the window" means the named timestamp
falls in it. Active CSM: a TeamMember with active=True. Active customer: status "active".
A CSM's customers: customers whose success_manager is that CSM. Ratios are rounded to 4
decimals (half even, as float round does); means as stated below, half up.

performance_metrics
- workflow_execution_rate = completed ÷ (completed + failed) over WorkflowRuns whose
  finished_at is in the window. Null with a reason when none finished.
- average_resolution_time: the mean of (resolved_at - opened_at) over Alerts and
  Escalations resolved in the window (rows with resolved_at before opened_at are skipped as
  corrupt). Shown as "<hours, 1 decimal, half up>_hours" (e.g. "2.3_hours"), with
  average_resolution_seconds (integer, half up) and resolved_count. Null when none.
- customer_satisfaction = the mean CSAT score (SurveyResponse kind "csat", scores 1-5)
  answered in the window, 2 decimals, with csat_responses. Null when none.
- team_productivity = (tasks completed in the window by active CSMs ÷ (active CSMs × days/7))
  ÷ settings.CS_HUB_TASKS_PER_CSM_WEEK_TARGET (default 8.0): 1.0 means on target. A task
  counts for its owner; tasks completed by nobody or by inactive members are reported as
  tasks_completed_unattributed and left out. Null when there are no active CSMs.

resource_utilization (over active CSMs; assigned = the CSM's active customers)
- capacity_usage = Σ assigned ÷ Σ capacity. Null when the capacity sum is 0.
- skill_matching_accuracy = matched ÷ active customers that have a CSM (any CSM), where
  matched means the CSM's skills contain every skill SegmentSkillRequirement lists for the
  customer's segment (a segment without a requirement row always matches). Skill names are
  compared trimmed and case-folded. Null when no active customer has a CSM.
- utilisation u = assigned ÷ capacity per active CSM (CSMs with capacity 0 have no u; one
  with accounts counts as overloaded). workload_balancing: "overloaded" when any
  u > OVERLOADED_UTILISATION; else "uneven" when at least 2 CSMs have a u and
  max u - min u > UNEVEN_SPREAD; else "optimal". Null when there are no active CSMs.

optimization_opportunities (each with an opportunity_details entry and its evidence):
- improve_workflow_reliability: workflow_execution_rate < MIN_EXECUTION_RATE.
- improve_skill_matching_algorithms: skill_matching_accuracy < MIN_SKILL_MATCH.
- rebalance_workloads: workload_balancing is overloaded or uneven.
- increase_automation_coverage: team_productivity < MIN_PRODUCTIVITY (CSMs complete fewer
  tasks than the target: routine touches should move to playbooks and automation rules).
- accelerate_escalation_response: average resolution > MAX_RESOLUTION_HOURS.
- expand_predictive_capabilities: active customers whose latest health snapshot (by
  computed_at, up to now) is critical and who had no workflow run created in the window:
  at-risk accounts no automation caught.
A rule whose metric is null does not fire.

team rows (per active CSM): capacity, assigned_accounts, utilisation, skills,
tasks_completed (completed_at in the window), open_tasks (completed_at null), overdue_tasks
(open with due_at before now), open_escalations (status open or in_progress, on any of the
CSM's customers), average_csat and csat_responses (CSAT answers in the window from any of
the CSM's customers).

Queries: a fixed number whatever the data size (9 for the metrics, 4 per team page); every
count, sum and mean is a SQL aggregate. The one step in Python is the skill subset test,
once per (CSM, segment) group (JSON containment is not portable to SQLite).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Cast, Coalesce, NullIf
from django.utils import timezone

from customers.choices import CustomerStatus
from customers.models import Customer, HealthGrade, HealthScore, TeamMember

from .choices import OPEN_ESCALATION_STATUSES, RunStatus, SurveyKind
from .models import (
    Alert,
    Escalation,
    SegmentSkillRequirement,
    SurveyResponse,
    Task,
    WorkflowRun,
)

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
    days: int
    since: datetime  # exclusive
    until: datetime  # inclusive

    @classmethod
    def ending_now(cls, days: int, now: datetime | None = None) -> "Window":
        until = now or timezone.now()
        return cls(days=days, since=until - timedelta(days=days), until=until)

    def q(self, name: str) -> Q:
        return Q(**{f"{name}__gt": self.since, f"{name}__lte": self.until})

    @property
    def weeks(self) -> float:
        return self.days / 7


@dataclass
class Opportunity:
    code: str
    detail: str
    evidence: dict[str, Any]


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


@dataclass
class TeamRow:
    email: str
    name: str
    capacity: int
    skills: list[Any]
    assigned_accounts: int
    utilisation: float | None
    tasks_completed: int
    open_tasks: int
    overdue_tasks: int
    open_escalations: int
    average_csat: float | None
    csat_responses: int
    window_days: int


# --- helpers ----------------------------------------------------------------------------


def _ratio(numerator: float, denominator: float, places: int = 4) -> float | None:
    return round(numerator / denominator, places) if denominator else None


def _half_up(value: Decimal, places: str) -> Decimal:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def _skill_set(skills: Any) -> set[str]:
    if not isinstance(skills, list):
        return set()
    return {s.strip().casefold() for s in skills if isinstance(s, str) and s.strip()}


def _active_customers() -> QuerySet[Customer]:
    return Customer.objects.filter(status=CustomerStatus.ACTIVE)


def _csat() -> QuerySet[SurveyResponse]:
    low, high = _CSAT_RANGE
    return SurveyResponse.objects.filter(kind=SurveyKind.CSAT, score__gte=low, score__lte=high)


_DURATION = ExpressionWrapper(F("resolved_at") - F("opened_at"), output_field=DurationField())


def _resolution_sums(model: type[Alert] | type[Escalation], window: Window) -> tuple[int, int]:
    """(count, total microseconds) of the model's rows resolved in the window."""
    found = model.objects.filter(
        window.q("resolved_at"), resolved_at__gte=F("opened_at")
    ).aggregate(n=Count("pk"), total=Sum(_DURATION))
    total: timedelta | None = found["total"]
    return found["n"], (total // timedelta(microseconds=1)) if total is not None else 0


# --- performance_metrics ----------------------------------------------------------------


def _execution(window: Window) -> dict[str, Any]:
    found = WorkflowRun.objects.filter(window.q("finished_at")).aggregate(
        completed=Count("pk", filter=Q(status=RunStatus.COMPLETED)),
        failed=Count("pk", filter=Q(status=RunStatus.FAILED)),
    )
    completed, failed = found["completed"], found["failed"]
    rate = _ratio(completed, completed + failed)
    return {
        "workflow_execution_rate": rate,
        "workflow_runs_completed": completed,
        "workflow_runs_failed": failed,
        "workflow_execution_rate_reason": None
        if rate is not None
        else "no workflow run finished (completed or failed) in the window",
    }


def _resolution(window: Window) -> dict[str, Any]:
    alerts, alert_us = _resolution_sums(Alert, window)
    escalations, escalation_us = _resolution_sums(Escalation, window)
    n = alerts + escalations
    out: dict[str, Any] = {
        "resolved_count": n,
        "resolved_alerts": alerts,
        "resolved_escalations": escalations,
        "average_resolution_time": None,
        "average_resolution_seconds": None,
        "average_resolution_time_reason": "no alert or escalation resolved in the window",
    }
    if n:
        mean_us = Decimal(alert_us + escalation_us) / n
        hours = _half_up(mean_us / Decimal(3_600_000_000), "0.1")
        out.update(
            average_resolution_time=f"{hours}_hours",
            average_resolution_seconds=int(_half_up(mean_us / Decimal(1_000_000), "1")),
            average_resolution_time_reason=None,
        )
    return out


def _satisfaction(window: Window) -> dict[str, Any]:
    found = _csat().filter(window.q("answered_at")).aggregate(n=Count("pk"), total=Sum("score"))
    n = found["n"]
    mean = float(_half_up(Decimal(found["total"]) / n, "0.01")) if n else None
    return {
        "customer_satisfaction": mean,
        "csat_responses": n,
        "customer_satisfaction_reason": None if n else "no CSAT response answered in the window",
    }


def _productivity(window: Window, active_csms: int) -> dict[str, Any]:
    found = Task.objects.filter(window.q("completed_at")).aggregate(
        attributed=Count("pk", filter=Q(owner__active=True)),
        total=Count("pk"),
    )
    target = float(getattr(settings, "CS_HUB_TASKS_PER_CSM_WEEK_TARGET", 8.0))
    done = found["attributed"]
    per_csm_week = _ratio(done, active_csms * window.weeks)
    productivity = None
    if per_csm_week is not None and target > 0:
        productivity = round(done / (active_csms * window.weeks) / target, 4)
    reason = None
    if not active_csms:
        reason = "no active CSMs"
    elif productivity is None:
        reason = "CS_HUB_TASKS_PER_CSM_WEEK_TARGET is not positive"
    return {
        "team_productivity": productivity,
        "tasks_completed": done,
        "tasks_completed_unattributed": found["total"] - done,
        "active_csms": active_csms,
        "window_weeks": round(window.weeks, 4),
        "tasks_per_csm_week": per_csm_week,
        "tasks_per_csm_week_target": target,
        "team_productivity_reason": reason,
    }


# --- resource_utilization ---------------------------------------------------------------


def _capacity() -> dict[str, Any]:
    """One query: per active CSM the assigned count (a correlated count) and u, aggregated
    over the CSMs."""
    assigned = (
        _active_customers()
        .filter(success_manager_id=OuterRef("pk"))
        .order_by()
        .values("success_manager_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    per_csm = (
        TeamMember.objects.filter(active=True)
        .annotate(assigned=Coalesce(Subquery(assigned), 0))
        .annotate(
            u=Cast("assigned", FloatField()) / NullIf(Cast("capacity", FloatField()), 0.0),
        )
    )
    has_capacity = Q(capacity__gt=0)
    found = per_csm.aggregate(
        csms=Count("pk"),
        total_capacity=Coalesce(Sum("capacity"), 0),
        total_assigned=Coalesce(Sum("assigned"), 0),
        max_u=Max("u", filter=has_capacity),
        min_u=Min("u", filter=has_capacity),
        with_u=Count("pk", filter=has_capacity),
        overloaded=Count("pk", filter=Q(assigned__gt=F("capacity") * OVERLOADED_UTILISATION)),
    )
    csms, max_u, min_u = found["csms"], found["max_u"], found["min_u"]
    spread = round(max_u - min_u, 4) if max_u is not None and min_u is not None else None
    balancing: str | None = None
    reason: str | None = "no active CSMs"
    if csms:
        reason = None
        if found["overloaded"]:
            balancing = OVERLOADED
        elif found["with_u"] >= 2 and spread is not None and spread > UNEVEN_SPREAD:
            balancing = UNEVEN
        else:
            balancing = OPTIMAL
    usage = _ratio(found["total_assigned"], found["total_capacity"])
    return {
        "capacity_usage": usage,
        "assigned_accounts": found["total_assigned"],
        "total_capacity": found["total_capacity"],
        "capacity_usage_reason": None if usage is not None else "no active CSM capacity",
        "workload_balancing": balancing,
        "max_utilisation": round(max_u, 4) if max_u is not None else None,
        "min_utilisation": round(min_u, 4) if min_u is not None else None,
        "utilisation_spread": spread,
        "overloaded_csms": found["overloaded"],
        "active_csms": csms,
        "workload_balancing_reason": reason,
    }


def _skill_matching() -> dict[str, Any]:
    """One query for the requirements (at most one row per segment), one for the active
    customers with a CSM grouped by (CSM, segment); the subset test runs per group."""
    required = {
        segment: _skill_set(skills)
        for segment, skills in SegmentSkillRequirement.objects.values_list("segment", "skills")
    }
    groups = (
        _active_customers()
        .filter(success_manager__isnull=False)
        .values("success_manager_id", "segment", "success_manager__skills")
        .annotate(n=Count("pk"))
        .order_by()
    )
    total = matched = 0
    for group in groups:
        total += group["n"]
        need = required.get(group["segment"])
        if need is None or need <= _skill_set(group["success_manager__skills"]):
            matched += group["n"]
    accuracy = _ratio(matched, total)
    return {
        "skill_matching_accuracy": accuracy,
        "matched_customers": matched,
        "customers_with_csm": total,
        "skill_matching_accuracy_reason": None
        if accuracy is not None
        else "no active customer has a CSM",
    }


# --- opportunities ----------------------------------------------------------------------


def _unwatched_critical(window: Window) -> dict[str, int]:
    """Active customers whose latest health grade is critical, and how many of them had no
    workflow run created in the window. One query."""
    latest_grade = (
        HealthScore.objects.filter(customer_id=OuterRef("pk"), computed_at__lte=window.until)
        .order_by("-computed_at", "-pk")
        .values("grade")[:1]
    )
    run_in_window = WorkflowRun.objects.filter(window.q("created_at"), customer_id=OuterRef("pk"))
    found = (
        _active_customers()
        .annotate(grade=Subquery(latest_grade), watched=Exists(run_in_window))
        .filter(grade=HealthGrade.CRITICAL)
        .aggregate(critical=Count("pk"), unwatched=Count("pk", filter=Q(watched=False)))
    )
    return {"critical_customers": found["critical"], "without_workflow_run": found["unwatched"]}


def _opportunities(
    m: PerformanceMetrics, r: ResourceUtilization, critical: dict[str, int]
) -> list[Opportunity]:
    out: list[Opportunity] = []
    rate = m.workflow_execution_rate
    if rate is not None and rate < MIN_EXECUTION_RATE:
        out.append(
            Opportunity(
                "improve_workflow_reliability",
                f"Workflow execution rate {rate} is below {MIN_EXECUTION_RATE}.",
                {
                    "workflow_execution_rate": rate,
                    "completed": m.workflow_runs_completed,
                    "failed": m.workflow_runs_failed,
                    "threshold": MIN_EXECUTION_RATE,
                },
            )
        )
    accuracy = r.skill_matching_accuracy
    if accuracy is not None and accuracy < MIN_SKILL_MATCH:
        out.append(
            Opportunity(
                "improve_skill_matching_algorithms",
                f"Only {r.matched_customers} of {r.customers_with_csm} active customers have "
                "a CSM with every skill their segment requires.",
                {
                    "skill_matching_accuracy": accuracy,
                    "matched_customers": r.matched_customers,
                    "customers_with_csm": r.customers_with_csm,
                    "threshold": MIN_SKILL_MATCH,
                },
            )
        )
    if r.workload_balancing in (OVERLOADED, UNEVEN):
        detail = (
            f"{r.overloaded_csms} CSM(s) carry more accounts than their capacity."
            if r.workload_balancing == OVERLOADED
            else f"Utilisation spread {r.utilisation_spread} exceeds {UNEVEN_SPREAD}."
        )
        out.append(
            Opportunity(
                "rebalance_workloads",
                detail,
                {
                    "workload_balancing": r.workload_balancing,
                    "overloaded_csms": r.overloaded_csms,
                    "max_utilisation": r.max_utilisation,
                    "min_utilisation": r.min_utilisation,
                    "utilisation_spread": r.utilisation_spread,
                    "overloaded_above": OVERLOADED_UTILISATION,
                    "uneven_spread_above": UNEVEN_SPREAD,
                },
            )
        )
    productivity = m.team_productivity
    if productivity is not None and productivity < MIN_PRODUCTIVITY:
        out.append(
            Opportunity(
                "increase_automation_coverage",
                f"CSMs complete {m.tasks_per_csm_week} tasks per week against a target of "
                f"{m.tasks_per_csm_week_target}: automate routine touches with playbooks.",
                {
                    "team_productivity": productivity,
                    "tasks_completed": m.tasks_completed,
                    "active_csms": m.active_csms,
                    "window_weeks": m.window_weeks,
                    "threshold": MIN_PRODUCTIVITY,
                },
            )
        )
    seconds = m.average_resolution_seconds
    if seconds is not None and seconds > MAX_RESOLUTION_HOURS * 3600:
        out.append(
            Opportunity(
                "accelerate_escalation_response",
                f"Alerts and escalations take {m.average_resolution_time} on average to "
                f"resolve, over {MAX_RESOLUTION_HOURS} hours.",
                {
                    "average_resolution_seconds": seconds,
                    "resolved_count": m.resolved_count,
                    "threshold_hours": MAX_RESOLUTION_HOURS,
                },
            )
        )
    if critical["without_workflow_run"]:
        out.append(
            Opportunity(
                "expand_predictive_capabilities",
                f"{critical['without_workflow_run']} active customer(s) in critical health "
                "had no workflow run in the window.",
                dict(critical),
            )
        )
    return out


# --- entry points -----------------------------------------------------------------------


def performance(days: int = DEFAULT_DAYS, now: datetime | None = None) -> Performance:
    window = Window.ending_now(days, now)
    utilization = ResourceUtilization(**_capacity(), **_skill_matching())
    metrics = PerformanceMetrics(
        **_execution(window),
        **_resolution(window),
        **_satisfaction(window),
        **_productivity(window, utilization.active_csms),
    )
    opportunities = _opportunities(metrics, utilization, _unwatched_critical(window))
    return Performance(window, metrics, utilization, opportunities)


def team_members() -> QuerySet[TeamMember]:
    """The rows of the team list: active CSMs (paginate by email)."""
    return TeamMember.objects.filter(active=True)


def _by(rows: Iterable[dict[str, Any]], key: str) -> dict[int, dict[str, Any]]:
    return {row[key]: row for row in rows}


def team_rows(
    members: Sequence[TeamMember], days: int = DEFAULT_DAYS, now: datetime | None = None
) -> list[TeamRow]:
    """Rows for a page of CSMs: four grouped queries whatever the page size."""
    window = Window.ending_now(days, now)
    pks = [m.pk for m in members]
    if not pks:
        return []
    assigned = _by(
        _active_customers()
        .filter(success_manager_id__in=pks)
        .values("success_manager_id")
        .annotate(n=Count("pk"))
        .order_by(),
        "success_manager_id",
    )
    open_task = Q(completed_at__isnull=True)
    tasks = _by(
        Task.objects.filter(owner_id__in=pks)
        .values("owner_id")
        .annotate(
            completed=Count("pk", filter=window.q("completed_at")),
            open=Count("pk", filter=open_task),
            overdue=Count("pk", filter=open_task & Q(due_at__lt=window.until)),
        )
        .order_by(),
        "owner_id",
    )
    escalations = _by(
        Escalation.objects.filter(
            customer__success_manager_id__in=pks, status__in=OPEN_ESCALATION_STATUSES
        )
        .values(csm=F("customer__success_manager_id"))
        .annotate(n=Count("pk"))
        .order_by(),
        "csm",
    )
    csat = _by(
        _csat()
        .filter(window.q("answered_at"), customer__success_manager_id__in=pks)
        .values(csm=F("customer__success_manager_id"))
        .annotate(n=Count("pk"), total=Sum("score"))
        .order_by(),
        "csm",
    )
    rows = []
    for m in members:
        n_assigned = assigned.get(m.pk, {}).get("n", 0)
        task = tasks.get(m.pk, {})
        score = csat.get(m.pk, {"n": 0, "total": 0})
        rows.append(
            TeamRow(
                email=m.email,
                name=m.name,
                capacity=m.capacity,
                skills=m.skills if isinstance(m.skills, list) else [],
                assigned_accounts=n_assigned,
                utilisation=_ratio(n_assigned, m.capacity),
                tasks_completed=task.get("completed", 0),
                open_tasks=task.get("open", 0),
                overdue_tasks=task.get("overdue", 0),
                open_escalations=escalations.get(m.pk, {}).get("n", 0),
                average_csat=float(_half_up(Decimal(score["total"]) / score["n"], "0.01"))
                if score["n"]
                else None,
                csat_responses=score["n"],
                window_days=days,
            )
        )
    return rows
