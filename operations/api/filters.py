import django_filters

from integrations.api.filters_base import InRangeIsoDateTimeFilter

from ..choices import SurveyKind, TaskKind, TicketPriority, TicketStatus
from ..models import SupportTicket, SurveyResponse, Task

EXCLUSIVE = "ISO 8601, exclusive."


class TicketFilter(django_filters.FilterSet):
    customer_id = django_filters.CharFilter(field_name="customer__customer_id")
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
    customer_id = django_filters.CharFilter(field_name="customer__customer_id")
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
    customer_id = django_filters.CharFilter(field_name="customer__customer_id")
    kind = django_filters.ChoiceFilter(choices=TaskKind.choices)
    owner_email = django_filters.CharFilter(
        field_name="owner__email", lookup_expr="iexact", help_text="The owning CSM's email."
    )
    completed = django_filters.BooleanFilter(
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
