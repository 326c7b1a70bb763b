import django_filters

from ..models import Event
from .filters_base import ExactCharFilter, InRangeIsoDateTimeFilter, KeyFilter


class EventFilter(django_filters.FilterSet):
    type = ExactCharFilter(field_name="type", help_text="Exact event type.")
    customer_id = KeyFilter(field_name="customer_id")
    created_after = InRangeIsoDateTimeFilter(
        field_name="created_at", lookup_expr="gt", help_text="ISO 8601, exclusive."
    )
    created_before = InRangeIsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", help_text="ISO 8601, exclusive."
    )

    class Meta:
        model = Event
        fields = ["type", "customer_id", "created_after", "created_before"]
