"""The event outbox (DESIGN.md section 4).

`publish()` writes an Event row in the caller's transaction and, once that commits, nudges the
relay task. The relay claims pending rows with `SELECT ... FOR UPDATE SKIP LOCKED`, runs the
handlers registered for each type inside the claiming transaction (so a handler's database
effects and the `done` mark commit together: exactly once), and backs off on failure. Beat
also sweeps every few seconds, so an event committed while the broker is down is still
handled once the broker is back. Handlers must be idempotent for their external effects.
"""

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .ids import new_public_id
from .models import Event

logger = logging.getLogger(__name__)

Handler = Callable[[Event], None]
Prefetch = Callable[[list[Event]], None]
_handlers: dict[str, list[Handler]] = defaultdict(list)
_prefetches: list[Prefetch] = []

MAX_ATTEMPTS = 8
RELAY_BATCH = 200


def register_handler(event_type: str, handler: Handler) -> None:
    """Register from an AppConfig.ready(); a handler sees every event of the type."""
    if handler not in _handlers[event_type]:
        _handlers[event_type].append(handler)


def unregister_handler(event_type: str, handler: Handler) -> None:
    if handler in _handlers[event_type]:
        _handlers[event_type].remove(handler)


def register_prefetch(prefetch: Prefetch) -> None:
    """Register a consumer's read-only look-up run once per claimed batch, before the handlers
    (webhooks loads the subscriptions once per batch, not once per event). It must not write:
    an exception rolls the whole batch back to pending."""
    if prefetch not in _prefetches:
        _prefetches.append(prefetch)


def handlers_for(event_type: str) -> list[Handler]:
    return list(_handlers.get(event_type, ())) + list(_handlers.get("*", ()))


def publish(
    event_type: str,
    *,
    customer_id: str | None = None,
    data: dict[str, Any],
    private: bool = False,
    owner_client_id: str | None = None,
) -> Event:
    """Write the event in the caller's transaction. `private` (implied by `owner_client_id`,
    an ApiKey pk) keeps it out of other clients' event feed (README "Webhooks")."""
    now = timezone.now()
    event = Event.objects.create(
        event_id=new_public_id("evt"),
        type=event_type,
        customer_id=customer_id,
        data=data,
        created_at=now,
        next_attempt_at=now,
        private=private or owner_client_id is not None,
        owner_client_id=owner_client_id,
    )
    transaction.on_commit(kick_relay)
    return event


def publish_many(items: Iterable[tuple[str, str | None, dict[str, Any]]]) -> int:
    """Publish (type, customer_id, data) events with one bulk insert; for batch writers."""
    now = timezone.now()
    rows = [
        Event(
            event_id=new_public_id("evt"),
            type=event_type,
            customer_id=customer_id,
            data=data,
            created_at=now,
            next_attempt_at=now,
        )
        for event_type, customer_id, data in items
    ]
    if rows:
        Event.objects.bulk_create(rows, batch_size=2000)
        transaction.on_commit(kick_relay)
    return len(rows)


def events_retry(*, event_pks: Iterable[int]) -> int:
    """Make the given events that are not done due now (the admin's retry); nudge the relay."""
    count = (
        Event.objects.filter(pk__in=list(event_pks))
        .exclude(status=Event.Status.DONE)
        .update(status=Event.Status.PENDING, next_attempt_at=timezone.now())
    )
    if count:
        transaction.on_commit(kick_relay)
    return count


def kick_relay() -> None:
    """Ask a worker to relay now. If the broker is unreachable the beat sweep catches up."""
    from .tasks import relay_events  # tasks import this module

    try:
        relay_events.apply_async(retry=False)
    except Exception:  # broker down: never fail the committed request because of it
        logger.warning("event relay not enqueued; the periodic sweep will pick it up")


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 5 * 2 ** (attempts - 1)))


def relay_pending(*, batch_size: int = RELAY_BATCH, max_batches: int = 50) -> int:
    """Handle due pending events; return how many were processed (done or failed attempts)."""
    processed = 0
    for _ in range(max_batches):
        with transaction.atomic():
            now = timezone.now()
            batch = list(
                Event.objects.select_for_update(skip_locked=True)
                .filter(status=Event.Status.PENDING, next_attempt_at__lte=now)
                .order_by("id")[:batch_size]
            )
            if not batch:
                break
            for prefetch in _prefetches:
                prefetch(batch)
            for event in batch:
                _handle(event, now)
            _save_outcomes(batch, now)
            processed += len(batch)
        if len(batch) < batch_size:
            break
    return processed


def _save_outcomes(batch: list[Event], now: Any) -> None:
    """Most events succeed: mark those with one UPDATE by id; only the failures (each with
    its own attempts, error and next time) go through bulk_update's per-row CASE."""
    done = [e.pk for e in batch if e.status == Event.Status.DONE]
    if done:
        Event.objects.filter(pk__in=done).update(
            status=Event.Status.DONE,
            attempts=F("attempts") + 1,
            processed_at=now,
            last_error="",
        )
    failed = [e for e in batch if e.status != Event.Status.DONE]
    if failed:
        Event.objects.bulk_update(
            failed, ["status", "attempts", "next_attempt_at", "processed_at", "last_error"]
        )


def _handle(event: Event, now: Any) -> None:
    try:
        with transaction.atomic():  # a savepoint: a failing handler undoes only its own event
            for handler in handlers_for(event.type):
                handler(event)
    except Exception as exc:
        event.attempts += 1
        event.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if event.attempts >= MAX_ATTEMPTS:
            event.status = Event.Status.FAILED
            logger.error("event %s failed permanently: %s", event.event_id, event.last_error)
        else:
            event.next_attempt_at = now + _backoff(event.attempts)
        return
    event.attempts += 1
    event.status = Event.Status.DONE
    event.processed_at = now
    event.last_error = ""
