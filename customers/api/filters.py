import django_filters
from django.db.models import Q, QuerySet

from integrations.api.filters_base import EmailFilter, InRangeIsoDateTimeFilter, StrictBooleanFilter

from ..choices import CustomerStatus, LifecycleStage, Segment
from ..models import Customer, TeamMember


class CustomerFilter(django_filters.FilterSet):
    segment = django_filters.ChoiceFilter(choices=Segment.choices)
    status = django_filters.ChoiceFilter(choices=CustomerStatus.choices)
    lifecycle_stage = django_filters.ChoiceFilter(choices=LifecycleStage.choices)
    success_manager = EmailFilter(field_name="success_manager__email", help_text="CSM email.")
    search = django_filters.CharFilter(
        method="filter_search", help_text="Case-insensitive match on name or customer_id."
    )
    updated_after = InRangeIsoDateTimeFilter(field_name="updated_at", lookup_expr="gt")

    class Meta:
        model = Customer
        fields = [
            "segment",
            "status",
            "lifecycle_stage",
            "success_manager",
            "search",
            "updated_after",
        ]

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
