"""Journey reads (README "Marketing: journeys"): one customer's journey status."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from customers import read as customers_read
from customers.choices import ALLOWED_TRANSITIONS
from customers.models import Customer
from customers.read import StageChange
from integrations.clock import local_day, today
from integrations.prepared import PreparedQuery
from operations import read as operations_read
from operations.read import OpenInterventionRefs

from ..choices import TouchpointStatus
from ..models import JourneyStage, Touchpoint
from .recommendations import Action, health_facts, next_actions

RECENT_DAYS = 90
LIST_CAP = 50  # pending and recent touchpoints listed at most
DONE_STATUSES = (TouchpointStatus.SENT, TouchpointStatus.SUPPRESSED, TouchpointStatus.CANCELLED)


# Read on every journey status: compiled once per thread (integrations.prepared).
_STAGE: PreparedQuery[Any] = PreparedQuery(
    lambda stage: JourneyStage.objects.filter(stage=stage), stage=str
)
_PENDING: PreparedQuery[Any] = PreparedQuery(
    lambda customer_pk: Touchpoint.objects.filter(
        customer_id=customer_pk, status=TouchpointStatus.SCHEDULED
    ).order_by("scheduled_for", "id")[:LIST_CAP],
    customer_pk=int,
)
_RECENT: PreparedQuery[Any] = PreparedQuery(
    lambda customer_pk, since: Touchpoint.objects.filter(
        customer_id=customer_pk, status__in=DONE_STATUSES, status_changed_at__gte=since
    ).order_by("-status_changed_at", "-id")[:LIST_CAP],
    customer_pk=int,
    since=datetime,
)


@dataclass(frozen=True)
class JourneyStatus:
    customer: Customer
    stage: str
    since: datetime
    days_in_stage: int
    allowed_next_stages: tuple[str, ...]
    description: str
    recommended_actions: list[Action]
    open_interventions: OpenInterventionRefs
    pending: list[Touchpoint]
    recent: list[Touchpoint]
    history: tuple[StageChange, ...]


def journey_status(customer_id: str, *, now: datetime | None = None) -> JourneyStatus:
    """The customer's stage, since when (its latest lifecycle change; the customer's creation
    without history), whole local days in it, the next actions, pending touchpoints (soonest
    first) and recent ones (settled in the last 90 days, newest first), each capped at 50,
    and the full history (newest first). Nine queries at most, whatever the history's size."""
    now = now or timezone.now()
    customer = customers_read.customer_get(customer_id)
    stage = customer.lifecycle_stage
    config = _STAGE.first(stage=stage)
    history = customers_read.lifecycle_histories([customer.pk])[customer.pk]
    since = history[0].changed_at if history else customer.created_at
    refs = operations_read.open_intervention_refs([customer.pk]).get(customer.pk)
    facts = health_facts(customer.pk, stage, refs, today(now))
    pending = _PENDING.all(customer_pk=customer.pk)
    recent = _RECENT.all(customer_pk=customer.pk, since=now - timedelta(days=RECENT_DAYS))
    return JourneyStatus(
        customer=customer,
        stage=stage,
        since=since,
        days_in_stage=max(0, (today(now) - local_day(since)).days),
        allowed_next_stages=ALLOWED_TRANSITIONS.get(stage, ()),
        description=config.description if config else "",
        recommended_actions=next_actions(config.recommended_actions if config else [], facts),
        open_interventions=refs or OpenInterventionRefs(),
        pending=pending,
        recent=recent,
        history=history,
    )
