"""Bulk actions on the customer list: assign a CSM, start a workflow. Each shows an
intermediate page (choose the member; choose the playbook and see every customer's condition
check), then writes through the same services as the API and says what it did."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone

from customers import read as customers_read
from customers import services as customer_services
from customers.choices import StageChangeSource
from customers.models import Customer
from operations import read as operations_read
from operations.choices import ConditionsMatch, RunTrigger
from operations.errors import WorkflowConditionsNotMet
from operations.workflows.conditions import RANGES, conditions_hold, evaluate_many
from operations.workflows.engine import workflow_start
from operations.workflows.registry import registered_steps, step_list_problem

# The steps of the health-decline intervention (the API's example), offered as the default.
DEFAULT_STEPS = [
    "send_immediate_alert",
    "schedule_priority_check_in",
    "deploy_success_playbook",
    "notify_account_team",
]
SHOWN = 200  # customers listed on an intermediate page; the action still covers all selected


def counted(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _page(
    modeladmin: Any, request: HttpRequest, queryset: QuerySet[Customer], **context: Any
) -> TemplateResponse:
    return TemplateResponse(
        request,
        context.pop("template"),
        {
            **modeladmin.admin_site.each_context(request),
            "opts": modeladmin.model._meta,
            "customers": list(queryset.select_related("success_manager")[:SHOWN]),
            "selected": queryset.count(),
            "selected_pks": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            **context,
        },
    )


class AssignCsmForm(forms.Form):
    member = forms.ModelChoiceField(
        queryset=customers_read.active_team_members().order_by("name"),
        label="Customer success manager",
    )


@admin.action(description="Assign a CSM to selected customers", permissions=["change"])
def assign_csm(
    modeladmin: Any, request: HttpRequest, queryset: QuerySet[Customer]
) -> TemplateResponse | None:
    form = AssignCsmForm(request.POST if "apply" in request.POST else None)
    if not (form.is_bound and form.is_valid()):
        return _page(
            modeladmin,
            request,
            queryset,
            template="admin/cockpit/assign_csm.html",
            title="Assign a CSM",
            action="assign_csm",
            form=form,
        )
    member = form.cleaned_data["member"]
    moved = already = 0
    for customer in queryset:
        if customer.success_manager_id == member.pk:
            already += 1
            continue
        customer_services.customer_update(
            customer=customer,
            data={"success_manager": member.email},
            source=StageChangeSource.ADMIN,
        )
        moved += 1
    text = f"Assigned {member.name} to {counted(moved, 'customer')}"
    if already:
        text += f"; {already} already had {member.name}"
    modeladmin.message_user(request, text + ".", messages.SUCCESS if moved else messages.WARNING)
    return None


def _step_choices() -> list[tuple[str, str]]:
    return [(name, f"{name}: {step.description}") for name, step in registered_steps().items()]


class StartWorkflowForm(forms.Form):
    playbook = forms.ModelChoiceField(
        queryset=operations_read.active_playbooks(),
        help_text="The run's workflow type is the playbook's (its deploy step creates its tasks).",
    )
    steps = forms.MultipleChoiceField(
        choices=_step_choices, widget=forms.CheckboxSelectMultiple, initial=DEFAULT_STEPS
    )
    health_score_drop = forms.FloatField(
        required=False,
        min_value=RANGES["health_score_drop"][0],
        max_value=RANGES["health_score_drop"][1],
        help_text="Points over ~30 days; blank: no condition.",
    )
    usage_decline = forms.FloatField(
        required=False,
        min_value=RANGES["usage_decline"][0],
        max_value=RANGES["usage_decline"][1],
        help_text="A fraction, last 30 days vs the 30 before.",
    )
    support_increase = forms.FloatField(
        required=False,
        min_value=RANGES["support_increase"][0],
        max_value=RANGES["support_increase"][1],
        help_text="A fraction of tickets opened, same days.",
    )
    conditions_match = forms.ChoiceField(choices=ConditionsMatch.choices, initial="all")
    force = forms.BooleanField(required=False, help_text="Start even where the conditions fail.")

    def clean_steps(self) -> list[str]:
        steps = list(self.cleaned_data["steps"])
        problem = step_list_problem(steps)
        if problem is not None:
            raise forms.ValidationError(problem.message)
        return steps

    def conditions(self) -> dict[str, float]:
        data = self.cleaned_data
        return {name: data[name] for name in RANGES if data.get(name) is not None}


@admin.action(
    description="Start a workflow (playbook) for selected customers", permissions=["change"]
)
def start_workflow(
    modeladmin: Any, request: HttpRequest, queryset: QuerySet[Customer]
) -> TemplateResponse | None:
    asked = "check" in request.POST or "start" in request.POST
    form = StartWorkflowForm(request.POST if asked else None)
    if not (asked and form.is_valid()) or "start" not in request.POST:
        checks = None
        if asked and form.is_valid():
            checks = _checks(form, queryset)
        return _page(
            modeladmin,
            request,
            queryset,
            template="admin/cockpit/start_workflow.html",
            title="Start a workflow",
            action="start_workflow",
            form=form,
            checks=checks,
        )
    data = form.cleaned_data
    started, not_met = 0, []
    for customer in queryset:
        try:
            workflow_start(
                customer=customer,
                workflow_type=data["playbook"].workflow_type,
                trigger_conditions=form.conditions(),
                steps=data["steps"],
                conditions_match=data["conditions_match"],
                force=data["force"],
                trigger=RunTrigger.ADMIN,
                requested_by=f"admin:{request.user.get_username()}",
            )
            started += 1
        except WorkflowConditionsNotMet:
            not_met.append(customer.customer_id)
    text = f"Started {counted(started, 'workflow')} ({data['playbook'].name})"
    if not_met:
        shown = ", ".join(not_met[:10]) + (", ..." if len(not_met) > 10 else "")
        text += f"; {len(not_met)} not started, conditions not met: {shown}"
    modeladmin.message_user(request, text + ".", messages.SUCCESS if started else messages.WARNING)
    return None


def _checks(form: StartWorkflowForm, queryset: QuerySet[Customer]) -> list[dict[str, Any]]:
    """Per shown customer: each condition measured and whether the run would start."""
    customers = list(queryset.order_by("name", "pk")[:SHOWN])
    match = form.cleaned_data["conditions_match"]
    measured = evaluate_many([c.pk for c in customers], form.conditions(), timezone.now())
    return [
        {
            "customer": c,
            "measured": measured[c.pk],
            "holds": conditions_hold(measured[c.pk], match),
        }
        for c in customers
    ]
