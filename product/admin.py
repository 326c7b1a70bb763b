from datetime import date
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from integrations.admin_support import IngestedAdmin, copy_saved
from integrations.domain_errors import DomainError

from .choices import FeedbackStatus
from .models import Feature, FeatureUsage, Feedback, FeedbackStatusChange
from .selectors.feedback import overdue_q
from .services.feedback import feedback_edit, feedback_update
from .services.ingestion import features_bulk_upsert, usage_ingest, usage_rows_delete


@admin.register(Feature)
class FeatureAdmin(IngestedAdmin):
    money_fields = ("list_price",)
    natural_key = ("feature_id",)
    always = ()

    ingest_service = features_bulk_upsert

    list_display = [
        "feature_id",
        "name",
        "category",
        "is_key",
        "is_premium",
        "list_price",
        "adoption_threshold_days",
    ]
    list_filter = ["is_key", "is_premium", "category"]
    search_fields = ["feature_id", "name"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(FeatureUsage)
class FeatureUsageAdmin(IngestedAdmin):
    natural_key = ("customer", "feature", "date")
    full_rows = True
    as_item = {**IngestedAdmin.as_item, "feature": ("feature_id", "feature_id")}

    ingest_service = usage_ingest

    list_display = ["date", "customer", "feature", "events", "active_users"]
    list_filter = ["feature"]
    search_fields = ["customer__customer_id", "customer__name"]
    list_select_related = ["customer", "feature"]
    raw_id_fields = ["customer"]
    date_hierarchy = "date"
    show_full_result_count = False

    # Deleting usage changes who adopted what: through the service, which notes the days.
    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[FeatureUsage]) -> None:
        usage_rows_delete(queryset)

    def delete_model(self, request: HttpRequest, obj: FeatureUsage) -> None:
        usage_rows_delete(FeatureUsage.objects.filter(pk=obj.pk))


HISTORY_FIELDS = [
    "changed_at",
    "from_status",
    "to_status",
    "target_date",
    "target_release",
    "note",
    "changed_by",
]


class FeedbackHistoryInline(admin.TabularInline):
    model = FeedbackStatusChange
    extra = 0
    can_delete = False
    fields = tuple(HISTORY_FIELDS)
    readonly_fields = HISTORY_FIELDS

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class FeedbackActionForm(ActionForm):
    """Extra inputs for the status action, shown beside the admin's action menu."""

    status = forms.ChoiceField(
        choices=[("", "(keep status: re-target)"), *FeedbackStatus.choices], required=False
    )
    # Text, parsed by the action: a DateField failing here would only say "No action selected".
    target_date = forms.CharField(
        required=False, max_length=10, widget=forms.TextInput(attrs={"placeholder": "YYYY-MM-DD"})
    )
    target_release = forms.CharField(required=False, max_length=100)
    note = forms.CharField(required=False, max_length=2000)


class OverdueFilter(admin.SimpleListFilter):
    title = "overdue"
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Overdue"), ("no", "Not overdue")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Feedback]) -> Any:
        q = overdue_q(timezone.localdate())
        if self.value() == "yes":
            return queryset.filter(q)
        if self.value() == "no":
            return queryset.exclude(q)
        return queryset


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    """The feedback board: filter by status, category, impact; move items with the action."""

    list_display = [
        "feedback_id",
        "customer",
        "category",
        "type",
        "business_impact",
        "priority_score",
        "status",
        "target_date",
        "target_release",
        "created_at",
    ]
    list_filter = (
        "status",
        OverdueFilter,
        "business_impact",
        "priority",
        "type",
        "category",
    )
    search_fields = ["feedback_id", "customer__customer_id", "customer__name", "description"]
    list_select_related = ["customer"]
    ordering = ["-priority_score", "-created_at"]
    raw_id_fields = ["customer"]
    inlines = [FeedbackHistoryInline]
    action_form = FeedbackActionForm
    actions = ["change_status"]
    readonly_fields = [
        "feedback_id",
        "customer",
        "priority_score",
        "priority_factors",
        "status",
        "target_date",
        "target_release",
        "committed_at",
        "delivered_at",
        "status_changed_at",
        "submitted_by",
        "created_at",
        "updated_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # feedback arrives through the API, with its computed priority

    def save_model(self, request: HttpRequest, obj: Feedback, form: Any, change: bool) -> None:
        current = Feedback.objects.get(pk=obj.pk)  # `obj` already holds the form's values
        edited = feedback_edit(
            feedback=current, data={f: form.cleaned_data[f] for f in form.changed_data}
        )
        copy_saved(edited, obj)

    @admin.action(description="Change status / target of selected feedback", permissions=["change"])
    def change_status(self, request: HttpRequest, queryset: QuerySet[Feedback]) -> None:
        data = request.POST
        status = data.get("status") or None
        target_date = None
        if data.get("target_date"):
            try:
                target_date = date.fromisoformat(data["target_date"])
            except ValueError:
                self.message_user(request, "Target date must be YYYY-MM-DD.", messages.ERROR)
                return
        done, failed = 0, []
        for item in queryset:
            try:
                feedback_update(
                    feedback=item,
                    status=status,
                    target_date=target_date,
                    target_release=data.get("target_release") or None,
                    note=data.get("note", ""),
                    changed_by=f"admin:{request.user}",
                )
                done += 1
            except DomainError as exc:
                failed.append(f"{item.feedback_id}: {exc.text()}")
        if done:
            self.message_user(request, f"Updated {done} item(s).", messages.SUCCESS)
        for line in failed:
            self.message_user(request, line, messages.ERROR)
