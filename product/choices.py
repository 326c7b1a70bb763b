from django.db import models


class FeedbackType(models.TextChoices):
    FEATURE_REQUEST = "feature_request"
    BUG = "bug"
    IMPROVEMENT = "improvement"
    EXPANSION_REQUEST = "expansion_request"
    INTEGRATION_REQUEST = "integration_request"
    USABILITY = "usability"
    PERFORMANCE = "performance"
    OTHER = "other"


class FeedbackPriority(models.TextChoices):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class BusinessImpact(models.TextChoices):
    NICE_TO_HAVE = "nice_to_have"
    IMPORTANT = "important"
    CRITICAL_FOR_SUCCESS = "critical_for_success"
    BLOCKER = "blocker"


class FeedbackStatus(models.TextChoices):
    SUBMITTED = "submitted"
    REVIEWING = "reviewing"
    COMMITTED = "committed"
    DELIVERED = "delivered"
    DECLINED = "declined"


_F = FeedbackStatus
# The delivery commitment's life: the product system moves it along. A committed item may be
# re-committed (a new target); delivered and declined are final.
FEEDBACK_TRANSITIONS: dict[str, tuple[str, ...]] = {
    _F.SUBMITTED: (_F.REVIEWING, _F.DECLINED),
    _F.REVIEWING: (_F.COMMITTED, _F.DECLINED),
    _F.COMMITTED: (_F.COMMITTED, _F.DELIVERED, _F.DECLINED),
    _F.DELIVERED: (),
    _F.DECLINED: (),
}
OPEN_STATUSES = (_F.SUBMITTED, _F.REVIEWING, _F.COMMITTED)
