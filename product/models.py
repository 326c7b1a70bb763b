from django.core.validators import MinValueValidator
from django.db import models

from customers.models import Customer
from integrations.ids import SLUG_MESSAGE, SLUG_PATTERN, FullMatchRegexValidator

from .choices import BusinessImpact, FeedbackPriority, FeedbackStatus, FeedbackType

feature_id_validator = FullMatchRegexValidator(SLUG_PATTERN, SLUG_MESSAGE)


class Feature(models.Model):
    feature_id = models.CharField(max_length=64, unique=True, validators=[feature_id_validator])
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=100, blank=True, db_index=True)
    is_key = models.BooleanField(
        default=False, help_text="Key features count towards the feature_adoption measure."
    )
    is_premium = models.BooleanField(default=False)
    list_price = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    adoption_threshold_days = models.PositiveSmallIntegerField(
        default=4,
        validators=[MinValueValidator(1)],
        help_text="A customer has adopted the feature when active on at least this many "
        "distinct days in the trailing 30.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["feature_id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.feature_id})"


class FeatureUsage(models.Model):
    """One customer's use of one feature on one day, as the product analytics system reports."""

    # No single-column FK indexes: the unique (customer, feature, date) and the
    # (feature, date, ...) indexes lead with these columns, and every index costs ingestion.
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="usage", db_index=False
    )
    feature = models.ForeignKey(
        Feature, on_delete=models.CASCADE, related_name="usage", db_index=False
    )
    date = models.DateField()
    events = models.PositiveIntegerField(default=0)
    active_users = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "feature", "date"], name="usage_customer_feature_date_uniq"
            )
        ]
        # Health reads trailing windows for every customer: (date, ...) makes a 30-day window
        # an index range scan; the unique index serves per-customer reads. Adoption reads one
        # feature's window and its whole history ("tried"): the covering (feature, date)
        # index answers both without touching the table (PostgreSQL; SQLite ignores INCLUDE).
        indexes = [
            models.Index(fields=["date", "customer", "feature"], name="usage_date_idx"),
            models.Index(
                fields=["feature", "date"],
                include=["customer", "events", "active_users"],
                name="usage_feature_date_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer.customer_id}/{self.feature.feature_id}/{self.date}"


class UsageChange(models.Model):
    """One write of daily usage that created or changed rows (a `usage_ingest` batch, a demo
    load), with the days it touched. Figures remembered from usage (KeyFeatureAdopters) are
    still good while no change touching their days arrived since."""

    first_date = models.DateField()
    last_date = models.DateField()
    rows = models.PositiveIntegerField(help_text="Rows created or changed.")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["last_date"], name="usage_change_last_date_idx")]

    def __str__(self) -> str:
        return f"{self.rows} usage rows, {self.first_date}..{self.last_date}"


class KeyFeatureAdopters(models.Model):
    """Remembered: the customers adopting each key feature over the window of `window_days`
    ending on `day` (product.selectors.adoption.key_features). Reading every usage row of the
    window costs ~200 ms at 10,000 customers; the dashboard asks on every view. Only usage
    decides who adopts; the row is reused while the key features and their thresholds are
    the same and the usage changes touching the window are the ones it saw (their count and
    newest pk). Who is alive and in which segment is read fresh each time."""

    window_days = models.PositiveSmallIntegerField(unique=True)  # the newest day only
    day = models.DateField()
    thresholds = models.JSONField(help_text="Key feature pk -> adoption threshold (days).")
    adopters = models.JSONField(help_text="Key feature pk -> the adopting customers' pks.")
    changes = models.PositiveIntegerField(help_text="Usage changes touching the window.")
    changes_through = models.BigIntegerField(help_text="The newest of them (pk), 0 for none.")
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "key feature adopters"

    def __str__(self) -> str:
        return f"Key feature adopters, {self.window_days} days to {self.day}"


class Feedback(models.Model):
    """A customer's request or report, scored for priority, with its delivery commitment."""

    feedback_id = models.CharField(max_length=40, unique=True, editable=False)
    customer = models.ForeignKey(  # indexed by feedback_customer_idx
        Customer, on_delete=models.CASCADE, related_name="feedback", db_index=False
    )
    type = models.CharField(max_length=30, choices=FeedbackType.choices)
    category = models.CharField(
        max_length=64, validators=[feature_id_validator], help_text="A slug, e.g. reporting."
    )
    priority = models.CharField(
        max_length=10, choices=FeedbackPriority.choices, help_text="As the submitter rated it."
    )
    business_impact = models.CharField(max_length=30, choices=BusinessImpact.choices)
    description = models.TextField(max_length=5000)
    health_impact = models.CharField(max_length=200, blank=True)
    efficiency_gain = models.CharField(max_length=200, blank=True)
    customer_value = models.CharField(max_length=200, blank=True)
    priority_score = models.PositiveSmallIntegerField(
        help_text="0-100: business impact x ARR rank x health risk at submission."
    )
    priority_factors = models.JSONField(default=dict, help_text="The inputs behind the score.")
    status = models.CharField(
        max_length=10, choices=FeedbackStatus.choices, default=FeedbackStatus.SUBMITTED
    )
    target_release = models.CharField(max_length=100, blank=True)
    target_date = models.DateField(null=True, blank=True)
    committed_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField()
    submitted_by = models.CharField(max_length=200, blank=True, help_text="The API client.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "feedback"
        indexes = [
            models.Index(fields=["status", "target_date"], name="feedback_status_target_idx"),
            models.Index(fields=["category", "status"], name="feedback_category_idx"),
            models.Index(fields=["customer", "created_at"], name="feedback_customer_idx"),
            models.Index(fields=["created_at"], name="feedback_created_idx"),
        ]

    def __str__(self) -> str:
        return self.feedback_id


class FeedbackStatusChange(models.Model):
    """History: every status change or new commitment target, who made it and why."""

    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=10, choices=FeedbackStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=FeedbackStatus.choices)
    target_release = models.CharField(max_length=100, blank=True)
    target_date = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True, max_length=2000)
    changed_by = models.CharField(max_length=200, blank=True)
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.changed_at:%Y-%m-%d %H:%M}: {self.from_status or '-'} -> {self.to_status}"
