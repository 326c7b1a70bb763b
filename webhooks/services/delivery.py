"""Sending deliveries: claim due rows under a lease, POST, log the attempt, schedule the
retry (DESIGN.md section 4; README "Webhooks").

Due rows are `next_attempt_at` rows swept by beat (`webhooks.dispatch_due`), never Celery
ETAs. Claiming moves `next_attempt_at` past the send's worst case (the lease); the value is the
claim's token, so a second claim of the same row (a re-sweep after a lost worker) makes the
first sender's result be ignored instead of recorded twice. Delivery is at least once; the
`webhook-id` (the event id) lets receivers drop repeats.
"""

import json
import logging
import random
import re
import time
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import SplitResult

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..choices import DeliveryStatus, DisabledReason
from ..errors import UnsafeUrl
from ..models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from . import addresses, claims, endpoints, signing, transport

logger = logging.getLogger(__name__)

# Seconds before attempt 1, 2, ... 10: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h,
# 20 h, 24 h. After the 10th failure the delivery has failed.
SCHEDULE = (0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)
JITTER = 0.1  # each wait is stretched or shrunk by up to 10 %
MAX_RETRY_AFTER = 86400
FAILING_DISABLE_AFTER = timedelta(days=5)
MAX_BODY_BYTES = 20 * 1024
DISPATCH_BATCH = 500
LANE_SECONDS = 1.0  # how long one deliver task keeps sending its endpoint's due deliveries


def timeout_seconds() -> float:
    return float(getattr(settings, "WEBHOOKS_TIMEOUT_SECONDS", 15))


def _lease() -> timedelta:
    return timedelta(seconds=timeout_seconds() + 60)


def kick_dispatch() -> None:
    """Ask a worker to send what is due now; if the broker is down, beat's sweep does."""
    from ..tasks import dispatch_due

    try:
        dispatch_due.apply_async(retry=False)
    except Exception:
        logger.warning("webhook dispatch not enqueued; the periodic sweep will pick it up")


def dispatch_after_fan_out() -> None:
    """The relay's nudge once its fan-out committed: the relay already runs on a worker, so
    it claims here and hands the sends straight to the `webhooks` queue (one task hop fewer
    than enqueuing the sweep). If that fails, the sweep task is enqueued; failing that, beat
    sweeps."""
    if _eager():
        kick_dispatch()
        return
    try:
        dispatch_due()
    except Exception:
        logger.warning("webhook dispatch after fan-out failed; enqueuing the sweep")
        kick_dispatch()


def claim_due(
    *, limit: int = DISPATCH_BATCH, endpoint_pk: int | None = None
) -> list[tuple[int, str]]:
    """Lease the due deliveries of enabled endpoints within the per-endpoint concurrency
    limit (claims.py): [(delivery pk, lease token)]."""
    return claims.claim(lease=_lease(), limit=limit, endpoint_pk=endpoint_pk)


def _eager() -> bool:
    return bool(current_app.conf.task_always_eager)


def dispatch_due(endpoint_pk: int | None = None) -> int:
    """Beat's sweep (and the nudges): claim what is due and hand each delivery to its own
    task, so one slow receiver holds its own slots, not the others' deliveries. Without a
    broker (eager tasks, the embedded setup) every send runs here, in turn: the freed slots
    are claimed again until nothing is due."""
    from ..tasks import deliver

    total = 0
    while True:
        claimed = claim_due(endpoint_pk=endpoint_pk)
        for pk, token in claimed:
            deliver.apply_async(args=(pk, token), retry=False)
        total += len(claimed)
        if not claimed or not _eager():
            return total


def _holds(delivery: WebhookDelivery, token: str) -> bool:
    """Is the claim that issued `token` still the delivery's current one?"""
    claimed = delivery.status == DeliveryStatus.PENDING and delivery.next_attempt_at is not None
    return claimed and delivery.next_attempt_at == datetime.fromisoformat(token)


def body_for(delivery: WebhookDelivery) -> bytes:
    """`{"type", "timestamp", "data"}`; data over 20 KB is replaced by a link to the event."""
    event = delivery.event
    data: dict[str, Any] = {"customer_id": event.customer_id, **event.data}
    payload = {"type": event.type, "timestamp": event.created_at.isoformat(), "data": data}
    body = json.dumps(payload, separators=(",", ":"), default=str).encode()
    if len(body) >= MAX_BODY_BYTES:
        base = str(getattr(settings, "CS_HUB_PUBLIC_URL", "")).rstrip("/")
        payload["data"] = {
            "customer_id": event.customer_id,
            "truncated": True,
            "url": f"{base}/api/v1/events?event_id={event.event_id}",
        }
        body = json.dumps(payload, separators=(",", ":")).encode()
    return body


def deliver_lane(delivery_pk: int, token: str) -> str:
    """The `webhooks.deliver` task: send the claimed delivery; then, while its endpoint has
    more due and the lane has run under LANE_SECONDS, claim the endpoint's next one (the slot
    just freed) and send it here, with no task hop per delivery. Past the budget (a slow
    receiver passes it in one attempt) the lane hands over to new tasks at the back of the
    queue, so a busy endpoint never keeps a worker from the others. The hand-over claims for
    every endpoint, not only this one: the freed slot may belong to the client, and a slow
    endpoint that always re-claimed its own would starve the client's other endpoints."""
    started = time.monotonic()
    first, endpoint_pk = _send(delivery_pk, token)
    while endpoint_pk is not None and not _eager():
        if time.monotonic() - started >= LANE_SECONDS:
            _hand_over(endpoint_pk)
            break
        claimed = claim_due(endpoint_pk=endpoint_pk, limit=1)
        if not claimed:
            break
        _, endpoint_pk = _send(*claimed[0])
    return first


def _hand_over(endpoint_pk: int) -> None:
    try:
        dispatch_due()
    except Exception:  # broker or database trouble: beat's sweep sends it
        logger.warning("webhook endpoint %s: next delivery left to the sweep", endpoint_pk)


def deliver(delivery_pk: int, token: str) -> str:
    """Send one claimed delivery once and record the outcome. Returns what happened."""
    return _send(delivery_pk, token)[0]


def _send(delivery_pk: int, token: str) -> tuple[str, int | None]:
    """deliver(), and the endpoint's pk when the outcome was recorded (its slot is free)."""
    delivery = (
        WebhookDelivery.objects.select_related("endpoint", "event").filter(pk=delivery_pk).first()
    )
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return "gone", None
    if not _holds(delivery, token):
        return "not claimed", None  # re-claimed by a later sweep: that claim sends
    endpoint = delivery.endpoint
    now = timezone.now()
    body = body_for(delivery)
    stamp = int(now.timestamp())
    msg_id = delivery.event.event_id
    headers = {
        "content-type": "application/json",
        "user-agent": "CS-Hub-Webhooks/1",
        "webhook-id": msg_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": signing.signature_header(
            endpoints.signing_secrets(endpoint, now), msg_id, stamp, body
        ),
    }
    try:
        parts = addresses.parse(endpoint.url)
        checked = addresses.resolve(parts)  # checked again: DNS may have changed
    except UnsafeUrl as exc:
        outcome = transport.Outcome(None, 0, error_class="refused_address", error=exc.message)
    else:
        outcome = _post(parts, checked, body, headers)
    result = record(delivery_pk, token, outcome, now)
    return result, (None if result == "superseded" else endpoint.pk)


def _post(
    parts: SplitResult, checked: list[str], body: bytes, headers: dict[str, str]
) -> transport.Outcome:
    """transport.post, and any error it did not foresee as a failed attempt: an attempt that
    raised instead would never be recorded, and the delivery would be re-sent each time its
    lease ends, without end and without a log row."""
    try:
        return transport.post(parts, checked, body, headers, timeout_seconds())
    except Exception as exc:
        logger.exception("webhook send to %s failed unexpectedly", parts.hostname)
        error = f"{type(exc).__name__}: {exc}"
        return transport.Outcome(None, 0, error_class="connection", error=error)


def _storable(text: str, limit: int) -> str:
    """A receiver's words as the log can keep them: PostgreSQL text refuses NUL (and a lone
    surrogate cannot be encoded), and the columns have a length."""
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")[:limit]


def record(delivery_pk: int, token: str, outcome: transport.Outcome, at: datetime) -> str:
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .select_related("endpoint")
            .filter(pk=delivery_pk)
            .first()
        )
        if delivery is None:
            return "gone"  # its endpoint was deleted during the send
        if not _holds(delivery, token):
            return "superseded"
        error = _storable(outcome.error, 500)
        WebhookAttempt.objects.create(
            delivery=delivery,
            attempted_at=at,
            succeeded=outcome.succeeded,
            status_code=outcome.status_code,
            latency_ms=outcome.latency_ms,
            response_body=_storable(outcome.response_body, transport.RESPONSE_KEEP),
            error_class=outcome.error_class,
            error=error,
        )
        delivery.attempts += 1
        delivery.leased_until = None
        delivery.last_status_code = outcome.status_code
        delivery.last_error = error
        if outcome.succeeded:
            delivery.status = DeliveryStatus.SUCCEEDED
            delivery.delivered_at = timezone.now()
            delivery.next_attempt_at = None
            delivery.save()
            if delivery.endpoint.failing_since is not None:
                WebhookEndpoint.objects.filter(
                    pk=delivery.endpoint_id, failing_since__isnull=False
                ).update(failing_since=None)
            return "succeeded"
        return _failed(delivery, outcome, timezone.now())


def _failed(delivery: WebhookDelivery, outcome: transport.Outcome, now: datetime) -> str:
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=delivery.endpoint_id)
    wait = next_wait(delivery.attempts, outcome)
    if wait is None:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
    else:
        delivery.next_attempt_at = now + wait
    delivery.save()
    if endpoint.failing_since is None:
        endpoint.failing_since = now
        # Delivery bookkeeping, which the endpoint's history leaves out: no history row.
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=now)
    if outcome.status_code == 410:
        endpoints.endpoint_disable(endpoint=endpoint, reason=DisabledReason.GONE)
        return "gone: endpoint disabled"
    if endpoint.enabled and now - endpoint.failing_since >= FAILING_DISABLE_AFTER:
        endpoints.endpoint_disable(endpoint=endpoint, reason=DisabledReason.FAILING)
        return "failing for 5 days: endpoint disabled"
    return "failed" if wait is None else "retry scheduled"


def next_wait(attempts: int, outcome: transport.Outcome) -> timedelta | None:
    """The wait before the next attempt after `attempts` failed ones, or None (give up).
    A 429 or 503 with Retry-After waits at least that long (at most 24 h)."""
    if attempts >= len(SCHEDULE):
        return None
    seconds = SCHEDULE[attempts] * random.uniform(1 - JITTER, 1 + JITTER)
    if outcome.status_code in (429, 503) and outcome.retry_after:
        asked = retry_after_seconds(outcome.retry_after)
        if asked is not None:
            seconds = max(seconds, min(asked, MAX_RETRY_AFTER))
    return timedelta(seconds=seconds)


def retry_after_seconds(value: str, now: datetime | None = None) -> float | None:
    """`Retry-After`: delay-seconds or an HTTP date. Only ASCII digits are seconds: str.isdigit
    also accepts the likes of `²`, which float() then refuses."""
    value = value.strip()
    if re.fullmatch(r"[0-9]+", value):
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - (now or timezone.now())).total_seconds())
