"""Webhook subscriptions, one delivery per (endpoint, event), and a log row per attempt."""

from django.db import models

from integrations.models import ApiKey, Event

from .choices import DeliveryStatus, DisabledReason


class WebhookEndpoint(models.Model):
    """A receiver subscribed to event types. The secret is needed in clear to sign, so it is
    stored; the API shows it only in the creation (and rotation) response."""

    endpoint_id = models.CharField(max_length=40, unique=True)
    owner = models.ForeignKey(
        ApiKey,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhook_endpoints",
        help_text="The API client that owns it; empty for endpoints made by staff.",
    )
    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=500, blank=True)
    event_types = models.JSONField(default=list, help_text="Exact types or `prefix.*`.")
    enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(
        max_length=20, choices=DisabledReason.choices, default=DisabledReason.NONE, blank=True
    )
    disabled_at = models.DateTimeField(null=True, blank=True)
    secret = models.CharField(max_length=100)
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    failing_since = models.DateTimeField(
        null=True, blank=True, help_text="First failed attempt since the last success."
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["enabled"], name="webhook_endpoint_enabled_idx")]

    def __str__(self) -> str:
        return f"{self.endpoint_id} {self.url}"


class WebhookDelivery(models.Model):
    """One event to one endpoint. Retries and replays reuse the row (the same webhook-id)."""

    delivery_id = models.CharField(max_length=40, unique=True)
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="webhook_deliveries")
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Since the last replay.")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    leased_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Set while an attempt is in flight (claimed, not yet recorded); the "
        "per-endpoint concurrency limit counts these.",
    )
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="webhook_delivery_uniq")
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due_idx"),
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_list_idx"),
            models.Index(
                fields=["endpoint", "leased_until"],
                name="webhook_delivery_lease_idx",
                condition=models.Q(leased_until__isnull=False),
            ),
        ]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.status}"


class WebhookAttempt(models.Model):
    """The log: one row per HTTP attempt."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="log")
    attempted_at = models.DateTimeField()
    succeeded = models.BooleanField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField()
    response_body = models.CharField(max_length=1000, blank=True, help_text="Truncated.")
    error_class = models.CharField(
        max_length=40, blank=True, help_text="timeout, connection, refused_address, http_status"
    )
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [models.Index(fields=["delivery", "attempted_at"], name="webhook_attempt_idx")]

    def __str__(self) -> str:
        return f"{self.attempted_at:%Y-%m-%d %H:%M:%S} {self.status_code or self.error_class}"
