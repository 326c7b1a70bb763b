from celery import shared_task

from integrations.clock import today

from .services.ingestion import usage_changes_prune
from .services.partitions import usage_partitions_maintain


@shared_task(name="product.prune_usage_changes", ignore_result=True)
def prune_usage_changes() -> int:
    """Daily: usage changes too old to touch any window a read can ask for are deleted."""
    return usage_changes_prune(today=today())


@shared_task(name="product.maintain_usage_partitions", ignore_result=True)
def maintain_usage_partitions() -> str:
    """Daily: usage's monthly partitions on PostgreSQL, the months ahead created and those past
    retention dropped (README "Usage partitions"); logs what it did; SQLite: a no-op."""
    return usage_partitions_maintain(today=today()).text()
