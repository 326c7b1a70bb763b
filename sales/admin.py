"""Sales admin screens (saves call the services)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from integrations.money import whole_units

from .models import Handoff
from .selectors.handoff import stored_baseline

# --- handoff (README "Sales: handoff") ----------------------------------------------------

BASELINE_FIELDS = (
    "baseline_as_of",
    "baseline_licensed_seats",
    "baseline_usage_events_30d",
    "baseline_peak_active_users_30d",
    "baseline_active_days_30d",
    "baseline_seat_utilisation",
    "baseline_key_features_adopted",
    "baseline_key_features_total",
    "baseline_health_score",
    "baseline_health_grade",
    "baseline_health_as_of",
)


@admin.register(Handoff)
class HandoffAdmin(admin.ModelAdmin):
    """Read-only: a handoff is made by POST /api/v1/cs-sales/handoff/{customer_id} (one
    transaction through every owning service); what it started (contract, plan, task) is
    edited on those records' own pages."""

    list_display = [
        "handoff_id",
        "customer",
        "success_manager",
        "deal",
        "contract_terms",
        "onboarding_start",
        "baseline_health_score",
        "completed_at",
    ]
    list_filter = [
        "customer__segment",
        "contract_terms",
        "created_customer",
        "onboarding_start",
        ("success_manager", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = [
        "handoff_id",
        "customer__customer_id",
        "customer__name",
        "success_manager__email",
        "sales_notes",
    ]
    list_select_related = ["customer", "success_manager"]
    date_hierarchy = "completed_at"
    list_per_page = 50
    show_full_result_count = False
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "handoff_id",
                    "customer",
                    "created_customer",
                    "completed_at",
                    "success_manager",
                    "warnings",
                ]
            },
        ),
        (
            "What sales sent",
            {
                "fields": [
                    "deal",
                    "contract_terms",
                    "key_stakeholders",
                    "success_criteria",
                    "sales_notes",
                    "onboarding_start",
                    "first_check_in",
                ]
            },
        ),
        ("What it started", {"fields": ["contract", "plan", "check_in_task"]}),
        ("Baseline at handoff", {"fields": list(BASELINE_FIELDS)}),
    ]
    readonly_fields = [
        "handoff_id",
        "customer",
        "created_customer",
        "completed_at",
        "success_manager",
        "warnings",
        "deal",
        "contract_terms",
        "key_stakeholders",
        "success_criteria",
        "sales_notes",
        "onboarding_start",
        "first_check_in",
        "contract",
        "plan",
        "check_in_task",
        *BASELINE_FIELDS,
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Deal value", ordering="deal_value")
    def deal(self, obj: Handoff) -> int:
        return whole_units(obj.deal_value)

    @admin.display(description="Seat utilisation")
    def baseline_seat_utilisation(self, obj: Handoff) -> str:
        value = stored_baseline(obj).seat_utilisation
        return "— (no licensed seats)" if value is None else f"{value:.0%}"
