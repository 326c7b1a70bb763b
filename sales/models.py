"""Sales: the sales-to-CS handoff and expansion readiness (README, "Sales")."""

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
