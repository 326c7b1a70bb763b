from celery import shared_task

from .campaigns.services import campaigns_finalize
from .journey.services import journey_send_due


@shared_task(name="marketing.finalize_campaigns", ignore_result=True)
def finalize_campaigns() -> int:
    """Daily: freeze the impact of the campaigns whose measurement window ended."""
    return len(campaigns_finalize())


@shared_task(name="marketing.send_due_touchpoints", ignore_result=True)
def send_due_touchpoints() -> int:
    """Every minute: due journey touchpoints are sent (`touchpoint.due`), suppressed, or
    cancelled (of a stage the customer has left)."""
    result = journey_send_due()
    return result.sent + result.suppressed + result.cancelled
