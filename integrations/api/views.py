from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins

from .. import selectors
from ..models import ApiKey, Event
from ..pagination import cursor_pagination
from .base import PlatformGenericViewSet
from .filters import EventFilter
from .serializers import EventSerializer


@extend_schema(tags=["events"])
class EventViewSet(mixins.ListModelMixin, PlatformGenericViewSet):
    """Domain events, oldest first, for reconciliation with webhook deliveries. An event
    about one client's own webhook endpoint (`webhook.*`) is listed to that client only."""

    scope_domain = "webhooks"
    serializer_class = EventSerializer
    filterset_class = EventFilter
    # Oldest first: reconciliation walks forward from the last event it has seen.
    pagination_class = cursor_pagination("created_at", "id")
    queryset = selectors.event_list()  # for the schema; the request's reader is below

    def get_queryset(self) -> QuerySet[Event]:
        """An event about one client's own resource (its webhook endpoint) is that
        client's: another key never lists it."""
        client = self.request.auth if isinstance(self.request.auth, ApiKey) else None
        return selectors.event_list(client=client)
