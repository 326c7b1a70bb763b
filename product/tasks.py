from celery import shared_task

from integrations.clock import today

from .services.ingestion import usage_changes_prune


@shared_task(name="product.prune_usage_changes", ignore_result=True)
def prune_usage_changes() -> int:
    """Daily: usage changes too old to touch any window a read can ask for are deleted."""
    return usage_changes_prune(today=today())
