from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from integrations.admin_support import JSON_FORM_FIELD, IngestedAdmin, ServiceAdmin, copy_saved
from integrations.domain_errors import DomainError
from integrations.history_admin import HistoryAdmin
from integrations.ids import new_public_id

from . import services
from .choices import AlertStatus, EscalationStatus, StepStatus
from .models import (
    AccountTeamMember,
    Alert,
    AutomationRule,
    Escalation,
    Playbook,
    PlaybookTask,
    SegmentSkillRequirement,
    SupportTicket,
    SurveyResponse,
    Task,
    WorkflowRun,
    WorkflowStepRun,
)
from .workflows import incidents
from .workflows.engine import step_retry
from .workflows.registry import step_list_problem

AUDIT = ("created_at", "updated_at")


def counted(n: int, noun: str) -> str:
    """'1 task', '3 tasks' (nouns here take an s)."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def was_were(n: int) -> str:
    return f"{n} {'was' if n == 1 else 'were'}"


class OverdueFilter(admin.SimpleListFilter):
    """Open tasks due before now (the queue's "overdue"), or the open ones not yet due."""

    title, parameter_name = "overdue", "overdue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> Any:
        return [("yes", "Overdue"), ("no", "Open, not overdue")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        now, open_ = timezone.now(), queryset.filter(completed_at__isnull=True)
        if self.value() == "yes":
            return open_.filter(due_at__lt=now)
        if self.value() == "no":
            return open_.exclude(due_at__lt=now)
        return queryset


def complete_tasks_message(done: services.TasksCompleted) -> tuple[str, int]:
    """The message bar's words for a completion, and its level."""
    parts = [f"Completed {counted(done.completed, 'task')}"]
    if done.already:
        parts.append(f"{was_were(done.already)} already completed")
    if done.missing:
        parts.append(f"{was_were(done.missing)} not found")
    return "; ".join(parts) + ".", messages.SUCCESS if done.completed else messages.WARNING


def move_incidents(
    rows: QuerySet[Any], target: str, update: Callable[[Any], Any], noun: str, verb: str
) -> tuple[str, int]:
    """Move each row to `target` through its service (`update(row)`); resolved rows stay
    resolved when acknowledging. Returns the message and its level."""
    moved = already = closed = 0
    refused: list[str] = []
    for row in rows.select_related("customer"):
        if row.status == target:
            already += 1
        elif row.status == "resolved":
            closed += 1
        else:
            try:
                update(row)
            except DomainError as exc:  # e.g. deleted meanwhile: the others still move
                refused.append(exc.text())
                continue
            moved += 1
    parts = [f"{verb} {counted(moved, noun)}"]
    if refused:
        parts.append(f"{len(refused)} refused ({refused[0]})")
    if already:
        parts.append(f"{was_were(already)} already {verb.lower()}")
    if closed:
        parts.append(f"{was_were(closed)} resolved (left as they were)")
    return "; ".join(parts) + ".", messages.SUCCESS if moved else messages.WARNING


@admin.register(SupportTicket)
class SupportTicketAdmin(IngestedAdmin):
    natural_key = ("ticket_id",)

    ingest_service = services.tickets_bulk_upsert

    list_display = ["ticket_id", "customer", "priority", "status", "opened_at", "resolved_at"]
    list_filter = ["status", "priority"]
    search_fields = ["ticket_id", "customer__customer_id", "customer__name"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]
    readonly_fields = AUDIT
    date_hierarchy = "opened_at"
    list_per_page = 50
    show_full_result_count = False


@admin.register(SurveyResponse)
class SurveyResponseAdmin(IngestedAdmin):
    natural_key = ("response_id",)

    ingest_service = services.surveys_bulk_upsert

    list_display = ["response_id", "customer", "kind", "score", "respondent_email", "answered_at"]
    list_filter = ["kind", "score"]
    search_fields = ["response_id", "respondent_email", "customer__customer_id", "customer__name"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]
    readonly_fields = AUDIT
    date_hierarchy = "answered_at"
    list_per_page = 50
    show_full_result_count = False


@admin.register(Task)
class TaskAdmin(IngestedAdmin):
    natural_key = ("task_id",)
    as_item = {**IngestedAdmin.as_item, "owner": ("owner_email", "email")}

    ingest_service = services.tasks_bulk_upsert

    list_display = ["task_id", "title", "customer", "kind", "owner", "due_at", "completed_at"]
    list_filter = ["kind", OverdueFilter, ("completed_at", admin.EmptyFieldListFilter), "owner"]
    search_fields = ["task_id", "title", "customer__customer_id", "customer__name"]
    list_select_related = ["customer", "owner"]
    raw_id_fields = ["customer"]
    autocomplete_fields = ["owner"]
    readonly_fields = AUDIT
    date_hierarchy = "due_at"
    list_per_page = 50
    show_full_result_count = False
    actions = ["complete"]

    @admin.action(description="Complete selected tasks", permissions=["change"])
    def complete(self, request: HttpRequest, queryset: QuerySet[Task]) -> None:
        pks = list(queryset.values_list("pk", flat=True))
        done = services.tasks_complete(task_pks=pks, now=timezone.now())
        self.message_user(request, *complete_tasks_message(done))


class StepRunInline(admin.TabularInline):
    model = WorkflowStepRun
    extra = 0
    can_delete = False
    fields = STEP_FIELDS = (
        "position",
        "step",
        "status",
        "attempts",
        "started_at",
        "finished_at",
        "next_attempt_at",
        "last_error",
        "result",
    )
    readonly_fields = STEP_FIELDS

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WorkflowRun)
class WorkflowRunAdmin(admin.ModelAdmin):
    list_display = [
        "run_id",
        "customer",
        "workflow_type",
        "status",
        "trigger",
        "forced",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status", "trigger", "workflow_type", "forced"]
    search_fields = ["run_id", "customer__customer_id", "customer__name"]
    list_select_related = ["customer"]
    date_hierarchy = "created_at"
    inlines = [StepRunInline]
    actions = ["retry_failed_step"]
    readonly_fields = [
        "run_id",
        "customer",
        "workflow_type",
        "status",
        "trigger",
        "rule",
        "trigger_conditions",
        "conditions_match",
        "evaluation",
        "forced",
        "requested_by",
        "error",
        "created_at",
        "started_at",
        "finished_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # runs start from the API or an automation rule

    @admin.action(description="Retry the failed step of selected runs", permissions=["change"])
    def retry_failed_step(self, request: HttpRequest, queryset: QuerySet[WorkflowRun]) -> None:
        failed = list(WorkflowStepRun.objects.filter(run__in=queryset, status=StepStatus.FAILED))
        for step in failed:
            step_retry(step)
        runs = len(queryset)
        text = f"Retrying {counted(len(failed), 'failed step')}"
        if runs > len(failed):
            text += f"; {was_were(runs - len(failed))} without a failed step"
        level = messages.SUCCESS if failed else messages.WARNING
        self.message_user(request, text + ".", level)


class PlaybookTaskInline(admin.TabularInline):
    model = PlaybookTask
    extra = 1
    fields = ["position", "kind", "title", "due_in_business_days"]


@admin.register(Playbook)
class PlaybookAdmin(HistoryAdmin, admin.ModelAdmin):
    list_display = ["name", "workflow_type", "active", "updated_at"]
    list_filter = ["active"]
    search_fields = ["name", "workflow_type"]
    inlines = [PlaybookTaskInline]


class AutomationRuleForm(forms.ModelForm):
    class Meta:
        model = AutomationRule
        fields = [
            "name",
            "event_type",
            "conditions",
            "workflow_type",
            "automation_steps",
            "cooldown_hours",
            "active",
        ]

    def clean_automation_steps(self) -> Any:
        steps = self.cleaned_data["automation_steps"]
        if not isinstance(steps, list) or not all(isinstance(s, str) for s in steps):
            raise forms.ValidationError("A list of step names.")
        problem = step_list_problem(steps)
        if problem is not None:
            raise forms.ValidationError(problem.message)
        return steps

    def clean_conditions(self) -> Any:
        conditions = self.cleaned_data["conditions"]
        if not isinstance(conditions, dict):
            raise forms.ValidationError('An object, e.g. {"grade": "critical"}.')
        return conditions


@admin.register(AutomationRule)
class AutomationRuleAdmin(HistoryAdmin, admin.ModelAdmin):
    form = AutomationRuleForm
    formfield_overrides = JSON_FORM_FIELD  # NUL in a JSON string: a form error, not a 500
    list_display = ["name", "event_type", "workflow_type", "cooldown_hours", "active"]
    list_filter = ["active", "event_type"]
    search_fields = ["name", "workflow_type"]


class IncidentAdmin(ServiceAdmin):
    """Alerts and escalations edited by hand. The status (and an escalation's owner) moves
    through the service the API's PATCH uses, so resolved_at follows the status and
    `escalation.resolved` is published; one added by hand opens and then moves to its status
    the same way. Descriptive fields (title, severity, ...) carry no rule: saved as edited."""

    id_field, id_prefix = "", ""
    service_fields: tuple[str, ...] = ("status",)
    # (row, changed service fields) → the row the service saved; each subclass defines it.
    move: Callable[[Any, dict[str, Any]], Any]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        data = form.cleaned_data
        moves = {f: data[f] for f in self.service_fields if f in form.changed_data or not change}
        model = type(obj)
        if change:
            plain = [f for f in form.changed_data if f not in self.service_fields]
            if plain:
                model.objects.filter(pk=obj.pk).update(**{f: data[f] for f in plain})
            current = model.objects.get(pk=obj.pk)
        else:
            setattr(obj, self.id_field, new_public_id(self.id_prefix))
            obj.status, obj.resolved_at = model._meta.get_field("status").default, None
            obj.save()
            current = obj
        copy_saved(self.move(current, moves) if moves else current, obj)


@admin.register(Alert)
class AlertAdmin(IncidentAdmin):
    id_field, id_prefix = "alert_id", "alr"

    list_display = ["alert_id", "customer", "owner", "severity", "status", "opened_at"]
    list_filter = ["status", "severity"]
    search_fields = ["alert_id", "customer__customer_id", "customer__name", "title"]
    list_select_related = ["customer", "owner"]
    raw_id_fields = ["customer", "owner"]
    readonly_fields = ["alert_id", "source_key", "resolved_at"]

    actions = ["acknowledge", "resolve"]

    def move(self, obj: Alert, changes: dict[str, Any]) -> Alert:
        return incidents.alert_update(alert=obj, status=changes["status"])

    @admin.action(description="Acknowledge selected alerts", permissions=["change"])
    def acknowledge(self, request: HttpRequest, queryset: QuerySet[Alert]) -> None:
        def update(alert: Alert) -> Alert:
            return incidents.alert_update(alert=alert, status=AlertStatus.ACKNOWLEDGED)

        ack = AlertStatus.ACKNOWLEDGED
        self.message_user(request, *move_incidents(queryset, ack, update, "alert", "Acknowledged"))

    @admin.action(description="Resolve selected alerts", permissions=["change"])
    def resolve(self, request: HttpRequest, queryset: QuerySet[Alert]) -> None:
        def update(alert: Alert) -> Alert:
            return incidents.alert_update(alert=alert, status=AlertStatus.RESOLVED)

        done = AlertStatus.RESOLVED
        self.message_user(request, *move_incidents(queryset, done, update, "alert", "Resolved"))


@admin.register(Escalation)
class EscalationAdmin(IncidentAdmin):
    id_field, id_prefix = "escalation_id", "esc"
    service_fields = ("status", "owner_email")

    list_display = [
        "escalation_id",
        "customer",
        "owner_email",
        "severity",
        "status",
        "opened_at",
        "resolved_at",
    ]
    list_filter = ["status", "severity"]
    search_fields = ["escalation_id", "customer__customer_id", "customer__name", "owner_email"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer", "run"]
    readonly_fields = ["escalation_id", "source_key", "resolved_at"]

    actions = ["acknowledge", "resolve"]

    def move(self, obj: Escalation, changes: dict[str, Any]) -> Escalation:
        return incidents.escalation_update(escalation=obj, **changes)

    # Acknowledging an escalation is taking it on: in progress.
    @admin.action(
        description="Acknowledge selected escalations (in progress)", permissions=["change"]
    )
    def acknowledge(self, request: HttpRequest, queryset: QuerySet[Escalation]) -> None:
        def update(row: Escalation) -> Escalation:
            return incidents.escalation_update(escalation=row, status=EscalationStatus.IN_PROGRESS)

        moved = move_incidents(
            queryset, EscalationStatus.IN_PROGRESS, update, "escalation", "Acknowledged"
        )
        self.message_user(request, *moved)

    @admin.action(description="Resolve selected escalations", permissions=["change"])
    def resolve(self, request: HttpRequest, queryset: QuerySet[Escalation]) -> None:
        def update(row: Escalation) -> Escalation:
            return incidents.escalation_update(escalation=row, status=EscalationStatus.RESOLVED)

        moved = move_incidents(
            queryset, EscalationStatus.RESOLVED, update, "escalation", "Resolved"
        )
        self.message_user(request, *moved)


@admin.register(AccountTeamMember)
class AccountTeamMemberAdmin(admin.ModelAdmin):
    list_display = ["customer", "email", "name", "role"]
    search_fields = ["customer__customer_id", "email", "name"]
    raw_id_fields = ["customer"]


@admin.register(SegmentSkillRequirement)
class SegmentSkillRequirementAdmin(admin.ModelAdmin):
    list_display = ["segment", "skills"]
    formfield_overrides = JSON_FORM_FIELD
