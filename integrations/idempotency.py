"""Idempotent POSTs (DESIGN.md section 3).

The first request with a client's key inserts an `in_progress` row and commits it; the unique
(client, key) constraint makes that insert the lock, so concurrent duplicates see the row.
The handler's effects and the stored response then commit in one transaction, so a crash
leaves either both or neither; an `in_progress` row older than the lock timeout is taken over.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from . import parsers
from .errors import IdempotencyKeyInUse, IdempotencyKeyReused, InvalidIdempotencyKey
from .models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
_REPLAYED_RESPONSE_HEADERS = ("Location",)
# Transient outcomes are not stored: the client should be free to retry them with the key.
_NOT_STORED = {409, 429}


@dataclass(frozen=True)
class Claim:
    """The outcome of `idempotency_claim`: either ours to run, or a stored response."""

    record: IdempotencyRecord
    replay: bool


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    try:
        data = parsers.loads(body)
        canonical = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    except ValueError:  # not JSON the API accepts: the parser will refuse it; hash the bytes
        canonical = body
    digest = hashlib.sha256()
    for part in (method.encode(), b"\n", path.encode(), b"\n", canonical):
        digest.update(part)
    return digest.hexdigest()


def validate_key(key: str) -> str:
    if not 1 <= len(key) <= 255 or not all(32 <= ord(c) < 127 for c in key):
        raise InvalidIdempotencyKey()
    return key


def idempotency_claim(*, client: str, key: str, fingerprint: str, method: str, path: str) -> Claim:
    now = timezone.now()
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                client=client,
                key=key,
                fingerprint=fingerprint,
                method=method,
                path=path[:500],
                created_at=now,
                locked_at=now,
            )
        return Claim(record=record, replay=False)
    except IntegrityError:
        record = IdempotencyRecord.objects.get(client=client, key=key)

    if record.created_at < now - settings.CS_HUB_IDEMPOTENCY_TTL:
        record.delete()  # expired but not yet purged: the key is free again
        return idempotency_claim(
            client=client, key=key, fingerprint=fingerprint, method=method, path=path
        )
    if record.fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    if record.state == IdempotencyRecord.State.COMPLETED:
        return Claim(record=record, replay=True)
    stale_before = now - settings.CS_HUB_IDEMPOTENCY_LOCK_TIMEOUT
    taken = IdempotencyRecord.objects.filter(
        pk=record.pk, state=IdempotencyRecord.State.IN_PROGRESS, locked_at__lt=stale_before
    ).update(locked_at=now)
    if taken:
        record.locked_at = now
        return Claim(record=record, replay=False)
    remaining = record.locked_at + settings.CS_HUB_IDEMPOTENCY_LOCK_TIMEOUT - now
    raise IdempotencyKeyInUse(wait=max(1, min(5, int(remaining.total_seconds()))))


def is_storable(response: Response) -> bool:
    return response.status_code < 500 and response.status_code not in _NOT_STORED


def idempotency_complete(*, record: IdempotencyRecord, response: Response) -> None:
    """Store the response; call inside the transaction that holds the handler's effects."""
    body = JSONRenderer().render(response.data).decode() if response.data is not None else ""
    headers = {h: response[h] for h in _REPLAYED_RESPONSE_HEADERS if response.has_header(h)}
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        state=IdempotencyRecord.State.COMPLETED,
        response_status=response.status_code,
        response_body=body,
        response_headers=headers,
        completed_at=timezone.now(),
    )


def idempotency_release(*, record: IdempotencyRecord) -> None:
    """Forget an in-progress claim whose request failed transiently, so a retry may run."""
    IdempotencyRecord.objects.filter(
        pk=record.pk, state=IdempotencyRecord.State.IN_PROGRESS
    ).delete()


def replay_response(record: IdempotencyRecord) -> HttpResponse:
    """The stored bytes, exactly: a replay is indistinguishable from the original."""
    response = HttpResponse(
        record.response_body, status=record.response_status, content_type="application/json"
    )
    for name, value in {**record.response_headers, REPLAYED_HEADER: "true"}.items():
        response[name] = value
    return response


def purge_expired(*, older_than: timedelta | None = None) -> int:
    cutoff = timezone.now() - (older_than or settings.CS_HUB_IDEMPOTENCY_TTL)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
