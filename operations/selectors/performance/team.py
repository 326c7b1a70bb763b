"""The team list: one row per active CSM (README, "CS operations performance")."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum

from customers.models import TeamMember
from customers.read import active_customers, active_team_members
from integrations.rounding import round_half_up

from ...choices import OPEN_ESCALATION_STATUSES
from ...models import Escalation, Task
from .base import DEFAULT_DAYS, Window, csat, ratio


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


def team_members() -> QuerySet[TeamMember]:
    """The rows of the team list: active CSMs (paginate by email)."""
    return active_team_members()


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
        active_customers()
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
            overdue=Count("pk", filter=open_task & Q(due_at__lt=window.now)),
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
    scores = _by(
        csat()
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
        score = scores.get(m.pk, {"n": 0, "total": 0})
        rows.append(
            TeamRow(
                email=m.email,
                name=m.name,
                capacity=m.capacity,
                skills=m.skills if isinstance(m.skills, list) else [],
                assigned_accounts=n_assigned,
                utilisation=ratio(n_assigned, m.capacity),
                tasks_completed=task.get("completed", 0),
                open_tasks=task.get("open", 0),
                overdue_tasks=task.get("overdue", 0),
                open_escalations=escalations.get(m.pk, {}).get("n", 0),
                average_csat=round_half_up(Decimal(score["total"]) / score["n"], 2)
                if score["n"]
                else None,
                csat_responses=score["n"],
                window_days=days,
            )
        )
    return rows
