from django.core.validators import MinValueValidator, RegexValidator
from django.db import models

from customers.models import Customer

feature_id_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9_-]{0,63}$", "A slug: lowercase letters, digits, _ and -, at most 64."
)


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

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="usage")
    feature = models.ForeignKey(Feature, on_delete=models.CASCADE, related_name="usage")
    date = models.DateField()
    events = models.PositiveIntegerField(default=0)
    active_users = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "feature", "date"], name="usage_customer_feature_date_uniq"
            )
        ]
        # Health and adoption read trailing windows for every customer: (date, ...) makes a
        # 30-day window an index range scan; the unique index serves per-customer reads.
        indexes = [
            models.Index(fields=["date", "customer", "feature"], name="usage_date_idx"),
            models.Index(fields=["feature", "date"], name="usage_feature_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}/{self.feature_id}/{self.date}"
