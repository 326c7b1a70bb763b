import logging

from celery import shared_task
from django.conf import settings

from .campaigns.services import campaigns_finalize
from .journey.lifecycle import lifecycle_apply_determined
from .journey.services import journey_send_due

logger = logging.getLogger(__name__)


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


@shared_task(name="marketing.apply_lifecycle_stages", ignore_result=True)
def apply_lifecycle_stages() -> dict[str, int]:
    """Nightly, after the expansion scoring its rules read: customers move to their
    determined lifecycle stage where the transition table allows it (CS_HUB_AUTO_LIFECYCLE
    switches it off). Returns the counts."""
    if not settings.CS_HUB_AUTO_LIFECYCLE:
        return {"checked": 0, "moved": 0, "not_allowed": 0, "changed_meanwhile": 0}
    result = lifecycle_apply_determined()
    if result.not_allowed:
        logger.info(
            "lifecycle: %d customer(s) determined elsewhere but not allowed to move there",
            len(result.not_allowed),
        )
    return {
        "checked": result.checked,
        "moved": len(result.moved),
        "not_allowed": len(result.not_allowed),
        "changed_meanwhile": len(result.changed_meanwhile),
    }
