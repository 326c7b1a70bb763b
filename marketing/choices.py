from django.db import models


class TriggerType(models.TextChoices):
    """The CS signal a campaign answers (the health read-out recommends them)."""

    HEALTH_DECLINE = "health_decline"
    LOW_ADOPTION = "low_adoption"
    LOW_ENGAGEMENT = "low_engagement"
    RENEWAL_DUE = "renewal_due"
    EXPANSION_READY = "expansion_ready"
    PROMOTER = "promoter"
    ONBOARDING = "onboarding"
    MANUAL = "manual"


class CampaignType(models.TextChoices):
    RETENTION = "retention"
    ADOPTION = "adoption"
    ONBOARDING = "onboarding"
    RENEWAL = "renewal"
    EXPANSION = "expansion"
    ADVOCACY = "advocacy"


class AudienceMatch(models.TextChoices):
    ANY = "any"
    ALL = "all"


class MemberGroup(models.TextChoices):
    TREATED = "treated"
    HOLDOUT = "holdout"


class TouchpointKind(models.TextChoices):
    PROMOTIONAL = "promotional"
    EDUCATIONAL = "educational"
    TRANSACTIONAL = "transactional"


class TouchpointChannel(models.TextChoices):
    EMAIL = "email"
    IN_APP = "in_app"
    WEBINAR = "webinar"
    SMS = "sms"
    CALL = "call"


class TouchpointStatus(models.TextChoices):
    SCHEDULED = "scheduled"  # waiting for its time
    SENT = "sent"  # handed to the marketing system (touchpoint.due published)
    SUPPRESSED = "suppressed"  # promotional while an intervention was open; see the reason
    CANCELLED = "cancelled"  # the customer moved to at_risk or churned before it was due


class CampaignStatus(models.TextChoices):
    """running until ends_at, then finished (finalized by the daily sweep)."""

    RUNNING = "running"
    FINISHED = "finished"


class JourneySource(models.TextChoices):
    """The lifecycle-history sources (customers' StageChangeSource) an API client may name
    on a journey move; `admin`, `system` and `handoff` are CS Hub's own."""

    API = "api"
    IMPORT = "import"
