from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models, transaction

from integrations.history import history_records
from integrations.ids import KeyValidator, new_public_id

from .choices import (
    CustomerStatus,
    LifecycleStage,
    MilestoneStatus,
    Segment,
    StageChangeSource,
    SuccessPlanStatus,
)

customer_id_validator = KeyValidator()


class TeamMember(models.Model):
    """A customer success manager (CSM)."""

    email = models.EmailField(unique=True)
    name = models.CharField(max_length=200)
    capacity = models.PositiveIntegerField(
        default=50, help_text="How many accounts this CSM can carry."
    )
    skills = models.JSONField(default=list, blank=True, help_text="A list of skill names.")
    active = models.BooleanField(default=True, db_index=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="team_member",
        help_text="The staff account this CSM signs in with (their work queues follow it).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class Customer(models.Model):
    customer_id = models.CharField(
        max_length=64,
        unique=True,
        validators=[customer_id_validator],
        help_text="The integrating systems' own key, e.g. cust_12345.",
    )
    name = models.CharField(max_length=200)
    segment = models.CharField(max_length=20, choices=Segment.choices)
    licensed_seats = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=10, choices=CustomerStatus.choices, default=CustomerStatus.ACTIVE
    )
    churned_at = models.DateTimeField(null=True, blank=True)
    lifecycle_stage = models.CharField(
        max_length=20, choices=LifecycleStage.choices, default=LifecycleStage.ONBOARDING
    )
    success_manager = models.ForeignKey(
        TeamMember, null=True, blank=True, on_delete=models.SET_NULL, related_name="customers"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = history_records()

    class Meta:
        ordering = ["customer_id"]
        indexes = [
            models.Index(fields=["segment", "status"], name="customer_segment_idx"),
            models.Index(fields=["status", "lifecycle_stage"], name="customer_stage_idx"),
            models.Index(fields=["success_manager", "status"], name="customer_csm_idx"),
            models.Index(fields=["name"], name="customer_name_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.customer_id})"


class Stakeholder(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="stakeholders")
    email = models.EmailField()
    name = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=100, blank=True)
    is_champion = models.BooleanField(default=False)
    is_executive_sponsor = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = history_records()

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "email"], name="stakeholder_email_uniq")
        ]

    def __str__(self) -> str:
        return self.name or self.email


def new_plan_id() -> str:
    return new_public_id("sp")


def new_milestone_id() -> str:
    return new_public_id("ms")


class SuccessPlan(models.Model):
    plan_id = models.CharField(
        max_length=40, unique=True, default=new_plan_id, editable=False, help_text="sp_..."
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="success_plans")
    title = models.CharField(max_length=200)
    status = models.CharField(
        max_length=20, choices=SuccessPlanStatus.choices, default=SuccessPlanStatus.ACTIVE
    )
    objectives = models.JSONField(default=list, blank=True, help_text="A list of objectives.")
    start_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = history_records()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["customer", "status"], name="plan_customer_idx")]

    def __str__(self) -> str:
        return self.title

    def objective_items(self) -> list[dict[str, object]]:
        """The objectives as objects: a plan written before objectives were structured holds
        bare names, shown as qualitative objectives (README "Sales: handoff")."""
        return [objective_item(o) for o in (self.objectives or [])]


OBJECTIVE_KEYS = ("criterion", "title", "measurable", "metric", "target", "baseline", "unit")


def objective_item(raw: object) -> dict[str, object]:
    if isinstance(raw, dict):
        return {key: raw.get(key) for key in OBJECTIVE_KEYS} | {
            "measurable": bool(raw.get("measurable")),
            "due_date": raw.get("due_date"),
        }
    name = str(raw)
    return {
        "criterion": name,
        "title": name.replace("_", " "),
        "measurable": False,
        "metric": None,
        "target": None,
        "baseline": None,
        "unit": None,
        "due_date": None,
    }


class Milestone(models.Model):
    milestone_id = models.CharField(
        max_length=40, unique=True, default=new_milestone_id, editable=False, help_text="ms_..."
    )
    plan = models.ForeignKey(SuccessPlan, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(max_length=200)
    status = models.CharField(
        max_length=20, choices=MilestoneStatus.choices, default=MilestoneStatus.PLANNED
    )
    due_date = models.DateField(null=True, blank=True)
    achieved_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["status", "achieved_on"], name="milestone_achieved_idx")]

    def __str__(self) -> str:
        return self.title


class LifecycleChange(models.Model):
    """History: every change of a customer's lifecycle stage, with who made it and why."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="lifecycle_changes"
    )
    from_stage = models.CharField(max_length=20, choices=LifecycleStage.choices, blank=True)
    to_stage = models.CharField(max_length=20, choices=LifecycleStage.choices)
    source = models.CharField(max_length=20, choices=StageChangeSource.choices)
    reason = models.TextField(blank=True)
    changed_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["customer", "changed_at"], name="stage_history_idx")]

    def __str__(self) -> str:
        return f"{self.customer.customer_id}: {self.from_stage or '-'} -> {self.to_stage}"


DEFAULT_WEIGHTS = {
    "product_usage": 0.25,
    "feature_adoption": 0.15,
    "support": 0.15,
    "sentiment": 0.15,
    "engagement": 0.15,
    "financial": 0.15,
}


def default_weights() -> dict[str, float]:
    return dict(DEFAULT_WEIGHTS)


class HealthGrade(models.TextChoices):
    CRITICAL = "critical"
    AT_RISK = "at_risk"
    HEALTHY = "healthy"


GRADE_RANK = {HealthGrade.CRITICAL: 0, HealthGrade.AT_RISK: 1, HealthGrade.HEALTHY: 2}


class HealthModel(models.Model):
    """Weights per measure and grade bands. One is active; every saved change is a new version
    (see the admin), so each snapshot says exactly which weights produced it."""

    version = models.PositiveIntegerField(unique=True)
    name = models.CharField(max_length=100, default="default")
    weights = models.JSONField(
        default=default_weights,
        help_text="Measure name → weight (>= 0). A measure without data for a customer has "
        "its weight spread over the others in proportion.",
    )
    critical_below = models.PositiveSmallIntegerField(
        default=50, help_text="Scores below this are critical."
    )
    at_risk_below = models.PositiveSmallIntegerField(
        default=75, help_text="Scores below this (and not critical) are at risk."
    )
    active = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    history = history_records(excluded=())

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["active"], condition=models.Q(active=True), name="one_active_health_model"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}{' (active)' if self.active else ''}"

    def grade_for(self, score: float) -> str:
        if score < self.critical_below:
            return HealthGrade.CRITICAL
        if score < self.at_risk_below:
            return HealthGrade.AT_RISK
        return HealthGrade.HEALTHY


# Writes that change which snapshot is a customer's latest (the customer or computed_at).
LATEST_ORDER_FIELDS = frozenset({"customer", "customer_id", "computed_at"})


class HealthScoreQuerySet(models.QuerySet["HealthScore"]):
    """Snapshots whose bulk writes keep `is_latest` true on each customer's latest one
    (customers.health.latest.settle_latest; imported when called: it imports this module)."""

    def bulk_create(self, objs: Iterable["HealthScore"], *args: Any, **kwargs: Any) -> Any:
        from .health.latest import settle_latest

        objs = list(objs)
        for obj in objs:
            obj.is_latest = False  # the flag is settled below, never taken from the caller
        with transaction.atomic(using=self.db, savepoint=False):
            created = super().bulk_create(objs, *args, **kwargs)
            latest = settle_latest(obj.customer_id for obj in created)
        for obj in created:
            obj.is_latest = obj.pk is not None and latest.get(obj.customer_id) == obj.pk
        return created

    def update(self, **kwargs: Any) -> int:
        if not LATEST_ORDER_FIELDS & kwargs.keys():
            return super().update(**kwargs)
        from .health.latest import settle_latest

        with transaction.atomic(using=self.db, savepoint=False):
            touched = set(self._customer_pks())
            moved_to = kwargs.get("customer_id", kwargs.get("customer"))
            if moved_to is not None:
                touched.add(getattr(moved_to, "pk", moved_to))
            # Unflagged while they move: a flagged row re-dated or moved to a customer with a
            # flagged row would collide in the unique index before the settle.
            count = super().update(**kwargs, is_latest=False)
            settle_latest(touched)
        return count

    def delete(self) -> tuple[int, dict[str, int]]:
        from .health.latest import settle_latest

        with transaction.atomic(using=self.db, savepoint=False):
            touched = self._customer_pks()
            deleted = super().delete()
            settle_latest(touched)
        return deleted

    def _customer_pks(self) -> list[int]:
        return list(self.order_by().values_list("customer_id", flat=True).distinct())


class HealthScore(models.Model):
    """A snapshot: the score, grade, per-measure components and the weights used.

    `is_latest` marks the customer's latest snapshot (newest computed_at, newest pk on a
    tie): reads of "health now" look it up instead of sorting each customer's history.
    Kept true by every write (customers.health.latest; `save`, `delete` and the manager's
    bulk writes here), never set by a caller."""

    # No index of its own: health_customer_latest_idx leads with the customer.
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="health_scores", db_index=False
    )
    computed_at = models.DateTimeField()
    as_of = models.DateField(help_text="The day whose data the score describes.")
    score = models.PositiveSmallIntegerField()
    non_usage_score = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="The same model over the measures not derived from product usage (empty "
        "when none has data): what adoption analytics correlate usage with.",
    )
    grade = models.CharField(max_length=10, choices=HealthGrade.choices)
    components = models.JSONField(default=dict)
    weights = models.JSONField(default=dict, help_text="Effective weights after spreading.")
    model_version = models.PositiveIntegerField()
    is_latest = models.BooleanField(
        default=False,
        db_default=False,  # raw writers (the recompute's COPY) leave it to settle_latest
        editable=False,
        help_text="The customer's latest snapshot (newest computed_at, newest on a tie).",
    )

    objects = HealthScoreQuerySet.as_manager()

    class Meta:
        ordering = ["-computed_at"]
        indexes = [
            # A customer's latest snapshot within bounds (customers.read.latest_health: newest
            # computed_at, newest pk on a tie, as_of bounded): a backward index-only scan that
            # stops at the first row in bounds. With (customer, computed_at) and a customer-only
            # index, PostgreSQL sorted every snapshot of the customer instead (the pk tie-break
            # is not in that order), reading ~50 wide rows per customer: adoption's health
            # read took 330 ms at 10,000 customers, 35 ms this way (PostgreSQL; SQLite leaves
            # INCLUDE out).
            models.Index(
                fields=["customer", "computed_at", "id"],
                include=["as_of", "score", "grade", "non_usage_score"],
                name="health_customer_latest_idx",
            ),
            models.Index(fields=["computed_at"], name="health_time_idx"),
            # The admin's list of latest snapshots, newest first: one nightly run stamps
            # them all alike, so the pk decides and computed_at alone cannot order a page.
            models.Index(
                fields=["computed_at", "id"],
                condition=models.Q(is_latest=True),
                name="health_latest_time_idx",
            ),
        ]
        constraints = [
            # Covering what the reads of "now" take (PostgreSQL; SQLite leaves INCLUDE out):
            # joining it is an index-only scan, not a visit to each wide row.
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(is_latest=True),
                include=["score", "grade", "as_of", "computed_at"],
                name="one_latest_health_score",
            )
        ]

    def __str__(self) -> str:
        grade = str(self.grade).replace("_", " ")
        return f"{self.customer.name} — {self.score} ({grade}) on {self.as_of:%Y-%m-%d}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Saved, then the flag settled for its customer (and the one it left, if moved)."""
        from .health.latest import settle_latest

        using = kwargs.get("using")
        with transaction.atomic(using=using, savepoint=False):
            touched = {self.customer_id}
            if not self._state.adding and self.pk is not None:
                touched.update(
                    HealthScore.objects.filter(pk=self.pk).values_list("customer_id", flat=True)
                )
            # Never written as true: a stale or caller-set flag could collide with the
            # customer's latest in the unique index before it is settled.
            self.is_latest = False
            super().save(*args, **kwargs)
            latest = settle_latest(touched)
        self.is_latest = latest.get(self.customer_id) == self.pk

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        from .health.latest import settle_latest

        with transaction.atomic(using=kwargs.get("using"), savepoint=False):
            customer_pk = self.customer_id
            deleted = super().delete(*args, **kwargs)
            settle_latest([customer_pk])
        return deleted


class HealthRecomputeRun(models.Model):
    """A rescore of every live customer started from the admin, and its progress (the
    background task counts `done` up to `total` as it scores batches)."""

    requested_by = models.CharField(max_length=150, blank=True)
    model_version = models.PositiveIntegerField(help_text="The active health model's version.")
    total = models.PositiveIntegerField(default=0, help_text="Customers to score.")
    done = models.PositiveIntegerField(default=0, help_text="Customers scored so far.")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Rescore with model v{self.model_version} at {self.created_at:%Y-%m-%d %H:%M}"


class HealthDistributionDay(models.Model):
    """The health distribution on a past day, remembered (customers.health.distribution): the
    dashboard's 12-week trend would otherwise look up every customer's snapshot at every week's
    end on each view. A past day's counts change only when a snapshot for that day or before
    arrives later (a pk above `snapshots_through`) or when who was alive that day changes (the
    total differs): either makes the row stale and it is counted again."""

    day = models.DateField(unique=True)
    counts = models.JSONField(help_text="Customers per grade, every grade present.")
    unscored = models.PositiveIntegerField()
    snapshots_through = models.BigIntegerField(
        help_text="The newest health snapshot (pk) that existed when the day was counted."
    )
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"Health distribution on {self.day}"
