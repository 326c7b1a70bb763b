"""Subscriptions: create, change, delete, rotate the secret, disable."""

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from integrations import events
from integrations.ids import new_public_id
from integrations.models import ApiKey

from ..catalogue import validate_patterns
from ..choices import DeliveryStatus, DisabledReason
from ..models import WebhookDelivery, WebhookEndpoint
from . import addresses, signing

# The old secret keeps signing (beside the new one) this long after a rotation.
ROTATION_OVERLAP = timedelta(hours=24)


@transaction.atomic
def endpoint_create(
    *,
    owner: ApiKey | None,
    url: str,
    event_types: Sequence[str],
    description: str = "",
    enabled: bool = True,
) -> WebhookEndpoint:
    """Refuses unsafe URLs (addresses.check_url) and unknown event types. The secret is
    returned on the instance; the API shows it in this response only."""
    addresses.check_url(url)
    now = timezone.now()
    return WebhookEndpoint.objects.create(
        endpoint_id=new_public_id("whe"),
        owner=owner,
        url=url,
        description=description,
        event_types=validate_patterns(event_types),
        enabled=enabled,
        secret=signing.new_secret(),
        created_at=now,
        updated_at=now,
    )


def _locked(endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """The endpoint's row, locked and read afresh: concurrent changes (two rotations, a PATCH
    beside a rotation or a 410 disable) apply one after the other instead of the last save
    writing back what it read before the other committed (a rotated secret that was handed
    out would be lost)."""
    return WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)


@transaction.atomic
def endpoint_update(*, endpoint: WebhookEndpoint, data: dict[str, Any]) -> WebhookEndpoint:
    """Change url, description, event_types or enabled. Re-enabling clears the disabled
    reason and the failure streak: an endpoint paused by hand sends its pending deliveries
    then; one disabled by failures (410, 5 days) has none left. Returns the endpoint as
    saved."""
    if "url" in data and data["url"] != endpoint.url:
        addresses.check_url(data["url"])  # DNS outside the lock
    patterns = validate_patterns(data["event_types"]) if "event_types" in data else None
    endpoint = _locked(endpoint)
    changed = ["updated_at"]
    if "url" in data and data["url"] != endpoint.url:
        endpoint.url = data["url"]
        changed.append("url")
    if patterns is not None:
        endpoint.event_types = patterns
        changed.append("event_types")
    if "description" in data:
        endpoint.description = data["description"]
        changed.append("description")
    if "enabled" in data and data["enabled"] != endpoint.enabled:
        if endpoint.disabled_reason:
            _fail_pending(endpoint, endpoint.disabled_reason)
        endpoint.enabled = data["enabled"]
        endpoint.disabled_reason = DisabledReason.NONE
        endpoint.disabled_at = None if endpoint.enabled else timezone.now()
        endpoint.failing_since = None
        changed += ["enabled", "disabled_reason", "disabled_at", "failing_since"]
    endpoint.updated_at = timezone.now()
    endpoint.save(update_fields=changed)
    return endpoint


@transaction.atomic
def endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    endpoint.delete()


@transaction.atomic
def endpoint_rotate_secret(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """A new secret; the current one stays valid (both signatures sent) for 24 hours. Two
    rotations at once run in turn, so each secret handed out signs (the first as the
    previous one)."""
    endpoint = _locked(endpoint)
    now = timezone.now()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = now + ROTATION_OVERLAP
    endpoint.secret = signing.new_secret()
    endpoint.updated_at = now
    endpoint.save(
        update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"]
    )
    return endpoint


def _fail_pending(endpoint: WebhookEndpoint, reason: str) -> None:
    """Pending deliveries of an endpoint disabled by failures fail. Also when it is enabled
    again: the relay may have fanned an event out to it from a subscription list read just
    before the disable committed, and that delivery must not go out on re-enabling."""
    WebhookDelivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.FAILED,
        next_attempt_at=None,
        leased_until=None,
        last_error=f"endpoint disabled ({reason})",
    )


def signing_secrets(endpoint: WebhookEndpoint, now: Any) -> list[str]:
    """The secrets a delivery is signed with now: the current one, plus the previous one
    during its overlap."""
    out = [endpoint.secret]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and now < expires:
        out.append(endpoint.previous_secret)
    return out


def endpoint_disable(*, endpoint: WebhookEndpoint, reason: str) -> None:
    """Disable (410 Gone, or failing for 5 days): its pending deliveries fail, and
    `webhook.endpoint_disabled` is published (delivered to the owner's other endpoints).
    Runs in the caller's transaction."""
    now = timezone.now()
    endpoint.enabled = False
    endpoint.disabled_reason = reason
    endpoint.disabled_at = now
    endpoint.updated_at = now
    endpoint._change_reason = f"disabled automatically ({reason})"  # type: ignore[attr-defined]
    endpoint.save(update_fields=["enabled", "disabled_reason", "disabled_at", "updated_at"])
    _fail_pending(endpoint, reason)
    # Private: GET /api/v1/events lists it to the endpoint's owner only (a staff-made
    # endpoint's to staff only). Still no URL in the data.
    events.publish(
        "webhook.endpoint_disabled",
        data={"endpoint_id": endpoint.endpoint_id, "reason": reason},
        private=True,
        owner_client_id=endpoint.owner_id,
    )
