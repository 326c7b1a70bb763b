from celery import shared_task

from .health.rescore import health_rescore_run
from .health.services import health_recompute


@shared_task(
    name="customers.recompute_health", ignore_result=True, time_limit=1800, soft_time_limit=1700
)
def recompute_health() -> int:
    """Nightly: a snapshot for every live customer (set-based, a fixed number of queries)."""
    return sum(1 for r in health_recompute().values() if r.score is not None)


@shared_task(
    name="customers.rescore_everyone", ignore_result=True, time_limit=3600, soft_time_limit=3500
)
def rescore_everyone(run_pk: int) -> None:
    """A rescore requested from the admin after a health model change (progress on the run)."""
    health_rescore_run(run_pk=run_pk)
