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
