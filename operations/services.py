"""Writes for operations data: support tickets, survey responses and CS tasks ingestion."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction

from customers.models import Customer, TeamMember
from integrations.ids import new_public_id
from integrations.upsert import BulkResult, upsert_rows
from integrations.writes import atomic_upsert

from .bulk_schema import SURVEY_SCHEMA, TASK_SCHEMA, TICKET_SCHEMA
from .models import SupportTicket, SurveyResponse, Task

# Model attribute names compared and written by the upsert (customer_id is the pk here).
TICKET_FIELDS = ("customer_id", "opened_at", "resolved_at", "priority", "status")
SURVEY_FIELDS = ("customer_id", "respondent_email", "kind", "score", "comment", "answered_at")
TASK_FIELDS = ("customer_id", "kind", "owner_id", "title", "due_at", "completed_at")


def _with_customer_pks(items: Sequence[dict[str, Any]], pks: list[int]) -> list[dict[str, Any]]:
    return [{**item, "customer_id": pk} for item, pk in zip(items, pks, strict=True)]


@atomic_upsert
def tickets_bulk_upsert(*, items: Sequence[dict[str, Any]]) -> BulkResult:
    rows = _with_customer_pks(items, TICKET_SCHEMA.resolve(items)["customer_id"])
    return upsert_rows(SupportTicket, rows, key="ticket_id", fields=TICKET_FIELDS)


@atomic_upsert
def surveys_bulk_upsert(*, items: Sequence[dict[str, Any]]) -> BulkResult:
    rows = _with_customer_pks(items, SURVEY_SCHEMA.resolve(items)["customer_id"])
    return upsert_rows(SurveyResponse, rows, key="response_id", fields=SURVEY_FIELDS)


@atomic_upsert
def tasks_bulk_upsert(*, items: Sequence[dict[str, Any]]) -> BulkResult:
    """Upsert tasks by task_id. `owner_email` (a CSM) becomes `owner_id`; left out, the
    current owner is kept; null clears it."""
    pks = TASK_SCHEMA.resolve(items)  # unknown customers and owners, all reported
    customer_pks, owner_pks = pks["customer_id"], pks["owner_email"]
    rows = []
    for row, owner_pk in zip(_with_customer_pks(items, customer_pks), owner_pks, strict=True):
        if "owner_email" in row:
            del row["owner_email"]
            row["owner_id"] = owner_pk
        rows.append(row)
    return upsert_rows(Task, rows, key="task_id", fields=TASK_FIELDS)


@transaction.atomic
def task_create(
    *,
    customer: Customer,
    kind: str,
    title: str,
    due_at: datetime | None,
    owner: TeamMember | None = None,
) -> Task:
    """One task made here (not ingested): its id is ours, `task_...`. The sales handoff's
    first check-in is one."""
    return Task.objects.create(
        task_id=new_public_id("task"),
        customer=customer,
        kind=kind,
        owner=owner,
        title=title[:200],
        due_at=due_at,
    )


@dataclass(frozen=True, slots=True)
class TasksCompleted:
    completed: int  # completed now
    already: int  # were completed before
    missing: int  # asked for, but absent (deleted, or not the owner's)


@transaction.atomic
def tasks_complete(
    *, task_pks: Sequence[int], now: datetime, owner_pk: int | None = None
) -> TasksCompleted:
    """Complete the open tasks among `task_pks` (only those `owner_pk` owns, when given) at
    `now`: one batch through `tasks_bulk_upsert`, the write the API's task ingestion makes."""
    rows = Task.objects.select_for_update(of=("self",)).filter(pk__in=task_pks)
    if owner_pk is not None:
        rows = rows.filter(owner_id=owner_pk)
    found = list(
        rows.values_list("task_id", "customer__customer_id", "kind", "title", "completed_at")
    )
    items = [
        {"task_id": tid, "customer_id": cid, "kind": kind, "title": title, "completed_at": now}
        for tid, cid, kind, title, done in found
        if done is None
    ]
    if items:
        tasks_bulk_upsert(items=items)
    asked = len(set(task_pks))
    return TasksCompleted(len(items), len(found) - len(items), asked - len(found))
