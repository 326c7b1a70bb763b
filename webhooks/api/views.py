"""Webhook subscriptions, their deliveries and replays, and the event catalogue over HTTP.
An API key sees only the endpoints it created (another client's are 404)."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from integrations.api.base import PlatformAPIView, PlatformGenericAPIView
from integrations.api.serializers_base import DateTimeField, QuerySerializer
from integrations.models import ApiKey
from integrations.pagination import cursor_pagination

from .. import selectors
from ..catalogue import deliverable_types
from ..models import WebhookDelivery, WebhookEndpoint
from ..services import endpoints, replay
from . import serializers as s
from .filters import DeliveryFilter

TAGS = ["webhooks"]


def _owner(request: Request) -> ApiKey | None:
    """The API key the endpoints belong to; None for staff (who see them all)."""
    return request.auth if isinstance(request.auth, ApiKey) else None


def _endpoint(request: Request, endpoint_id: str) -> WebhookEndpoint:
    return selectors.endpoint_get(endpoint_id, owner=_owner(request))


class EndpointListView(PlatformGenericAPIView):
    scope_domain = "webhooks"
    serializer_class = s.EndpointSerializer
    pagination_class = cursor_pagination("-created_at", "-id")

    def get_queryset(self) -> QuerySet[WebhookEndpoint]:
        return selectors.endpoint_list(owner=_owner(self.request))

    @extend_schema(
        tags=TAGS,
        summary="List your webhook endpoints",
        responses=s.EndpointSerializer(many=True),
        operation_id="webhooks_endpoints_list",
    )
    def get(self, request: Request) -> Response:
        return self.list_response()

    @extend_schema(
        tags=TAGS,
        summary="Subscribe an endpoint to event types",
        description="The URL must be https (plain http only where WEBHOOKS_ALLOW_PRIVATE or "
        "DEBUG is on) and must not resolve to a loopback, private, link-local or metadata "
        "address unless WEBHOOKS_ALLOW_PRIVATE is on (`unsafe_webhook_url`). The response "
        "carries the signing `secret`: it is never shown again.",
        request=s.EndpointCreateSerializer,
        responses={201: s.EndpointWithSecretSerializer},
    )
    def post(self, request: Request) -> Response:
        body = s.EndpointCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        endpoint = endpoints.endpoint_create(owner=_owner(request), **body.validated_data)
        return Response(s.EndpointWithSecretSerializer(endpoint).data, status=201)


class EndpointDetailView(PlatformAPIView):
    scope_domain = "webhooks"

    @extend_schema(tags=TAGS, summary="Get a webhook endpoint", responses=s.EndpointSerializer)
    def get(self, request: Request, endpoint_id: str) -> Response:
        return Response(s.EndpointSerializer(_endpoint(request, endpoint_id)).data)

    @extend_schema(
        tags=TAGS,
        summary="Change a webhook endpoint (url, description, event_types, enabled)",
        request=s.EndpointPatchSerializer,
        responses=s.EndpointSerializer,
    )
    def patch(self, request: Request, endpoint_id: str) -> Response:
        endpoint = _endpoint(request, endpoint_id)
        body = s.EndpointPatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        endpoint = endpoints.endpoint_update(endpoint=endpoint, data=dict(body.validated_data))
        return Response(s.EndpointSerializer(endpoint).data)

    @extend_schema(
        tags=TAGS, summary="Delete a webhook endpoint and its deliveries", responses={204: None}
    )
    def delete(self, request: Request, endpoint_id: str) -> Response:
        endpoints.endpoint_delete(endpoint=_endpoint(request, endpoint_id))
        return Response(status=204)


class RotateSecretView(PlatformAPIView):
    scope_domain = "webhooks"

    @extend_schema(
        tags=TAGS,
        summary="Issue a new signing secret",
        description="The old secret stays valid for 24 hours: meanwhile every delivery "
        "carries two signatures (space-separated in `webhook-signature`).",
        request=None,
        responses=s.EndpointWithSecretSerializer,
    )
    def post(self, request: Request, endpoint_id: str) -> Response:
        endpoint = endpoints.endpoint_rotate_secret(endpoint=_endpoint(request, endpoint_id))
        return Response(s.EndpointWithSecretSerializer(endpoint).data)


class DeliveryListView(PlatformGenericAPIView):
    scope_domain = "webhooks"
    serializer_class = s.DeliverySerializer
    filterset_class = DeliveryFilter
    pagination_class = cursor_pagination("-created_at", "-id")

    def get_queryset(self) -> QuerySet[WebhookDelivery]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request
            return WebhookDelivery.objects.none()
        endpoint = _endpoint(self.request, self.kwargs["endpoint_id"])
        return selectors.delivery_list(endpoint=endpoint)

    @extend_schema(
        tags=TAGS,
        summary="An endpoint's deliveries, newest first",
        responses=s.DeliverySerializer(many=True),
        operation_id="webhooks_deliveries_list",
    )
    def get(self, request: Request, endpoint_id: str) -> Response:
        return self.list_response()


class DeliveryDetailView(PlatformAPIView):
    scope_domain = "webhooks"

    @extend_schema(
        tags=TAGS,
        summary="A delivery with its attempt log",
        responses=s.DeliveryDetailSerializer,
    )
    def get(self, request: Request, endpoint_id: str, delivery_id: str) -> Response:
        delivery = selectors.delivery_get(delivery_id, endpoint=_endpoint(request, endpoint_id))
        return Response(_detail(delivery))


def _detail(delivery: WebhookDelivery) -> Any:
    data = dict(s.DeliverySerializer(delivery).data)
    rows = selectors.attempt_list(delivery=delivery)
    data["log"] = s.AttemptSerializer(rows, many=True).data
    return data


class DeliveryReplayView(PlatformAPIView):
    scope_domain = "webhooks"

    @extend_schema(
        tags=TAGS,
        summary="Send a delivery again (the same webhook-id, from the start of the schedule)",
        request=None,
        responses={202: s.DeliveryDetailSerializer},
    )
    def post(self, request: Request, endpoint_id: str, delivery_id: str) -> Response:
        delivery = selectors.delivery_get(delivery_id, endpoint=_endpoint(request, endpoint_id))
        return Response(_detail(replay.delivery_replay(delivery=delivery)), status=202)


class ReplayQuerySerializer(QuerySerializer):
    since = DateTimeField(
        help_text="RFC 3339 with Z or an offset (`+` as %2B): replay events created at or after."
    )


class EndpointReplayView(PlatformAPIView):
    scope_domain = "webhooks"

    @extend_schema(
        tags=TAGS,
        summary="Re-send every subscribed event since a time",
        description="Queues every event created at or after `since` that the endpoint "
        "subscribes to (at most 10 000, oldest first). Order of arrival is not guaranteed.",
        request=None,
        parameters=[
            OpenApiParameter("since", OpenApiTypes.DATETIME, required=True, description="ISO 8601")
        ],
        responses={202: s.ReplayResultSerializer},
    )
    def post(self, request: Request, endpoint_id: str) -> Response:
        endpoint = _endpoint(request, endpoint_id)
        unknown = sorted(set(request.query_params) - {"since"})
        if unknown:
            detail = ErrorDetail("Unknown query parameter. Allowed: since.", "unknown_parameter")
            raise ValidationError({name: [detail] for name in unknown})
        if len(request.query_params.getlist("since")) > 1:  # which one? refused, not guessed
            detail = ErrorDetail(
                "Given more than once; this parameter takes one value.", "repeated_parameter"
            )
            raise ValidationError({"since": [detail]})
        query = ReplayQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        queued = replay.endpoint_replay(endpoint=endpoint, since=query.validated_data["since"])
        return Response({"queued": queued}, status=202)


class EventTypeListView(PlatformAPIView):
    scope_domain = "webhooks"

    @extend_schema(
        tags=TAGS,
        summary="The event catalogue: every type you can subscribe to",
        description="Each type with a description and an example of the `data` its "
        'webhooks carry. A webhook body is `{"type", "timestamp", "data"}`; `data` is '
        "`customer_id` (null for events about no customer) plus the fields shown.",
        responses=s.EventTypeSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        rows = [
            {"name": t.name, "description": t.description, "example": t.example}
            for t in deliverable_types()
        ]
        return Response(s.EventTypeSerializer(rows, many=True).data)
