import django_filters
from django.db.models import QuerySet

from integrations.api.filters_base import InRangeDateFilter, KeyFilter, StrictBooleanFilter
from integrations.clock import today

from ..choices import ContractStatus
from ..models import Contract, Invoice


class ContractFilter(django_filters.FilterSet):
    customer_id = KeyFilter(field_name="customer__customer_id")
    status = django_filters.ChoiceFilter(choices=ContractStatus.choices)
    ending_before = InRangeDateFilter(
        field_name="end_date", lookup_expr="lte", help_text="end_date on or before this day."
    )
    ending_after = InRangeDateFilter(
        field_name="end_date", lookup_expr="gte", help_text="end_date on or after this day."
    )

    class Meta:
        model = Contract
        fields = ["customer_id", "status", "ending_before", "ending_after"]


class InvoiceFilter(django_filters.FilterSet):
    customer_id = KeyFilter(field_name="customer__customer_id")
    unpaid = StrictBooleanFilter(
        field_name="paid_at",
        lookup_expr="isnull",
        help_text="true: not paid yet (no paid_at); false: paid.",
    )
    overdue = StrictBooleanFilter(
        method="filter_overdue",
        help_text="true: unpaid and due_on before today; false: everything else.",
    )
    issued_after = InRangeDateFilter(
        field_name="issued_on", lookup_expr="gte", help_text="issued_on on or after this day."
    )
    issued_before = InRangeDateFilter(
        field_name="issued_on", lookup_expr="lte", help_text="issued_on on or before this day."
    )

    class Meta:
        model = Invoice
        fields = ["customer_id", "unpaid", "overdue", "issued_after", "issued_before"]

    def filter_overdue(self, queryset: QuerySet[Invoice], name: str, value: bool) -> QuerySet:
        overdue = {"paid_at__isnull": True, "due_on__lt": today()}
        return queryset.filter(**overdue) if value else queryset.exclude(**overdue)
