import django_filters
from django.db.models import QuerySet

from integrations.api.filters_base import (
    ExactCharFilter,
    InRangeDateFilter,
    KeyFilter,
    StrictBooleanFilter,
)
from integrations.clock import today
from integrations.ids import QUARTER_MESSAGE, QUARTER_PATTERN, FullMatchRegexValidator

from ..choices import (
    ContractStatus,
    OpportunitySource,
    OpportunityStatus,
    OpportunityType,
    ValueCategory,
)
from ..models import Contract, ExpansionOpportunity, Invoice, ValueRecord


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


class OpportunityFilter(django_filters.FilterSet):
    customer_id = KeyFilter(field_name="customer__customer_id")
    status = django_filters.ChoiceFilter(choices=OpportunityStatus.choices)
    type = django_filters.ChoiceFilter(choices=OpportunityType.choices)
    source = django_filters.ChoiceFilter(choices=OpportunitySource.choices)
    expected_close = ExactCharFilter(
        validators=[FullMatchRegexValidator(QUARTER_PATTERN, QUARTER_MESSAGE)],
        help_text="A quarter, e.g. q2_2026.",
    )

    class Meta:
        model = ExpansionOpportunity
        fields = ["customer_id", "status", "type", "source", "expected_close"]


class ValueRecordFilter(django_filters.FilterSet):
    customer_id = KeyFilter(field_name="customer__customer_id")
    category = django_filters.ChoiceFilter(choices=ValueCategory.choices)
    date_after = InRangeDateFilter(
        field_name="date", lookup_expr="gte", help_text="date on or after this day."
    )
    date_before = InRangeDateFilter(
        field_name="date", lookup_expr="lte", help_text="date on or before this day."
    )

    class Meta:
        model = ValueRecord
        fields = ["customer_id", "category", "date_after", "date_before"]
