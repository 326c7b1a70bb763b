"""Webhooks' reads. An API key sees only the endpoints it owns (another client's are 404);
staff (owner None passed as `everyone=True`) see all."""

from django.db.models import QuerySet

from integrations.models import ApiKey

from .errors import DeliveryNotFound, EndpointNotFound
from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


def endpoint_list(*, owner: ApiKey | None) -> QuerySet[WebhookEndpoint]:
    """`owner` None: every endpoint (staff)."""
    qs = WebhookEndpoint.objects.all()
    return qs if owner is None else qs.filter(owner=owner)


def endpoint_get(endpoint_id: str, *, owner: ApiKey | None) -> WebhookEndpoint:
    endpoint = endpoint_list(owner=owner).filter(endpoint_id=endpoint_id).first()
    if endpoint is None:
        raise EndpointNotFound()
    return endpoint


def delivery_list(*, endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(endpoint=endpoint).select_related("event")


def delivery_get(delivery_id: str, *, endpoint: WebhookEndpoint) -> WebhookDelivery:
    delivery = (
        delivery_list(endpoint=endpoint)
        .select_related("endpoint")
        .filter(delivery_id=delivery_id)
        .first()
    )
    if delivery is None:
        raise DeliveryNotFound()
    return delivery


def attempt_list(*, delivery: WebhookDelivery, limit: int = 20) -> list[WebhookAttempt]:
    """The latest attempts, newest first."""
    return list(delivery.log.order_by("-attempted_at", "-id")[:limit])
