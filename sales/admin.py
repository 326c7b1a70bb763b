"""Sales admin screens (saves call the services)."""

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from integrations.admin_support import VersionedModelAdmin
from integrations.money import whole_units

from .errors import InvalidExpansionModel
from .models import ExpansionModel, ExpansionPeerShare, ExpansionSnapshot, Handoff
from .selectors.handoff import stored_baseline
from .services.expansion import (
    MODEL_FIELDS,
    expansion_model_activate,
    expansion_model_save,
    validate_weights,
)

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

    # Not deletable on its own: the row is what makes a repeat a 409 (deleted, a second
    # handoff went through, with another contract, plan and task). Not via
    # has_delete_permission, which would also refuse deleting the customer (a cascade).
    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: Any = None
    ) -> HttpResponse:
        raise PermissionDenied

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        return super().change_view(
            request, object_id, form_url, {**(extra_context or {}), "show_delete": False}
        )

    @admin.display(description="Deal value", ordering="deal_value")
    def deal(self, obj: Handoff) -> int:
        return whole_units(obj.deal_value)

    @admin.display(description="Seat utilisation")
    def baseline_seat_utilisation(self, obj: Handoff) -> str:
        value = stored_baseline(obj).seat_utilisation
        return "— (no licensed seats)" if value is None else f"{value:.0%}"


# --- expansion readiness ----------------------------------------------------------------------


class ExpansionModelForm(forms.ModelForm):
    class Meta:
        model = ExpansionModel
        fields = list(MODEL_FIELDS)

    def clean_weights(self) -> dict[str, float]:
        """The service's rule, shown on the field: every factor, each in [0, 1], sum 1."""
        try:
            return validate_weights(self.cleaned_data["weights"])
        except InvalidExpansionModel as exc:
            raise forms.ValidationError(exc.message) from None

    def clean(self) -> Any:
        data = super().clean() or {}
        low, high = data.get("probability_at_0"), data.get("probability_at_100")
        if low is not None and high is not None and low > high:
            raise forms.ValidationError("probability_at_0 must not exceed probability_at_100.")
        return data


@admin.register(ExpansionModel)
class ExpansionModelAdmin(VersionedModelAdmin):
    """Saves go through expansion_model_save: a model that has scored customers gets a new
    version instead of rewriting history; activating one deactivates the others."""

    form = ExpansionModelForm
    list_display = [
        "version",
        "name",
        "active",
        "ready_threshold",
        "peer_adoption_share",
        "seat_full_at",
        "created_at",
    ]
    list_filter = ["active"]
    readonly_fields = ["version", "created_at"]
    actions = ["activate"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Snapshots name their model by version; a deleted number is given again by the next
        # save (newest + 1), and the history would then read another model's weights.
        return False

    def save_version(self, *, data: Any, model: Any) -> Any:
        return expansion_model_save(data=data, model=model)

    def activate_version(self, *, model: Any) -> Any:
        return expansion_model_activate(model=model)


@admin.register(ExpansionSnapshot)
class ExpansionSnapshotAdmin(admin.ModelAdmin):
    """Read-only: the nightly scoring writes them."""

    list_display = ["customer", "score", "ready", "as_of", "model_version", "is_latest"]
    list_filter = ["ready", "is_latest", "model_version", "customer__segment"]
    search_fields = ["customer__customer_id", "customer__name"]
    list_select_related = ["customer"]
    date_hierarchy = "as_of"
    show_full_result_count = False
    readonly_fields = [
        "customer",
        "as_of",
        "computed_at",
        "score",
        "ready",
        "readiness_factors",
        "factors",
        "model_version",
        "is_latest",
        "rank_key",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ExpansionPeerShare)
class ExpansionPeerShareAdmin(admin.ModelAdmin):
    """Read-only: the nightly scoring replaces them (the cross-sell rule's inputs)."""

    list_display = ["segment", "feature_id", "adopters", "healthy_customers", "as_of"]
    list_filter = ["segment"]
    search_fields = ["feature_id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # written by the nightly scoring only
