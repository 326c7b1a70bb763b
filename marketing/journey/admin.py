"""Journey admin (README "Marketing: journeys"): each stage's description, recommended
actions and touchpoint templates are edited here (stages are never deleted, templates may be);
touchpoints are read-only records, never deleted."""

import re
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from integrations.admin_support import ServiceAdmin, ServiceInline

from ..models import JourneyStage, Touchpoint, TouchpointTemplate

MAX_ACTIONS = 20
MAX_ACTION_LENGTH = 300
_CONTROL = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


def recommended_actions_problem(value: Any) -> str | None:
    """Why `value` is not a stage's recommended actions (a JSON list of 1..20 non-empty texts
    of at most 300 characters, without control characters), or None."""
    shape = 'A JSON list of non-empty texts, e.g. ["Hold the kick-off call"]'
    if not isinstance(value, list) or not all(isinstance(i, str) and i.strip() for i in value):
        return f"{shape}."
    if not 1 <= len(value) <= MAX_ACTIONS:
        return f"{shape}: 1 to {MAX_ACTIONS} actions (got {len(value)})."
    for number, item in enumerate(value, start=1):
        if _CONTROL.search(item):
            return f"Action {number} holds a control character (NUL, newline, tab...)."
        if len(item.strip()) > MAX_ACTION_LENGTH:
            return f"Action {number} is longer than {MAX_ACTION_LENGTH} characters."
    return None


class JourneyStageForm(forms.ModelForm):
    class Meta:
        model = JourneyStage
        fields = ["stage", "description", "recommended_actions"]

    def clean_recommended_actions(self) -> list[str]:
        value = self.cleaned_data["recommended_actions"]
        problem = recommended_actions_problem(value)
        if problem is not None:
            raise forms.ValidationError(problem)
        return [item.strip() for item in value]


class TouchpointTemplateInline(ServiceInline, admin.TabularInline):
    model = TouchpointTemplate
    extra = 0
    fields = ["name", "channel", "kind", "delay_hours", "active"]


@admin.register(JourneyStage)
class JourneyStageAdmin(ServiceAdmin):
    """A stage's templates are scheduled when a customer enters it through the journey API;
    editing them changes what later moves schedule, never touchpoints already created."""

    form = JourneyStageForm
    list_display = ["stage", "description", "active_templates"]
    search_fields = ["stage", "description"]
    inlines = [TouchpointTemplateInline]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).prefetch_related("templates")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # One row per lifecycle stage: without it a move schedules nothing and the status
        # shows no description. Templates are removed (or deactivated) inline.
        return False

    @admin.display(description="Active templates")
    def active_templates(self, obj: JourneyStage) -> int:
        return sum(1 for t in obj.templates.all() if t.active)


@admin.register(Touchpoint)
class TouchpointAdmin(admin.ModelAdmin):
    """Read-only: touchpoints are created by journey moves and settled by the due sweep."""

    list_display = [
        "touchpoint_id",
        "customer",
        "stage",
        "name",
        "channel",
        "kind",
        "status",
        "scheduled_for",
        "status_changed_at",
    ]
    list_filter = ["status", "kind", "stage", "channel"]
    search_fields = ["touchpoint_id", "customer__customer_id", "customer__name", "name"]
    list_select_related = ["customer"]
    date_hierarchy = "scheduled_for"
    list_per_page = 50
    show_full_result_count = False
    readonly_fields = [
        "touchpoint_id",
        "customer",
        "template",
        "stage_change",
        "stage",
        "name",
        "channel",
        "kind",
        "status",
        "scheduled_for",
        "status_changed_at",
        "reason",
        "created_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the record of what was sent, suppressed or cancelled stays
