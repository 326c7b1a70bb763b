from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from drf_spectacular.utils import extend_schema_field

from integrations.api.filters_base import EmailFilter, InRangeIsoDateTimeFilter, StrictBooleanFilter
from integrations.clock import today

from .. import facts
from ..choices import CustomerStatus, LifecycleStage, Segment
from ..models import Customer, HealthGrade, TeamMember

MAX_RENEWAL_DAYS = 3650

# `ordering` values -> (annotation, descending); "customer_id" is the default order.
ORDERINGS = {
    "customer_id": None,
    "health_score": ("health_score", False),
    "-health_score": ("health_score", True),
    "health_change_30d": ("health_change_30d", False),
    "-health_change_30d": ("health_change_30d", True),
    "arr": ("arr", False),
    "-arr": ("arr", True),
}


class CommaMultipleChoiceField(django_filters.fields.MultipleChoiceField):
    """Repeated (`?grade=a&grade=b`) or comma-separated (`?grade=a,b`) choices. Empty parts are
    no choice: `?grade=` is the filter left out, as an empty value is on every list."""

    def clean(self, value: Any) -> Any:
        if value:
            parts = (part.strip() for item in value for part in str(item).split(","))
            value = [part for part in parts if part]
        return super().clean(value)


class CommaMultipleChoiceFilter(django_filters.MultipleChoiceFilter):
    field_class = CommaMultipleChoiceField


class PlainIntegerField(forms.IntegerField):
    """ASCII digits only: `1_0`, ` 10`, `1e1` or Arabic-Indic digits are not a number of days."""

    def to_python(self, value: Any) -> int | None:
        if value not in self.empty_values and not (
            isinstance(value, str) and value.isascii() and value.isdigit()
        ):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class IntegerFilter(django_filters.NumberFilter):
    field_class = PlainIntegerField


RENEWAL_WITHIN_HELP = (
    "The next renewal (the end of the customer's next active contract) falls in (today, "
    "today + N]: a contract ending today is due, not due within (the renewals list's window)."
)


@extend_schema_field(
    {
        "type": "integer",
        "minimum": 1,
        "maximum": MAX_RENEWAL_DAYS,
        "description": RENEWAL_WITHIN_HELP,
    }
)
class RenewalWithinFilter(IntegerFilter):
    pass


class CustomerFilter(django_filters.FilterSet):
    segment = django_filters.ChoiceFilter(choices=Segment.choices)
    status = django_filters.ChoiceFilter(choices=CustomerStatus.choices)
    lifecycle_stage = django_filters.ChoiceFilter(choices=LifecycleStage.choices)
    success_manager = EmailFilter(field_name="success_manager__email", help_text="CSM email.")
    search = django_filters.CharFilter(
        method="filter_search", help_text="Case-insensitive match on name or customer_id."
    )
    updated_after = InRangeIsoDateTimeFilter(field_name="updated_at", lookup_expr="gt")
    grade = CommaMultipleChoiceFilter(
        field_name="health_grade",
        choices=HealthGrade.choices,
        help_text="The latest health grade: repeat the parameter or separate grades by "
        "commas (`grade=critical,at_risk`). Customers without a score match none.",
    )
    renewal_within_days = RenewalWithinFilter(
        method="filter_renewal_within",
        min_value=1,
        max_value=MAX_RENEWAL_DAYS,
        help_text=RENEWAL_WITHIN_HELP,
    )
    ordering = django_filters.ChoiceFilter(
        choices=[(key, key) for key in ORDERINGS],
        method="filter_ordering",
        help_text="`customer_id` (default); `health_score`, `health_change_30d` or `arr`, "
        "ascending, or descending with `-`. Customers without a value come last either way, "
        "then by customer_id.",
    )

    class Meta:
        model = Customer
        fields = [
            "segment",
            "status",
            "lifecycle_stage",
            "success_manager",
            "search",
            "updated_after",
            "grade",
            "renewal_within_days",
            "ordering",
        ]

    def filter_renewal_within(self, queryset: QuerySet[Any], name: str, value: int) -> QuerySet:
        as_of = today()
        window = facts.renewal_due_window(as_of, value)
        if window is None:  # no app provides renewals: nobody has one
            return queryset.none()
        return queryset.annotate(next_renewal=facts.next_renewal_expression(as_of)).filter(
            window.dates("next_renewal")
        )

    def filter_ordering(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet:
        return queryset  # validated here; the paginator orders (a keyset over the value)

    def filter_search(self, queryset: QuerySet[Customer], name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(customer_id__icontains=value))


class TeamMemberFilter(django_filters.FilterSet):
    active = StrictBooleanFilter()
    skill = django_filters.CharFilter(method="filter_skill", help_text="Has this skill.")

    class Meta:
        model = TeamMember
        fields = ["active", "skill"]

    def filter_skill(self, queryset: QuerySet[TeamMember], name: str, value: str) -> QuerySet:
        # JSON containment is not portable to SQLite; the team list is small, so match text.
        return queryset.filter(skills__icontains=f'"{value.strip().lower()}"')
