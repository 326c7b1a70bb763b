"""Webhooks' enumerations."""

from django.db import models


class DeliveryStatus(models.TextChoices):
    PENDING = "pending"  # due at next_attempt_at (or being sent under a lease)
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # the retry schedule ran out, or the endpoint was disabled


class DisabledReason(models.TextChoices):
    NONE = "", "enabled or disabled by its owner"
    GONE = "gone", "the receiver answered 410 Gone"
    FAILING = "failing", "every delivery failed for 5 days"
