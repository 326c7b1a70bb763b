import django_filters

from ..models import Event
from .filters_base import ExactCharFilter, InRangeIsoDateTimeFilter, KeyFilter


class EventFilter(django_filters.FilterSet):
    # A webhook whose data was too large links here (webhooks.services.delivery).
    event_id = ExactCharFilter(field_name="event_id", help_text="One event by its id.")
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
        fields = ["event_id", "type", "customer_id", "created_after", "created_before"]
