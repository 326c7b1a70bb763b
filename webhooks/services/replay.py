"""Replays: one delivery again, or every matching event of an endpoint since a time."""

from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from integrations.ids import new_public_id
from integrations.models import Event

from ..catalogue import CATALOGUE
from ..choices import DeliveryStatus
from ..errors import EndpointDisabled
from ..models import WebhookDelivery, WebhookEndpoint
from .delivery import kick_dispatch

MAX_REPLAY_EVENTS = 10_000


@transaction.atomic
def delivery_replay(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send again from the start of the schedule (the same webhook-id), whatever its status."""
    if not delivery.endpoint.enabled:
        raise EndpointDisabled()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    transaction.on_commit(kick_dispatch)
    delivery.refresh_from_db()
    return delivery


def _type_filter(patterns: list[str]) -> Q:
    q = Q(pk__in=[])
    for pattern in patterns:
        if pattern.endswith(".*"):
            q |= Q(type__startswith=pattern[:-1])
        else:
            q |= Q(type=pattern)
    internal = [name for name, t in CATALOGUE.items() if not t.deliverable]
    return q & ~Q(type__in=internal)


def _about_others_endpoints(endpoint: WebhookEndpoint) -> Q:
    """`webhook.*` events about an endpoint its owner does not own (as fan-out's same-owner
    rule: one client never hears about another's endpoints, live or replayed). Events about
    a deleted endpoint are left out of a replay: nobody can be said to own it any more.
    """
    own = WebhookEndpoint.objects.filter(owner_id=endpoint.owner_id).values_list(
        "endpoint_id", flat=True
    )
    return Q(type__startswith="webhook.") & ~Q(data__endpoint_id__in=list(own))


@transaction.atomic
def endpoint_replay(*, endpoint: WebhookEndpoint, since: datetime) -> int:
    """Queue every event since `since` that the endpoint subscribes to (oldest first, at most
    MAX_REPLAY_EVENTS): existing deliveries restart their schedule, missing ones are created.
    Returns how many deliveries were queued."""
    if not endpoint.enabled:
        raise EndpointDisabled()
    event_pks = list(
        Event.objects.filter(_type_filter(endpoint.event_types), created_at__gte=since)
        .exclude(_about_others_endpoints(endpoint))
        .order_by("created_at", "id")
        .values_list("pk", flat=True)[:MAX_REPLAY_EVENTS]
    )
    now = timezone.now()
    WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                delivery_id=new_public_id("whd"),
                endpoint=endpoint,
                event_id=pk,
                created_at=now,
                next_attempt_at=now,
            )
            for pk in event_pks
        ],
        batch_size=1000,
        ignore_conflicts=True,
    )
    queued = WebhookDelivery.objects.filter(endpoint=endpoint, event_id__in=event_pks).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now
    )
    transaction.on_commit(kick_dispatch)
    return queued
