"""Operations' public read API: what higher apps (finance, sales, marketing, ...) read from
`operations`. Typed and set-based: customer primary keys in, `{pk: frozen dataclass}` out, in
a fixed number of queries. Higher apps import this module (and `operations.models` for foreign
keys and type hints only); import-linter enforces it (pyproject, "Public read APIs")."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Case, Count, F, Q, QuerySet, Sum, Value, When, Window
from django.db.models.functions import Coalesce

from integrations.capped import Capped, capped
from integrations.clock import DayWindow, instants_between, local_day, local_day_end
from integrations.idarray import IdArray
from integrations.prepared import PreparedQuery
from integrations.rounding import round_half_up

from .choices import (
    OPEN_ESCALATION_STATUSES,
    OPEN_TICKET_STATUSES,
    AlertStatus,
    RunStatus,
    SurveyKind,
    TicketPriority,
)
from .models import (
    Alert,
    Escalation,
    Playbook,
    SupportTicket,
    SurveyResponse,
    Task,
    WorkflowRun,
)

OPEN_RUN_STATUSES = (RunStatus.PENDING, RunStatus.RUNNING)
OPEN_ALERT_STATUSES = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)


@dataclass(frozen=True, slots=True)
class OpenInterventions:
    """Work under way on a customer: workflow runs pending or running, escalations open or in
    progress, alerts open or acknowledged."""

    workflow_runs: int = 0
    escalations: int = 0
    alerts: int = 0

    @property
    def any(self) -> bool:
        return bool(self.workflow_runs or self.escalations or self.alerts)


def _count_by_customer(
    rows: QuerySet[Any], customer_pks: Sequence[int], kind: str
) -> QuerySet[Any]:
    """(customer_id, kind, n) of the open rows per customer, to UNION with the other kinds."""
    return (
        rows.filter(customer_id__in=customer_pks)
        .values("customer_id")
        .annotate(kind=Value(kind), n=Count("id"))
        .values_list("customer_id", "kind", "n")
        .order_by()
    )


def _open_interventions(pks: IdArray) -> QuerySet[Any]:
    runs = WorkflowRun.objects.filter(status__in=OPEN_RUN_STATUSES)
    escalations = Escalation.objects.filter(status__in=OPEN_ESCALATION_STATUSES)
    alerts = Alert.objects.filter(status__in=OPEN_ALERT_STATUSES)
    return _count_by_customer(runs, pks, "runs").union(
        _count_by_customer(escalations, pks, "escalations"),
        _count_by_customer(alerts, pks, "alerts"),
        all=True,
    )


# The single-customer read-outs read these per request: compiled once per thread
# (integrations.prepared), the ids bound as one array.
_OPEN_INTERVENTIONS: PreparedQuery[Any] = PreparedQuery(_open_interventions, pks=IdArray)


def open_interventions(customer_pks: Sequence[int]) -> dict[int, OpenInterventions]:
    """Every asked customer (nothing open: zeros). One query: the three grouped counts in one
    UNION ALL (a read-out pays one round trip, not three)."""
    pks = list(customer_pks)
    counts: dict[int, dict[str, int]] = {pk: {} for pk in pks}
    if pks:
        for customer_pk, kind, n in _OPEN_INTERVENTIONS.all(pks=IdArray(pks)):
            counts[customer_pk][kind] = n
    return {
        pk: OpenInterventions(c.get("runs", 0), c.get("escalations", 0), c.get("alerts", 0))
        for pk, c in counts.items()
    }


@dataclass(frozen=True, slots=True)
class TicketSummary:
    """Tickets open now (status open or pending) and opened in the window (one clock)."""

    open: int = 0
    open_urgent: int = 0
    opened_in_window: int = 0


def ticket_summaries(customer_pks: Sequence[int], *, window: DayWindow) -> dict[int, TicketSummary]:
    """Every asked customer (no tickets: zeros). One query."""
    is_open = Q(status__in=OPEN_TICKET_STATUSES)
    rows = (
        SupportTicket.objects.filter(customer_id__in=customer_pks)
        .values("customer_id")
        .annotate(
            open=Count("id", filter=is_open),
            urgent=Count("id", filter=is_open & Q(priority=TicketPriority.URGENT)),
            opened=Count("id", filter=window.instants("opened_at")),
        )
        .order_by()
    )
    found = {r["customer_id"]: TicketSummary(r["open"], r["urgent"], r["opened"]) for r in rows}
    return {pk: found.get(pk, TicketSummary()) for pk in customer_pks}


@dataclass(frozen=True, slots=True)
class SurveySummary:
    """Answers in the window (one clock): NPS promoters (9-10), passives (7-8), detractors
    (0-6) and the CSAT mean (1-5, None without answers)."""

    nps_responses: int
    promoters: int
    detractors: int
    csat_responses: int
    csat_mean: float | None

    @property
    def nps(self) -> float | None:
        """The classic NPS: % promoters - % detractors."""
        if not self.nps_responses:
            return None
        return round_half_up(100 * (self.promoters - self.detractors) / self.nps_responses, 1)


def _survey_summaries(pks: IdArray, start: datetime, end: datetime) -> QuerySet[Any]:
    nps, csat = Q(kind=SurveyKind.NPS), Q(kind=SurveyKind.CSAT)
    return (
        SurveyResponse.objects.filter(
            instants_between("answered_at", start, end), customer_id__in=pks
        )
        .values("customer_id")
        .annotate(
            nps_n=Count("id", filter=nps),
            promoters=Count("id", filter=nps & Q(score__gte=9)),
            detractors=Count("id", filter=nps & Q(score__lte=6)),
            csat_n=Count("id", filter=csat),
            csat_total=Sum("score", filter=csat),
        )
        .order_by()
    )


_SURVEYS: PreparedQuery[Any] = PreparedQuery(
    _survey_summaries, pks=IdArray, start=datetime, end=datetime
)


def survey_summaries(customer_pks: Sequence[int], *, window: DayWindow) -> dict[int, SurveySummary]:
    """Customers with answers in the window. One query (none for no pks)."""
    if not customer_pks:
        return {}
    rows = _SURVEYS.all(pks=IdArray(customer_pks), start=window.start, end=window.end)
    return {
        r["customer_id"]: SurveySummary(
            r["nps_n"],
            r["promoters"],
            r["detractors"],
            r["csat_n"],
            round_half_up(r["csat_total"] / r["csat_n"], 2) if r["csat_n"] else None,
        )
        for r in rows
    }


@dataclass(frozen=True, slots=True)
class InterventionDates:
    """The local days at-risk interventions began on a customer: workflow runs (started, or
    created when not started yet) and escalations (opened), any status, oldest first."""

    workflow_runs: tuple[date, ...] = ()
    escalations: tuple[date, ...] = ()

    @property
    def all(self) -> tuple[date, ...]:
        return tuple(sorted(self.workflow_runs + self.escalations))


_RUNS_BEGAN: PreparedQuery[Any] = PreparedQuery(
    lambda pks: (
        WorkflowRun.objects.filter(customer_id__in=pks)
        .annotate(began=Coalesce("started_at", "created_at"))
        .order_by("began")
        .values_list("customer_id", "began")
    ),
    pks=IdArray,
)
_ESCALATIONS_OPENED: PreparedQuery[Any] = PreparedQuery(
    lambda pks: (
        Escalation.objects.filter(customer_id__in=pks)
        .order_by("opened_at")
        .values_list("customer_id", "opened_at")
    ),
    pks=IdArray,
)


def intervention_dates(customer_pks: Sequence[int]) -> dict[int, InterventionDates]:
    """Every asked customer (none: empty tuples). Two queries."""
    runs: dict[int, list[date]] = {}
    escalations: dict[int, list[date]] = {}
    if customer_pks:
        pks = IdArray(customer_pks)
        for pk, at in _RUNS_BEGAN.all(pks=pks):
            runs.setdefault(pk, []).append(local_day(at))
        for pk, at in _ESCALATIONS_OPENED.all(pks=pks):
            escalations.setdefault(pk, []).append(local_day(at))
    return {
        pk: InterventionDates(tuple(runs.get(pk, ())), tuple(escalations.get(pk, ())))
        for pk in customer_pks
    }


_OPEN_ESCALATIONS_ON: PreparedQuery[Any] = PreparedQuery(
    lambda pks, end: _count_by_customer(
        Escalation.objects.filter(
            Q(resolved_at__isnull=True) | Q(resolved_at__gte=end), opened_at__lt=end
        ),
        pks,
        "escalations",
    ),
    pks=IdArray,
    end=datetime,
)


def open_escalations_on(customer_pks: Sequence[int], day: date) -> dict[int, int]:
    """Escalations opened by the end of `day` and not resolved by then, per customer that had
    any (point in time: a later resolution or a later escalation is not seen). One query."""
    if not customer_pks:
        return {}
    rows = _OPEN_ESCALATIONS_ON.all(pks=IdArray(customer_pks), end=local_day_end(day))
    return {pk: n for pk, _, n in rows}


# --- open interventions by id (marketing journeys) ------------------------------------------


@dataclass(frozen=True, slots=True)
class OpenInterventionRefs:
    """The workflow runs (pending or running) and escalations (open or in progress) under way
    on a customer, as (public id, status) pairs, oldest first. Alerts are not listed."""

    workflow_runs: tuple[tuple[str, str], ...] = ()
    escalations: tuple[tuple[str, str], ...] = ()

    @property
    def any(self) -> bool:
        return bool(self.workflow_runs or self.escalations)

    def describe(self) -> str:
        """`workflow run wr_1 running; escalation esc_2 open` (empty when nothing is open)."""
        parts = [f"workflow run {rid} {status}" for rid, status in self.workflow_runs]
        parts += [f"escalation {eid} {status}" for eid, status in self.escalations]
        return "; ".join(parts)


# Read per request by the journey status: compiled once per thread (integrations.prepared).
_OPEN_RUN_REFS: PreparedQuery[Any] = PreparedQuery(
    lambda pks: (
        WorkflowRun.objects.filter(customer_id__in=pks, status__in=OPEN_RUN_STATUSES)
        .order_by("created_at", "id")
        .values_list("customer_id", "run_id", "status")
    ),
    pks=IdArray,
)
_OPEN_ESCALATION_REFS: PreparedQuery[Any] = PreparedQuery(
    lambda pks: (
        Escalation.objects.filter(customer_id__in=pks, status__in=OPEN_ESCALATION_STATUSES)
        .order_by("opened_at", "id")
        .values_list("customer_id", "escalation_id", "status")
    ),
    pks=IdArray,
)


def open_intervention_refs(customer_pks: Sequence[int]) -> dict[int, OpenInterventionRefs]:
    """Customers with an open workflow run or escalation (the others are left out). Two
    queries."""
    if not customer_pks:
        return {}
    pks = IdArray(customer_pks)
    runs: dict[int, list[tuple[str, str]]] = {}
    for pk, run_id, status in _OPEN_RUN_REFS.all(pks=pks):
        runs.setdefault(pk, []).append((run_id, status))
    escalations: dict[int, list[tuple[str, str]]] = {}
    for pk, escalation_id, status in _OPEN_ESCALATION_REFS.all(pks=pks):
        escalations.setdefault(pk, []).append((escalation_id, status))
    return {
        pk: OpenInterventionRefs(tuple(runs.get(pk, ())), tuple(escalations.get(pk, ())))
        for pk in set(runs) | set(escalations)
    }


# --- work digests (the cockpit dashboard) ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class WorkItem:
    """One escalation, workflow run or task as a list line: its public id, the customer, a
    title, its status and the instant the list is ordered by (opened, created, due)."""

    pk: int
    public_id: str
    customer_pk: int
    customer_id: str
    customer_name: str
    title: str
    status: str
    at: datetime


@dataclass(frozen=True, slots=True)
class WorkDigest:
    """How many rows match, and the first few in the digest's order."""

    count: int
    items: tuple[WorkItem, ...]


def _digest(
    rows: QuerySet[Any], order: str, title: str, public_id: str, at: str, limit: int
) -> WorkDigest:
    """One query: the first `limit` rows, each carrying the count of every matching row (a
    window over the whole set, evaluated before the LIMIT); no row, no match."""
    found = list(
        rows.annotate(matching=Window(Count("pk")))
        .order_by(order, "pk")
        .values_list(
            "pk",
            public_id,
            "customer_id",
            "customer__customer_id",
            "customer__name",
            title,
            "status",
            at,
            "matching",
        )[:limit]
    )
    count = found[0][-1] if found else 0
    return WorkDigest(count, tuple(WorkItem(*row[:-1]) for row in found))


def open_escalations_digest(*, limit: int = 5) -> WorkDigest:
    """Escalations open or in progress: the count and the newest `limit` (by opened_at), titled
    by their reason. One query."""
    rows = Escalation.objects.filter(status__in=OPEN_ESCALATION_STATUSES)
    return _digest(rows, "-opened_at", "reason", "escalation_id", "opened_at", limit)


def failed_runs_digest(*, limit: int = 5) -> WorkDigest:
    """Workflow runs that failed: the count and the newest `limit` (by created_at), titled by
    their workflow type. One query."""
    rows = WorkflowRun.objects.filter(status=RunStatus.FAILED)
    return _digest(rows, "-created_at", "workflow_type", "run_id", "created_at", limit)


def overdue_tasks_digest(*, now: datetime, limit: int = 5) -> WorkDigest:
    """Tasks not completed whose due_at is before `now`: the count and the `limit` most overdue
    (oldest due_at first). Status: "overdue". One query."""
    rows = Task.objects.filter(completed_at__isnull=True, due_at__lt=now).annotate(
        status=Value("overdue")
    )
    return _digest(rows, "due_at", "title", "task_id", "due_at", limit)


# --- one customer's records, capped (the cockpit's customer 360) ----------------------------


def _open_first(statuses: Sequence[str]) -> Case:
    """0 for a row whose status is open, 1 otherwise: open rows sort first."""
    return Case(When(status__in=statuses, then=Value(0)), default=Value(1))


@dataclass(frozen=True, slots=True)
class TicketRow:
    pk: int
    ticket_id: str
    priority: str
    status: str
    opened_at: datetime
    resolved_at: datetime | None


def customer_tickets(customer_pk: int, *, limit: int) -> Capped[TicketRow]:
    """The customer's tickets, open ones (open, pending) first, then newest opened. One
    query."""
    rows = SupportTicket.objects.filter(customer_id=customer_pk).order_by(
        _open_first(OPEN_TICKET_STATUSES), "-opened_at", "-pk"
    )
    return capped(rows, limit, TicketRow)


@dataclass(frozen=True, slots=True)
class TaskRow:
    pk: int
    task_id: str
    title: str
    kind: str
    owner_name: str | None
    due_at: datetime | None
    completed_at: datetime | None


def customer_tasks(customer_pk: int, *, limit: int) -> Capped[TaskRow]:
    """The customer's tasks, open ones first (soonest due first, undated last), then the
    latest completed. One query."""
    rows = Task.objects.filter(customer_id=customer_pk).order_by(
        F("completed_at").desc(nulls_first=True), F("due_at").asc(nulls_last=True), "-pk"
    )
    return capped(rows, limit, TaskRow, sources={"owner_name": "owner__name"})


@dataclass(frozen=True, slots=True)
class WorkflowRunRow:
    pk: int
    run_id: str
    workflow_type: str
    status: str
    trigger: str
    created_at: datetime
    finished_at: datetime | None
    error: str


def customer_workflow_runs(customer_pk: int, *, limit: int) -> Capped[WorkflowRunRow]:
    """The customer's workflow runs, newest first. One query."""
    rows = WorkflowRun.objects.filter(customer_id=customer_pk).order_by("-created_at", "-pk")
    return capped(rows, limit, WorkflowRunRow)


@dataclass(frozen=True, slots=True)
class AlertRow:
    pk: int
    alert_id: str
    title: str
    severity: str
    status: str
    opened_at: datetime
    resolved_at: datetime | None


def customer_alerts(customer_pk: int, *, limit: int) -> Capped[AlertRow]:
    """The customer's alerts, open or acknowledged ones first, then newest opened. One
    query."""
    rows = Alert.objects.filter(customer_id=customer_pk).order_by(
        _open_first(OPEN_ALERT_STATUSES), "-opened_at", "-pk"
    )
    return capped(rows, limit, AlertRow)


@dataclass(frozen=True, slots=True)
class EscalationRow:
    pk: int
    escalation_id: str
    severity: str
    status: str
    reason: str
    owner_email: str
    opened_at: datetime
    resolved_at: datetime | None


def customer_escalations(customer_pk: int, *, limit: int) -> Capped[EscalationRow]:
    """The customer's escalations, open or in progress ones first, then newest opened. One
    query."""
    rows = Escalation.objects.filter(customer_id=customer_pk).order_by(
        _open_first(OPEN_ESCALATION_STATUSES), "-opened_at", "-pk"
    )
    return capped(rows, limit, EscalationRow)


@dataclass(frozen=True, slots=True)
class OpenTask:
    """An open task in a CSM's queue; `overdue`: due before the moment asked about."""

    pk: int
    task_id: str
    title: str
    kind: str
    customer_pk: int
    customer_id: str
    customer_name: str
    due_at: datetime | None
    overdue: bool


def open_tasks_owned_by(
    member_pk: int, *, now: datetime, limit: int
) -> tuple[int, int, list[OpenTask]]:
    """The open (not completed) tasks `member_pk` owns: how many, how many overdue, and the
    first `limit`, overdue first (earliest due first; no due date last). Two queries."""
    mine = Task.objects.filter(owner_id=member_pk, completed_at__isnull=True)
    counts = mine.aggregate(n=Count("id"), overdue=Count("id", filter=Q(due_at__lt=now)))
    rows = mine.order_by(F("due_at").asc(nulls_last=True), "pk").values_list(
        "pk",
        "task_id",
        "title",
        "kind",
        "customer_id",
        "customer__customer_id",
        "customer__name",
        "due_at",
    )[:limit]
    tasks = [OpenTask(*row, overdue=row[-1] is not None and row[-1] < now) for row in rows]
    return counts["n"], counts["overdue"], tasks


@dataclass(frozen=True, slots=True)
class OpenIncident:
    """An open alert (open or acknowledged) or escalation (open or in progress)."""

    kind: str  # "alert" or "escalation"
    pk: int
    public_id: str
    customer_pk: int
    customer_id: str
    customer_name: str
    severity: str
    status: str
    summary: str
    opened_at: datetime


def open_incidents_for(
    member_pk: int, member_email: str, *, limit: int
) -> tuple[list[OpenIncident], list[OpenIncident]]:
    """Open alerts and escalations on the accounts `member_pk` manages or owned by them
    (an alert's owner, an escalation's owner_email): at most `limit` of each, newest first.
    Two queries."""
    columns = ("pk", "customer_id", "customer__customer_id", "customer__name", "severity")
    on_mine = Q(customer__success_manager_id=member_pk)
    alerts = (
        Alert.objects.filter(on_mine | Q(owner_id=member_pk), status__in=OPEN_ALERT_STATUSES)
        .order_by("-opened_at", "-pk")
        .values_list(*columns, "alert_id", "status", "title", "opened_at")[:limit]
    )
    escalations = (
        Escalation.objects.filter(
            on_mine | Q(owner_email__iexact=member_email), status__in=OPEN_ESCALATION_STATUSES
        )
        .order_by("-opened_at", "-pk")
        .values_list(*columns, "escalation_id", "status", "reason", "opened_at")[:limit]
    )
    return (
        [_incident("alert", row) for row in alerts],
        [_incident("escalation", row) for row in escalations],
    )


def _incident(kind: str, row: tuple[Any, ...]) -> OpenIncident:
    pk, customer_pk, customer_id, name, severity, public_id, status, summary, opened = row
    return OpenIncident(
        kind, pk, public_id, customer_pk, customer_id, name, severity, status, summary, opened
    )


def active_playbooks() -> QuerySet[Playbook]:
    """Playbooks a workflow may deploy (active), as a queryset for a choice field."""
    return Playbook.objects.filter(active=True).order_by("name")
