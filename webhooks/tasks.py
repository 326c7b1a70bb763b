from celery import shared_task

from .services import delivery

# Both run on the `webhooks` queue (CS_HUB_TASKS_BY_QUEUE): a dedicated pool can serve it, and
# a receiver that hangs never holds a slot the relay or the nightly jobs need.


@shared_task(name="webhooks.dispatch_due", ignore_result=True)
def dispatch_due(endpoint_pk: int | None = None) -> int:
    """Beat's sweep (and the nudge after a fan-out): claim due deliveries, one task each;
    only `endpoint_pk`'s when given."""
    return delivery.dispatch_due(endpoint_pk=endpoint_pk)


@shared_task(name="webhooks.deliver", ignore_result=True)
def deliver(delivery_pk: int, token: str) -> str:
    """Send a claimed delivery, then its endpoint's next due ones for a moment (a lane)."""
    return delivery.deliver_lane(delivery_pk, token)
