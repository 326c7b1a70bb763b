from typing import Any

from django.contrib import admin
from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet
from django.http import HttpRequest

from .choices import CustomerStatus
from .models import (
    Customer,
    HealthModel,
    HealthScore,
    LifecycleChange,
    Milestone,
    Stakeholder,
    SuccessPlan,
    TeamMember,
)

AUDIT = ("created_at", "updated_at")


class StakeholderInline(admin.TabularInline):
    model = Stakeholder
    extra = 0
    fields = ["email", "name", "role", "is_champion", "is_executive_sponsor"]


class SuccessPlanInline(admin.TabularInline):
    model = SuccessPlan
    extra = 0
    fields = ["title", "status", "start_date"]
    show_change_link = True


class LifecycleChangeInline(admin.TabularInline):
    model = LifecycleChange
    extra = 0
    can_delete = False
    fields = ("changed_at", "from_stage", "to_stage", "source", "reason")
    readonly_fields = fields
    ordering = ["-changed_at"]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = [
        "customer_id",
        "name",
        "segment",
        "status",
        "lifecycle_stage",
        "licensed_seats",
        "success_manager",
        "updated_at",
    ]
    list_filter = ["segment", "status", "lifecycle_stage", "success_manager"]
    search_fields = ["customer_id", "name", "stakeholders__email"]
    list_select_related = ["success_manager"]
    autocomplete_fields = ["success_manager"]
    readonly_fields = AUDIT
    inlines = [StakeholderInline, SuccessPlanInline, LifecycleChangeInline]
    list_per_page = 50
    show_full_result_count = False  # counting 100k rows on every page view is wasted work


@admin.register(TeamMember)
class TeamMemberAdmin(admin.ModelAdmin):
    list_display = ["email", "name", "capacity", "assigned_accounts", "skill_list", "active"]
    list_editable = ["capacity"]
    list_filter = ["active"]
    search_fields = ["email", "name"]
    readonly_fields = AUDIT

    @admin.display(description="Skills")
    def skill_list(self, obj: TeamMember) -> str:
        return ", ".join(obj.skills or [])

    def get_queryset(self, request: HttpRequest) -> QuerySet[TeamMember]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                _assigned=Count("customers", filter=Q(customers__status=CustomerStatus.ACTIVE))
            )
        )

    @admin.display(description="Assigned accounts", ordering="_assigned")
    def assigned_accounts(self, obj: TeamMember) -> int:
        return getattr(obj, "_assigned", 0)


@admin.register(Stakeholder)
class StakeholderAdmin(admin.ModelAdmin):
    list_display = ["email", "name", "role", "customer", "is_champion", "is_executive_sponsor"]
    list_filter = ["is_champion", "is_executive_sponsor"]
    search_fields = ["email", "name", "customer__customer_id", "customer__name"]
    list_select_related = ["customer"]
    autocomplete_fields = ["customer"]
    readonly_fields = AUDIT


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0
    fields = ["title", "status", "due_date", "achieved_on"]


@admin.register(SuccessPlan)
class SuccessPlanAdmin(admin.ModelAdmin):
    list_display = ["title", "customer", "status", "start_date", "created_at"]
    list_filter = ["status"]
    search_fields = ["title", "customer__customer_id", "customer__name"]
    list_select_related = ["customer"]
    autocomplete_fields = ["customer"]
    readonly_fields = AUDIT
    inlines = [MilestoneInline]


@admin.register(Milestone)
class MilestoneAdmin(admin.ModelAdmin):
    list_display = ["title", "plan", "status", "due_date", "achieved_on"]
    list_filter = ["status"]
    search_fields = ["title", "plan__title", "plan__customer__customer_id"]
    list_select_related = ["plan"]
    date_hierarchy = "due_date"


@admin.register(LifecycleChange)
class LifecycleChangeAdmin(admin.ModelAdmin):
    list_display = ["customer", "from_stage", "to_stage", "source", "changed_at"]
    list_filter = ["to_stage", "source"]
    search_fields = ["customer__customer_id", "customer__name", "reason"]
    list_select_related = ["customer"]
    date_hierarchy = "changed_at"
    readonly_fields = ["customer", "from_stage", "to_stage", "source", "reason", "changed_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(HealthModel)
class HealthModelAdmin(admin.ModelAdmin):
    """Saving a model that has scored customers creates a new version instead of rewriting
    history; activating one deactivates the others."""

    list_display = ["version", "name", "active", "critical_below", "at_risk_below", "created_at"]
    list_filter = ["active"]
    readonly_fields = ["version", "created_at"]
    actions = ["activate"]

    def save_model(self, request: HttpRequest, obj: HealthModel, form: Any, change: bool) -> None:
        with transaction.atomic():
            used = change and HealthScore.objects.filter(model_version=obj.version).exists()
            if used or not change:
                obj.pk = None
                obj.version = (HealthModel.objects.aggregate(v=Max("version"))["v"] or 0) + 1
                obj._state.adding = True
            if obj.active:
                HealthModel.objects.exclude(pk=obj.pk).filter(active=True).update(active=False)
            super().save_model(request, obj, form, change)

    @admin.action(description="Make the selected model the active one")
    def activate(self, request: HttpRequest, queryset: QuerySet[HealthModel]) -> None:
        chosen = queryset.order_by("-version").first()
        if chosen is None:
            return
        with transaction.atomic():
            HealthModel.objects.filter(active=True).update(active=False)
            HealthModel.objects.filter(pk=chosen.pk).update(active=True)
        self.message_user(request, f"Version {chosen.version} is now active.")


@admin.register(HealthScore)
class HealthScoreAdmin(admin.ModelAdmin):
    list_display = ["customer", "score", "grade", "as_of", "model_version", "computed_at"]
    list_filter = ["grade", "model_version"]
    search_fields = ["customer__customer_id", "customer__name"]
    list_select_related = ["customer"]
    date_hierarchy = "computed_at"
    show_full_result_count = False
    readonly_fields = [
        "customer",
        "computed_at",
        "as_of",
        "score",
        "grade",
        "components",
        "weights",
        "model_version",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
