"""Marketing: lifecycle campaigns with a measured holdout, and journey touchpoints (README,
"Marketing"). Marketing is the top domain layer: it reads every app below it through their
public read APIs and writes lifecycle stages only through customers' service."""

from decimal import Decimal

from django.core.validators import BaseValidator, MaxValueValidator, MinValueValidator
from django.db import models

from customers.choices import LifecycleStage
from customers.models import Customer, LifecycleChange
from integrations.ids import new_public_id

from .choices import (
    AudienceMatch,
    CampaignType,
    MemberGroup,
    TouchpointChannel,
    TouchpointKind,
    TouchpointStatus,
    TriggerType,
)

# --- campaigns (README "Marketing: campaigns") ---------------------------------------------


def new_campaign_id() -> str:
    return new_public_id("camp")


class Campaign(models.Model):
    """A lifecycle campaign over an audience of segments, materialised as members at creation
    (treated, or held out to measure the lift). Running until `ends_at` (created +
    measurement window); a finished campaign's impact is frozen into `final_impact` by the
    finalize sweep, and only finalized campaigns feed new campaigns' `estimated_impact`."""

    campaign_id = models.CharField(
        max_length=40, unique=True, default=new_campaign_id, editable=False
    )
    name = models.CharField(max_length=200, blank=True)
    external_campaign_id = models.CharField(
        max_length=200, blank=True, help_text="The marketing system's own id for it."
    )
    trigger_type = models.CharField(max_length=30, choices=TriggerType.choices)
    campaign_type = models.CharField(max_length=20, choices=CampaignType.choices)
    segments = models.JSONField(default=list, help_text="Segment names, as requested.")
    match = models.CharField(max_length=3, choices=AudienceMatch.choices, default=AudienceMatch.ANY)
    holdout_fraction = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.100"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("0.5"))],
    )
    measurement_window_days = models.PositiveSmallIntegerField(
        default=90, validators=[MinValueValidator(7), MaxValueValidator(365)]
    )
    size = models.PositiveIntegerField(default=0, help_text="Members (treated + holdout).")
    treated_count = models.PositiveIntegerField(default=0)
    holdout_count = models.PositiveIntegerField(default=0)
    # What was estimated at creation, kept as answered (basis, ranges, sample size).
    estimated_impact = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField(db_index=True, help_text="created_at + measurement window.")
    final_impact = models.JSONField(
        null=True, blank=True, help_text="The measured impact, frozen once the window ended."
    )
    finalized_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["campaign_type", "finalized_at"], name="campaign_type_final_idx")
        ]
        constraints = [
            # The marketing system's key names one campaign (a retry must not draw a second
            # holdout); blank when it has none.
            models.UniqueConstraint(
                fields=["external_campaign_id"],
                condition=~models.Q(external_campaign_id=""),
                name="campaign_external_id_unique",
            )
        ]

    def __str__(self) -> str:
        return self.name or self.campaign_id


class CampaignMember(models.Model):
    """A customer in a campaign's audience, with the baseline its outcome is measured against.
    Holdout members are never in the send list."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="members")
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="campaign_memberships"
    )
    group = models.CharField(max_length=10, choices=MemberGroup.choices)
    segments = models.JSONField(default=list, help_text="The requested segments it matched.")
    baseline_score = models.PositiveSmallIntegerField(null=True, blank=True)
    baseline_grade = models.CharField(max_length=10, blank=True)
    baseline_computed_at = models.DateTimeField(null=True, blank=True)
    baseline_events_30d = models.PositiveBigIntegerField(
        default=0, help_text="Usage events in the 30 days up to the campaign's start."
    )

    class Meta:
        ordering = ["campaign", "customer__customer_id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "customer"], name="one_membership")
        ]
        indexes = [
            models.Index(fields=["campaign", "group", "customer"], name="campaign_member_idx"),
            models.Index(fields=["customer", "campaign"], name="member_customer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} / {self.customer} ({self.group})"


# A prior's bounds (issue 14): a retention improvement is a difference of two rates, so
# within ±100 percentage points; an engagement lift (ratio − 1) × 100 is at least −100 %.
RETENTION_POINTS_RANGE = (Decimal(-100), Decimal(100))
ENGAGEMENT_PCT_RANGE = (Decimal(-100), Decimal(1000))
PRIOR_RANGE_MESSAGE = "The low end of the retention range must not exceed the high end."


def _bounded(low: Decimal, high: Decimal, unit: str) -> list[BaseValidator]:
    message = f"From {low} to {high} {unit}.".replace("%", "%%")  # the validator %-formats it
    return [MinValueValidator(low, message), MaxValueValidator(high, message)]


RETENTION_POINTS = _bounded(*RETENTION_POINTS_RANGE, "percentage points")
ENGAGEMENT_PCT = _bounded(*ENGAGEMENT_PCT_RANGE, "%")


class CampaignTypePrior(models.Model):
    """The expected impact of a campaign type before any campaign of it has finished; edited in
    the admin. Percentage points of retention (a range) and % engagement lift."""

    campaign_type = models.CharField(max_length=20, choices=CampaignType.choices, unique=True)
    retention_improvement_low = models.DecimalField(
        max_digits=5, decimal_places=1, validators=RETENTION_POINTS
    )
    retention_improvement_high = models.DecimalField(
        max_digits=5, decimal_places=1, validators=RETENTION_POINTS
    )
    engagement_lift = models.DecimalField(max_digits=6, decimal_places=1, validators=ENGAGEMENT_PCT)
    note = models.TextField(blank=True, help_text="Where the numbers come from.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["campaign_type"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    retention_improvement_low__lte=models.F("retention_improvement_high")
                ),
                name="prior_range_ordered",
                violation_error_message=PRIOR_RANGE_MESSAGE,
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign_type} prior"


# --- journeys (README "Marketing: journeys") -----------------------------------------------


class JourneyStage(models.Model):
    """A lifecycle stage's journey configuration: what a CSM/marketer should do there. Its
    touchpoint templates are scheduled when a customer enters the stage."""

    stage = models.CharField(max_length=20, choices=LifecycleStage.choices, unique=True)
    description = models.TextField(blank=True)
    recommended_actions = models.JSONField(
        default=list, blank=True, help_text="Next actions to recommend in this stage, in order."
    )

    class Meta:
        ordering = ["stage"]

    def __str__(self) -> str:
        return self.get_stage_display()


class TouchpointTemplate(models.Model):
    """A touchpoint sent `delay_hours` after a customer enters the stage."""

    stage = models.ForeignKey(JourneyStage, on_delete=models.CASCADE, related_name="templates")
    name = models.CharField(max_length=200)
    channel = models.CharField(max_length=20, choices=TouchpointChannel.choices)
    kind = models.CharField(max_length=20, choices=TouchpointKind.choices)
    delay_hours = models.PositiveIntegerField(
        default=0, validators=[MaxValueValidator(24 * 365)], help_text="After entering the stage."
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["stage", "delay_hours", "name"]
        constraints = [
            models.UniqueConstraint(fields=["stage", "name"], name="one_template_name_per_stage")
        ]

    def __str__(self) -> str:
        return f"{self.stage}: {self.name}"


def new_touchpoint_id() -> str:
    return new_public_id("tp")


class Touchpoint(models.Model):
    """One scheduled touchpoint of a customer's journey and what became of it."""

    touchpoint_id = models.CharField(
        max_length=40, unique=True, default=new_touchpoint_id, editable=False
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="touchpoints")
    template = models.ForeignKey(
        TouchpointTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    stage_change = models.ForeignKey(
        LifecycleChange,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The stage entry that scheduled it.",
    )
    stage = models.CharField(max_length=20, choices=LifecycleStage.choices)
    # Copied from the template: the record stays true when the template is edited later.
    name = models.CharField(max_length=200)
    channel = models.CharField(max_length=20, choices=TouchpointChannel.choices)
    kind = models.CharField(max_length=20, choices=TouchpointKind.choices)
    status = models.CharField(
        max_length=20, choices=TouchpointStatus.choices, default=TouchpointStatus.SCHEDULED
    )
    scheduled_for = models.DateTimeField()
    status_changed_at = models.DateTimeField()
    reason = models.TextField(blank=True, help_text="Why it was suppressed or cancelled.")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-scheduled_for", "-id"]
        indexes = [
            models.Index(fields=["customer", "scheduled_for"], name="touchpoint_customer_idx"),
            models.Index(
                fields=["scheduled_for"],
                condition=models.Q(status="scheduled"),
                name="touchpoint_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.status})"
