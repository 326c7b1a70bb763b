from celery import shared_task

from . import events, idempotency


@shared_task(name="integrations.relay_events", ignore_result=True)
def relay_events() -> int:
    return events.relay_pending()


@shared_task(name="integrations.purge_idempotency_keys", ignore_result=True)
def purge_idempotency_keys() -> int:
    return idempotency.purge_expired()
