from drf_spectacular.utils import extend_schema
from rest_framework import mixins

from .. import selectors
from ..pagination import CursorPagination
from .base import PlatformGenericViewSet
from .filters import EventFilter
from .serializers import EventSerializer


class EventPagination(CursorPagination):
    # Oldest first: reconciliation walks forward from the last event it has seen.
    ordering = ("created_at", "id")


@extend_schema(tags=["events"])
class EventViewSet(mixins.ListModelMixin, PlatformGenericViewSet):
    """Domain events, oldest first, for reconciliation with webhook deliveries."""

    scope_domain = "webhooks"
    serializer_class = EventSerializer
    filterset_class = EventFilter
    pagination_class = EventPagination
    queryset = selectors.event_list()
