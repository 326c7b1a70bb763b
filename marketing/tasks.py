from celery import shared_task

from .campaigns.services import campaigns_finalize


@shared_task(name="marketing.finalize_campaigns", ignore_result=True)
def finalize_campaigns() -> int:
    """Daily: freeze the impact of the campaigns whose measurement window ended."""
    return len(campaigns_finalize())
