from drf_spectacular.utils import extend_schema
from rest_framework import mixins

from .. import selectors
from ..pagination import cursor_pagination
from .base import PlatformGenericViewSet
from .filters import EventFilter
from .serializers import EventSerializer


@extend_schema(tags=["events"])
class EventViewSet(mixins.ListModelMixin, PlatformGenericViewSet):
    """Domain events, oldest first, for reconciliation with webhook deliveries."""

    scope_domain = "webhooks"
    serializer_class = EventSerializer
    filterset_class = EventFilter
    # Oldest first: reconciliation walks forward from the last event it has seen.
    pagination_class = cursor_pagination("created_at", "id")
    queryset = selectors.event_list()
