from django.db import models
from rest_framework_api_key.models import AbstractAPIKey

from .history import history_records
from .ids import FullMatchRegexValidator
from .keys import RATE_MESSAGE, RATE_RE
from .scopes import ALL_SCOPES


class ApiKey(AbstractAPIKey):
    """A machine client's key. Only a hash is stored; the key is shown once at creation."""

    scopes = models.JSONField(default=list, help_text=f"Any of: {', '.join(ALL_SCOPES)}")
    throttle_rate = models.CharField(
        max_length=20,
        blank=True,
        validators=[FullMatchRegexValidator(RATE_RE, RATE_MESSAGE)],
        help_text="Per-key request rate such as 600/min; blank uses the deployment default.",
    )
    # The hash of the key is never copied into history.
    history = history_records(excluded=["hashed_key"])

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "API key"
        verbose_name_plural = "API keys"

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class IdempotencyRecord(models.Model):
    """One `Idempotency-Key` seen from one client; holds the stored response for replays."""

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress"
        COMPLETED = "completed"

    client = models.CharField(max_length=160)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and body.")
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    state = models.CharField(max_length=20, choices=State.choices, default=State.IN_PROGRESS)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True, help_text="The rendered JSON, replayed as is.")
    response_headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)
    locked_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "key"], name="idempotency_client_key_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.client} {self.key}"


class Event(models.Model):
    """The outbox: a domain event written in the same transaction as the change it reports."""

    class Status(models.TextChoices):
        PENDING = "pending"
        DONE = "done"
        FAILED = "failed"

    event_id = models.CharField(max_length=40, unique=True)
    type = models.CharField(max_length=100)
    customer_id = models.CharField(
        max_length=64, null=True, blank=True, help_text="The customer's integration key."
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # Most events are about the company's data and every webhooks:read key may list them; an
    # event about one client's own resource (its webhook endpoint) is private: the feed shows
    # it to that client only (and to staff). A private event whose client is gone (or that is
    # about a staff-made endpoint) is staff's alone.
    private = models.BooleanField(default=False)
    owner_client = models.ForeignKey(
        ApiKey,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The one API client a private event is shown to.",
    )

    class Meta:
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="event_relay_idx"),
            models.Index(fields=["type", "created_at"], name="event_type_idx"),
            models.Index(fields=["customer_id", "created_at"], name="event_customer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} {self.type}"
