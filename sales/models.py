"""Sales: the sales-to-CS handoff and expansion readiness (README, "Sales")."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from customers.models import Customer, SuccessPlan, TeamMember
from finance.models import Contract
from integrations.ids import new_public_id
from operations.models import Task

# --- handoff (README "Sales: handoff") ----------------------------------------------------


def new_handoff_id() -> str:
    return new_public_id("ho")


class Handoff(models.Model):
    """A completed sales-to-CS handoff: what sales sent, what it started (contract, plan,
    first check-in) and the baseline taken at handoff that later reports compare against.
    One per customer (the unique customer makes a repeat a 409, also under a race)."""

    handoff_id = models.CharField(
        max_length=40, unique=True, default=new_handoff_id, editable=False
    )
    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, related_name="sales_handoff"
    )
    created_customer = models.BooleanField(
        default=False, help_text="The handoff created the customer (it was new)."
    )
    deal_value = models.DecimalField(max_digits=14, decimal_places=2)
    contract_terms = models.CharField(max_length=20, help_text="As sales sent it: 3_year, monthly.")
    key_stakeholders = models.JSONField(default=list, blank=True)
    success_criteria = models.JSONField(default=list, blank=True)
    sales_notes = models.TextField(blank=True)
    onboarding_start = models.DateField()
    first_check_in = models.DateField()
    success_manager = models.ForeignKey(
        TeamMember, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    contract = models.ForeignKey(
        Contract, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    plan = models.ForeignKey(
        SuccessPlan, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    check_in_task = models.ForeignKey(
        Task, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    warnings = models.JSONField(
        default=list, blank=True, help_text="What was accepted but worth a look (capacity)."
    )
    # The baseline: the customer at handoff, from the lower apps' read APIs.
    baseline_as_of = models.DateField(help_text="The day the baseline describes.")
    baseline_licensed_seats = models.PositiveIntegerField(default=0)
    baseline_usage_events_30d = models.PositiveBigIntegerField(default=0)
    baseline_peak_active_users_30d = models.PositiveIntegerField(default=0)
    baseline_active_days_30d = models.PositiveSmallIntegerField(default=0)
    baseline_key_features_adopted = models.JSONField(default=list, blank=True)
    baseline_key_features_total = models.PositiveIntegerField(default=0)
    baseline_health_score = models.PositiveSmallIntegerField(null=True, blank=True)
    baseline_health_grade = models.CharField(max_length=10, blank=True)
    baseline_health_as_of = models.DateField(null=True, blank=True)
    completed_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-completed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.handoff_id} ({self.customer})"


# --- expansion readiness (README, "Sales: expansion readiness") ------------------------------

# Factor name -> default weight (they sum to 1: score = Σ weight × value × 100).
DEFAULT_EXPANSION_WEIGHTS = {
    "adoption_breadth": 0.25,
    "health_score": 0.20,
    "seat_utilisation": 0.15,
    "recent_milestones": 0.10,
    "executive_sponsor": 0.10,
    "expansion_requested": 0.10,
    "payment_status": 0.10,
}


def default_expansion_weights() -> dict[str, float]:
    return dict(DEFAULT_EXPANSION_WEIGHTS)


def _share(default: float, help_text: str) -> models.FloatField:
    return models.FloatField(
        default=default,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text=help_text,
    )


class ExpansionModel(models.Model):
    """Factor weights and thresholds of expansion readiness. One is active; a change to a
    model that has scored customers becomes a new version (sales.services.expansion_model)."""

    version = models.PositiveIntegerField(unique=True)
    name = models.CharField(max_length=100, default="default")
    weights = models.JSONField(
        default=default_expansion_weights,
        help_text="Factor name → weight in [0, 1]; every factor named, summing to 1.",
    )
    ready_threshold = models.PositiveSmallIntegerField(
        default=70,
        validators=[MaxValueValidator(100)],
        help_text="A score at or above this is ready for expansion (expansion.ready).",
    )
    adoption_holds_at = _share(
        0.6, "Key features adopted ÷ key features at or above this: high_product_adoption."
    )
    strong_health_at = models.PositiveSmallIntegerField(
        default=75,
        validators=[MaxValueValidator(100)],
        help_text="Latest health score at or above this: strong_health_score.",
    )
    seat_full_at = models.FloatField(
        default=0.85,
        validators=[MinValueValidator(0.01), MaxValueValidator(1.0)],
        help_text="Seat utilisation at or above this counts fully (seat_limit_approaching).",
    )
    milestone_window_days = models.PositiveSmallIntegerField(
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
        help_text="Milestones achieved in the last this many days count.",
    )
    milestones_full_at = models.PositiveSmallIntegerField(
        default=2,
        validators=[MinValueValidator(1)],
        help_text="This many recent milestones count fully.",
    )
    request_window_days = models.PositiveSmallIntegerField(
        default=180,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
        help_text="Expansion requests (feedback, customer-sourced opportunities won) this "
        "recent count; open customer-sourced opportunities always do.",
    )
    overdue_payment_value = _share(
        0.5, "Factor value of a customer 1-30 days overdue (current 1, later 0)."
    )
    peer_adoption_share = _share(
        0.4,
        "Suggest a premium feature when at least this share of the healthy customers of the "
        "segment adopted it.",
    )
    seat_growth_share = models.FloatField(
        default=0.2,
        validators=[MinValueValidator(0.01), MaxValueValidator(10.0)],
        help_text="Seat upsell: additional seats = ceil(licensed seats × this).",
    )
    probability_at_0 = _share(0.05, "Suggestion probability at readiness 0 (linear).")
    probability_at_100 = _share(0.9, "Suggestion probability at readiness 100 (linear).")
    active = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["active"],
                condition=models.Q(active=True),
                name="one_active_expansion_model",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}{' (active)' if self.active else ''}"


class ExpansionSnapshot(models.Model):
    """A customer's readiness as scored by a nightly run (the list reads the latest ones)."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="expansion_snapshots"
    )
    as_of = models.DateField(help_text="The day whose data the score describes.")
    computed_at = models.DateTimeField()
    score = models.PositiveSmallIntegerField()
    ready = models.BooleanField(help_text="score >= the model's ready_threshold.")
    readiness_factors = models.JSONField(default=list, help_text="The factors that hold.")
    # A list, not an object keyed by name: jsonb does not keep key order (the factor order is
    # the documented one).
    factors = models.JSONField(
        default=list, help_text="Per factor, in order: value, weight, contribution, inputs."
    )
    model_version = models.PositiveIntegerField()
    is_latest = models.BooleanField(default=True)
    # (100 - score, customer_id) as text: one unique, index-backed key for "readiness desc,
    # then customer_id", so the list's cursor never needs an offset over ties.
    rank_key = models.CharField(max_length=80)
    # Written once with the snapshot (snapshots are never edited): the list then reads it
    # instead of rewriting 700 stored factors per page (issue 17).
    list_members = models.TextField(
        null=True,
        blank=True,
        editable=False,
        help_text="The snapshot's members of its expansion list item (score ... computed_at) "
        "as JSON text, written by PostgreSQL with the snapshot "
        "(sales.selectors.expansion_list); null: written per read (other databases, and "
        "snapshots stored before the column).",
    )

    class Meta:
        ordering = ["-computed_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "computed_at"], name="expansion_snap_customer_idx"),
            models.Index(
                fields=["rank_key"],
                condition=models.Q(is_latest=True),
                name="expansion_snap_latest_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(is_latest=True),
                name="one_latest_expansion_snapshot",
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer.customer_id} {self.score} @ {self.as_of}"


class ExpansionPeerShare(models.Model):
    """Per segment and premium feature, as of the latest nightly run: how many of the
    segment's healthy customers there were and how many had adopted the feature (the
    cross-sell rule's inputs, computed once a night instead of per read-out). A row with an
    empty feature_id carries the segment's healthy count even when nothing was adopted."""

    segment = models.CharField(max_length=20)
    feature_id = models.CharField(max_length=64, blank=True)
    healthy_customers = models.PositiveIntegerField()
    adopters = models.PositiveIntegerField()
    as_of = models.DateField()
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["segment", "feature_id"]
        constraints = [
            models.UniqueConstraint(fields=["segment", "feature_id"], name="one_peer_share")
        ]

    def __str__(self) -> str:
        return f"{self.segment} {self.feature_id or '-'} {self.adopters}/{self.healthy_customers}"
