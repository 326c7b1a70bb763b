"""Fan-out: the relay hands each event here (registered in WebhooksConfig.ready) and one
delivery row is created per matching enabled endpoint, in the relay's transaction, so an event
is marked done exactly when its deliveries exist. Sending happens after the commit."""

import threading

from django.db import transaction
from django.utils import timezone

from integrations.ids import new_public_id
from integrations.models import Event

from ..catalogue import matches
from ..models import WebhookDelivery, WebhookEndpoint

_batch = threading.local()


def _subscribers(types: set[str]) -> dict[str, list[tuple[int, str | None]]]:
    """type -> [(endpoint pk, owner pk)] of the enabled endpoints subscribed to it. A revoked
    or expired key's endpoints receive nothing (they come back if the key is restored)."""
    endpoints = list(
        WebhookEndpoint.objects.filter(enabled=True)
        .exclude(owner__revoked=True)
        .exclude(owner__expiry_date__lt=timezone.now())
        .values_list("pk", "owner_id", "event_types")
    )
    return {t: [(pk, owner) for pk, owner, pats in endpoints if matches(pats, t)] for t in types}


def prefetch_matches(batch: list[Event]) -> None:
    """The relay's per-batch look-up: the subscriptions are read once for the whole batch."""
    _batch.subscribers = _subscribers({e.type for e in batch})
    _batch.event_pks = {e.pk for e in batch}
    _batch.kicked = False


def fan_out(event: Event) -> None:
    in_batch = event.pk in getattr(_batch, "event_pks", ())
    if in_batch:
        targets = _batch.subscribers.get(event.type, [])
    else:  # called outside the relay's batch
        targets = _subscribers({event.type})[event.type]
    if event.type.startswith("webhook."):
        targets = _same_owner(event, targets)
    if not targets:
        return
    now = timezone.now()
    WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                delivery_id=new_public_id("whd"),
                endpoint_id=pk,
                event=event,
                created_at=now,
                next_attempt_at=now,
            )
            for pk, _ in targets
        ],
        ignore_conflicts=True,  # a re-handled event does not deliver twice
    )
    if not (in_batch and _batch.kicked):  # one nudge per batch (beat sweeps anyway)
        transaction.on_commit(kick_dispatch)
        _batch.kicked = in_batch


def _same_owner(
    event: Event, targets: list[tuple[int, str | None]]
) -> list[tuple[int, str | None]]:
    """Events about an endpoint go only to its owner's other endpoints."""
    owner = (
        WebhookEndpoint.objects.filter(endpoint_id=event.data.get("endpoint_id"))
        .values_list("owner_id", flat=True)
        .first()
    )
    return [(pk, o) for pk, o in targets if o == owner]


def kick_dispatch() -> None:
    from . import delivery

    delivery.dispatch_after_fan_out()
