from django.db import models


class Segment(models.TextChoices):
    ENTERPRISE = "enterprise"
    MID_MARKET = "mid_market"
    SMALL_BUSINESS = "small_business"


class CustomerStatus(models.TextChoices):
    ACTIVE = "active"
    CHURNED = "churned"


class LifecycleStage(models.TextChoices):
    ONBOARDING = "onboarding"
    ADOPTION = "adoption"
    VALUE_REALIZATION = "value_realization"
    EXPANSION = "expansion"
    RENEWAL = "renewal"
    ADVOCACY = "advocacy"
    AT_RISK = "at_risk"
    CHURNED = "churned"


_S = LifecycleStage
# Where a customer may go from each stage. Any live stage may fall to at_risk or churned; a
# churned customer comes back only through onboarding (a win-back is a new start).
ALLOWED_TRANSITIONS: dict[str, tuple[str, ...]] = {
    _S.ONBOARDING: (_S.ADOPTION, _S.AT_RISK, _S.CHURNED),
    _S.ADOPTION: (_S.VALUE_REALIZATION, _S.AT_RISK, _S.CHURNED),
    _S.VALUE_REALIZATION: (_S.EXPANSION, _S.RENEWAL, _S.ADVOCACY, _S.AT_RISK, _S.CHURNED),
    _S.EXPANSION: (_S.VALUE_REALIZATION, _S.RENEWAL, _S.ADVOCACY, _S.AT_RISK, _S.CHURNED),
    _S.RENEWAL: (
        _S.ADOPTION,
        _S.VALUE_REALIZATION,
        _S.EXPANSION,
        _S.ADVOCACY,
        _S.AT_RISK,
        _S.CHURNED,
    ),
    _S.ADVOCACY: (_S.EXPANSION, _S.RENEWAL, _S.AT_RISK, _S.CHURNED),
    _S.AT_RISK: (_S.ONBOARDING, _S.ADOPTION, _S.VALUE_REALIZATION, _S.RENEWAL, _S.CHURNED),
    _S.CHURNED: (_S.ONBOARDING,),
}


def status_agrees_with_stage(status: str, stage: str) -> bool:
    """Status and lifecycle stage always agree: stage `churned` ⇔ status `churned`."""
    return (status == "churned") == (stage == "churned")


class StageChangeSource(models.TextChoices):
    API = "api"
    ADMIN = "admin"
    SYSTEM = "system"
    HANDOFF = "handoff"
    IMPORT = "import"


class SuccessPlanStatus(models.TextChoices):
    DRAFT = "draft"
    ACTIVE = "active"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class MilestoneStatus(models.TextChoices):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    ACHIEVED = "achieved"
    MISSED = "missed"
