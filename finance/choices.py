from django.db import models


class ContractStatus(models.TextChoices):
    ACTIVE = "active"
    RENEWED = "renewed"
    CHURNED = "churned"
    EXPIRED = "expired"


class PaymentStatus(models.TextChoices):
    """A customer's invoice standing, by the oldest unpaid invoice past its due date."""

    CURRENT = "current"
    OVERDUE_1_15 = "overdue_1_15"
    OVERDUE_16_30 = "overdue_16_30"
    OVERDUE_31_60 = "overdue_31_60"
    OVERDUE_60_PLUS = "overdue_60_plus"


class OpportunityType(models.TextChoices):
    UPSELL = "upsell"
    CROSS_SELL = "cross_sell"
    ADD_ON = "add_on"


class OpportunityStatus(models.TextChoices):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


class OpportunitySource(models.TextChoices):
    CS = "cs"
    SALES = "sales"
    CUSTOMER = "customer"


class ValueCategory(models.TextChoices):
    COST_SAVING = "cost_saving"
    REVENUE_GAIN = "revenue_gain"
    TIME_SAVED = "time_saved"
    RISK_REDUCTION = "risk_reduction"


class RenewalModelKind(models.TextChoices):
    PRIOR = "prior"  # documented coefficients, editable in the admin
    FITTED = "fitted"  # a logistic regression fitted on resolved renewals
