from celery import shared_task

from .services.expansion import expansion_score


@shared_task(
    name="sales.score_expansion", ignore_result=True, time_limit=1800, soft_time_limit=1700
)
def score_expansion() -> int:
    """Nightly, after the health run: a readiness snapshot per live customer (set-based, a
    fixed number of queries) and `expansion.ready` on each upward crossing."""
    return len(expansion_score())
