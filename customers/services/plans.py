"""Writes for success plans and their milestones (the sales handoff starts one; the API and
the admin update milestones)."""

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from django.db import transaction

from integrations.clock import today
from integrations.writes import lock, save_changes

from ..choices import MilestoneStatus, SuccessPlanStatus
from ..errors import MilestoneNotFound, achieved_on_in_future, achieved_on_needs_achieved
from ..models import Customer, Milestone, SuccessPlan


@transaction.atomic
def success_plan_create(
    *,
    customer: Customer,
    title: str,
    objectives: Sequence[Mapping[str, Any]],
    start_date: date | None,
    milestones: Sequence[Mapping[str, Any]] = (),
    status: str = SuccessPlanStatus.ACTIVE,
) -> SuccessPlan:
    """A plan with its objectives (JSON objects, see SuccessPlan.objective_items) and its
    milestones (`title`, `due_date`, optional `status`), in two INSERTs."""
    plan = SuccessPlan.objects.create(
        customer=customer,
        title=title[:200],
        objectives=[dict(o) for o in objectives],
        start_date=start_date,
        status=status,
    )
    milestones_add(items=[(plan, m) for m in milestones])
    return plan


def milestones_add(*, items: Sequence[tuple[SuccessPlan, Mapping[str, Any]]]) -> list[Milestone]:
    """Milestones on existing plans, in one INSERT per 2,000: each (plan, {`title`,
    `due_date`, optional `status`, `achieved_on`}); an achieved one without a date is achieved
    today, the other statuses carry no date (milestone_update's rules)."""
    rows = []
    for plan, m in items:
        status = m.get("status", MilestoneStatus.PLANNED)
        achieved = status == MilestoneStatus.ACHIEVED
        achieved_on = (m.get("achieved_on") or today()) if achieved else None
        rows.append(
            Milestone(
                plan=plan,
                title=str(m["title"])[:200],
                due_date=m.get("due_date"),
                status=status,
                achieved_on=achieved_on,
            )
        )
    return Milestone.objects.bulk_create(rows, batch_size=2000)


MILESTONE_FIELDS = ("title", "status", "due_date", "achieved_on")


@transaction.atomic
def milestone_update(*, milestone: Milestone, data: Mapping[str, Any]) -> Milestone:
    """PATCH `status` and/or `achieved_on` (the admin also `title`, `due_date`) on the locked
    row. `achieved` without a date is achieved today; a date needs status `achieved` (given or
    current) and cannot be in the future; leaving `achieved` clears the date."""
    lock(milestone, missing=MilestoneNotFound())
    values = {f: data[f] for f in MILESTONE_FIELDS if f in data}
    status = values.get("status", milestone.status)
    achieved_on = values.get("achieved_on", milestone.achieved_on)
    if status == MilestoneStatus.ACHIEVED:
        if achieved_on is None:
            values["achieved_on"] = today()
        elif achieved_on > today():
            raise achieved_on_in_future()
    elif "achieved_on" in values and values["achieved_on"] is not None:
        raise achieved_on_needs_achieved(status)
    else:
        values["achieved_on"] = None
    save_changes(milestone, values)
    return milestone
