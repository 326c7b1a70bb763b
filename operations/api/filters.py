from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from integrations.api.filters_base import (
    EmailFilter,
    ExactCharFilter,
    InRangeIsoDateTimeFilter,
    KeyFilter,
    StrictBooleanFilter,
)

from ..choices import (
    OPEN_ESCALATION_STATUSES,
    AlertStatus,
    EscalationStatus,
    RunStatus,
    RunTrigger,
    Severity,
    SurveyKind,
    TaskKind,
    TicketPriority,
    TicketStatus,
)
from ..models import Alert, Escalation, SupportTicket, SurveyResponse, Task, WorkflowRun

EXCLUSIVE = "ISO 8601, exclusive."


class TicketFilter(django_filters.FilterSet):
    customer_id = KeyFilter(field_name="customer__customer_id")
    status = django_filters.ChoiceFilter(choices=TicketStatus.choices)
    priority = django_filters.ChoiceFilter(choices=TicketPriority.choices)
    opened_after = InRangeIsoDateTimeFilter(
        field_name="opened_at", lookup_expr="gt", help_text=EXCLUSIVE
    )
    opened_before = InRangeIsoDateTimeFilter(
        field_name="opened_at", lookup_expr="lt", help_text=EXCLUSIVE
    )

    class Meta:
        model = SupportTicket
        fields = ["customer_id", "status", "priority", "opened_after", "opened_before"]


class SurveyResponseFilter(django_filters.FilterSet):
    customer_id = KeyFilter(field_name="customer__customer_id")
    kind = django_filters.ChoiceFilter(choices=SurveyKind.choices)
    answered_after = InRangeIsoDateTimeFilter(
        field_name="answered_at", lookup_expr="gt", help_text=EXCLUSIVE
    )
    answered_before = InRangeIsoDateTimeFilter(
        field_name="answered_at", lookup_expr="lt", help_text=EXCLUSIVE
    )

    class Meta:
        model = SurveyResponse
        fields = ["customer_id", "kind", "answered_after", "answered_before"]


class TaskFilter(django_filters.FilterSet):
    customer_id = KeyFilter(field_name="customer__customer_id")
    kind = django_filters.ChoiceFilter(choices=TaskKind.choices)
    owner_email = EmailFilter(field_name="owner__email", help_text="The owning CSM's email.")
    completed = StrictBooleanFilter(
        field_name="completed_at",
        lookup_expr="isnull",
        exclude=True,
        help_text="true: completed tasks only; false: open tasks only.",
    )
    completed_after = InRangeIsoDateTimeFilter(
        field_name="completed_at", lookup_expr="gt", help_text=EXCLUSIVE
    )
    completed_before = InRangeIsoDateTimeFilter(
        field_name="completed_at", lookup_expr="lt", help_text=EXCLUSIVE
    )

    class Meta:
        model = Task
        fields = [
            "customer_id",
            "kind",
            "owner_email",
            "completed",
            "completed_after",
            "completed_before",
        ]


class RunFilter(django_filters.FilterSet):
    customer_id = KeyFilter(field_name="customer__customer_id")
    status = django_filters.ChoiceFilter(choices=RunStatus.choices)
    trigger = django_filters.ChoiceFilter(choices=RunTrigger.choices)
    workflow_type = ExactCharFilter()
    created_after = InRangeIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = InRangeIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = WorkflowRun
        fields = [
            "customer_id",
            "status",
            "trigger",
            "workflow_type",
            "created_after",
            "created_before",
        ]


class AlertFilter(django_filters.FilterSet):
    customer_id = KeyFilter(field_name="customer__customer_id")
    status = django_filters.ChoiceFilter(choices=AlertStatus.choices)
    severity = django_filters.ChoiceFilter(choices=Severity.choices)
    owner_email = EmailFilter(field_name="owner__email")

    class Meta:
        model = Alert
        fields = ["customer_id", "status", "severity", "owner_email"]


class EscalationFilter(django_filters.FilterSet):
    customer_id = KeyFilter(field_name="customer__customer_id")
    status = django_filters.ChoiceFilter(choices=EscalationStatus.choices)
    severity = django_filters.ChoiceFilter(choices=Severity.choices)
    open = StrictBooleanFilter(method="filter_open", help_text="open or in_progress")

    class Meta:
        model = Escalation
        fields = ["customer_id", "status", "severity", "open"]

    def filter_open(self, queryset: QuerySet[Escalation], name: str, value: bool) -> Any:
        q = Q(status__in=OPEN_ESCALATION_STATUSES)
        return queryset.filter(q) if value else queryset.exclude(q)
