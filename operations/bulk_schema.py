"""Bulk item schemas for support tickets, survey responses and CS tasks."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from customers.bulk_schema import CUSTOMER_REF, team_member_ref
from integrations.bulk import BulkSchema, Spec, choices_of, not_after_tomorrow

from .choices import (
    DONE_TICKET_STATUSES,
    OPEN_TICKET_STATUSES,
    SURVEY_SCORE_RANGE,
    SurveyKind,
    TaskKind,
    TicketPriority,
    TicketStatus,
)

EARLIEST_YEAR = 1970
LATEST_PLANNED_YEAR = 2999


def _sane_year(value: datetime) -> None:
    # Also keeps far-out values (year 1 with a +14:00 offset) from overflowing on conversion.
    if value.year < EARLIEST_YEAR:
        raise ValueError(f"Must not be earlier than {EARLIEST_YEAR}.")


def _happened(value: datetime) -> None:
    """Something that already happened: not later than tomorrow (a day of clock skew)."""
    _sane_year(value)
    not_after_tomorrow(value)


def _planned(value: datetime) -> None:
    """A due date may lie in the future, within reason."""
    _sane_year(value)
    if value.year > LATEST_PLANNED_YEAR:
        raise ValueError(f"Must not be later than the year {LATEST_PLANNED_YEAR}.")


def _ticket_consistency(item: dict[str, Any]) -> Iterable[tuple[str, str, str]]:
    resolved_at, status = item.get("resolved_at"), item["status"]
    if status in DONE_TICKET_STATUSES and resolved_at is None:
        yield "resolved_at", "invalid", f"A ticket with status '{status}' needs resolved_at."
    if status in OPEN_TICKET_STATUSES and resolved_at is not None:
        yield "resolved_at", "invalid", f"A ticket with status '{status}' has no resolved_at."
    if resolved_at is not None and resolved_at < item["opened_at"]:
        yield "resolved_at", "invalid", "resolved_at must not be earlier than opened_at."


def _score_in_range(item: dict[str, Any]) -> Iterable[tuple[str, str, str]]:
    low, high = SURVEY_SCORE_RANGE[SurveyKind(item["kind"])]
    if item["score"] < low:
        yield "score", "min_value", f"A {item['kind']} score is at least {low}."
    elif item["score"] > high:
        yield "score", "max_value", f"A {item['kind']} score is at most {high}."


TICKET_SCHEMA = BulkSchema(
    specs=[
        Spec("ticket_id", kind="key", doc="The support system's key."),
        Spec("customer_id", kind="key"),
        Spec("opened_at", kind="datetime", check=_happened, doc="Not later than tomorrow."),
        # Left out means "not resolved": status and resolved_at always travel together.
        Spec(
            "resolved_at",
            kind="datetime",
            required=False,
            nullable=True,
            default=None,
            check=_happened,
            doc="Required for status resolved|closed, absent or null for open|pending; "
            "not before opened_at.",
        ),
        Spec("priority", **choices_of(TicketPriority)),
        Spec("status", **choices_of(TicketStatus)),
    ],
    natural_key=("ticket_id",),
    item_checks=[_ticket_consistency],
    references=[CUSTOMER_REF],
)

SURVEY_SCHEMA = BulkSchema(
    specs=[
        Spec("response_id", kind="key"),
        Spec("customer_id", kind="key"),
        Spec("respondent_email", kind="email"),
        Spec("kind", **choices_of(SurveyKind)),
        Spec("score", kind="int", min_value=0, max_value=10, doc="NPS: 0-10; CSAT: 1-5."),
        Spec("comment", required=False, max_length=10_000),
        Spec("answered_at", kind="datetime", check=_happened, doc="Not later than tomorrow."),
    ],
    natural_key=("response_id",),
    item_checks=[_score_in_range],
    references=[CUSTOMER_REF],
)

TASK_SCHEMA = BulkSchema(
    specs=[
        Spec("task_id", kind="key"),
        Spec("customer_id", kind="key"),
        Spec("kind", **choices_of(TaskKind)),
        # Optional fields left out keep their current value (or null for a new task).
        Spec(
            "owner_email",
            kind="email",
            required=False,
            nullable=True,
            doc="Email of an existing team member (CSM).",
        ),
        Spec("title", max_length=200),
        Spec("due_at", kind="datetime", required=False, nullable=True, check=_planned),
        Spec(
            "completed_at",
            kind="datetime",
            required=False,
            nullable=True,
            check=_happened,
            doc="Not later than tomorrow.",
        ),
    ],
    natural_key=("task_id",),
    references=[CUSTOMER_REF, team_member_ref("owner_email")],
)
