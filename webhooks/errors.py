"""Webhooks' domain errors (integrations.domain_errors kinds, stable codes)."""

from integrations.domain_errors import Conflict, Invalid, NotFound


class EndpointNotFound(NotFound):
    default_message = "No webhook endpoint with this endpoint_id."
    default_code = "webhook_endpoint_not_found"


class DeliveryNotFound(NotFound):
    default_message = "No delivery with this delivery_id on this endpoint."
    default_code = "webhook_delivery_not_found"


class UnsafeUrl(Invalid):
    """The URL is not https (in production) or resolves to an address the platform must not
    call (loopback, private, link-local, metadata)."""

    default_message = "This URL cannot receive webhooks."
    default_code = "unsafe_webhook_url"

    def __init__(self, message: str) -> None:
        super().__init__(message, attr="url")


class UnknownEventType(Invalid):
    default_message = "Unknown event type."
    default_code = "unknown_event_type"

    def __init__(self, message: str) -> None:
        super().__init__(message, attr="event_types")


class EndpointDisabled(Conflict):
    default_message = "The endpoint is disabled; enable it (PATCH enabled=true) to replay."
    default_code = "webhook_endpoint_disabled"
