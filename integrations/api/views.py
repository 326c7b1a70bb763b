from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.request import Request
from rest_framework.response import Response

from .. import selectors
from ..auth import session_scopes
from ..models import ApiKey, Event
from ..pagination import cursor_pagination
from ..scopes import ALL_SCOPES
from .base import PlatformAPIView, PlatformGenericViewSet
from .filters import EventFilter
from .serializers import EventSerializer, MeSerializer


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


class MeView(PlatformAPIView):
    # No scope_domain: any valid key may ask who it is; no key is 401 as everywhere. It reads
    # nothing past authentication, so the benchmark uses it as the framework floor.
    scope_domain = None

    @extend_schema(
        tags=["auth"],
        summary="The calling client: key name, prefix and scopes",
        description="For checking a key's set-up: the API key's name (`client`), its public "
        "`key_prefix`, its `scopes` and `expires_at`. A staff user signed in to the admin "
        "gets `kind: staff_user` with every read scope, and the write scopes only as a superuser "
        "(other staff write through the admin, under its permissions). Any valid "
        "key may call it; no key (or an invalid one) is 401.",
        responses={200: MeSerializer},
    )
    def get(self, request: Request) -> Response:
        key = request.auth
        if isinstance(key, ApiKey):
            body = {
                "kind": "api_key",
                "client": key.name,
                "key_prefix": key.prefix,
                "scopes": [s for s in ALL_SCOPES if key.has_scope(s)],
                "expires_at": key.expiry_date,
            }
        else:
            body = {
                "kind": "staff_user",
                "client": request.user.get_username(),
                "key_prefix": None,
                "scopes": session_scopes(request.user),
                "expires_at": None,
            }
        return Response(MeSerializer(body).data)
