"""Webhook endpoints for tests outside tests/webhooks (path-parameter sweeps: `c1`)."""

from typing import Any, cast

from integrations.models import ApiKey
from webhooks.models import WebhookEndpoint
from webhooks.services.endpoints import endpoint_create


def endpoint_for(client: Any, endpoint_id: str = "c1", **fields: Any) -> WebhookEndpoint:
    """An endpoint owned by the key of `client` (a KeyedAPIClient, or the raw key), with a
    chosen id."""
    hook = endpoint_create(
        owner=cast(ApiKey, ApiKey.objects.get_from_key(getattr(client, "raw_key", client))),
        url=fields.pop("url", f"https://hooks.example.com/{endpoint_id}"),
        event_types=fields.pop("event_types", ["customer.*"]),
        **fields,
    )
    WebhookEndpoint.objects.filter(pk=hook.pk).update(endpoint_id=endpoint_id)
    hook.endpoint_id = endpoint_id
    return hook
