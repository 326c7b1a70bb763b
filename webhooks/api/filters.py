import django_filters

from integrations.api.filters_base import InRangeIsoDateTimeFilter

from ..choices import DeliveryStatus
from ..models import WebhookDelivery


class DeliveryFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=DeliveryStatus.choices)
    event_type = django_filters.CharFilter(field_name="event__type", help_text="Exact type.")
    created_after = InRangeIsoDateTimeFilter(
        field_name="created_at", lookup_expr="gt", help_text="ISO 8601, exclusive."
    )

    class Meta:
        model = WebhookDelivery
        fields = ["status", "event_type", "created_after"]
