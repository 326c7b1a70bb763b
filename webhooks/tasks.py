from celery import shared_task

from .services import delivery


@shared_task(name="webhooks.dispatch_due", ignore_result=True)
def dispatch_due() -> int:
    """Beat's sweep (and the nudge after a fan-out): claim due deliveries, one task each."""
    return delivery.dispatch_due()


@shared_task(name="webhooks.deliver", ignore_result=True)
def deliver(delivery_pk: int, token: str) -> str:
    return delivery.deliver(delivery_pk, token)
