"""The platform's public read API for higher apps (the cockpit): typed readers returning
frozen dataclasses in a fixed number of queries."""

from dataclasses import dataclass
from datetime import datetime

from .models import Event

__all__ = ["EventLine", "latest_events"]


@dataclass(frozen=True, slots=True)
class EventLine:
    pk: int
    event_id: str
    type: str
    customer_id: str | None  # the customer's integration key (events store it, not a FK)
    created_at: datetime
    status: str


def latest_events(*, limit: int = 10) -> list[EventLine]:
    """The outbox's newest events (by created_at, then pk), private ones included: the reader
    is staff. One query."""
    rows = Event.objects.order_by("-created_at", "-pk").values_list(
        "pk", "event_id", "type", "customer_id", "created_at", "status"
    )[:limit]
    return [EventLine(*row) for row in rows]
