"""The marketing health read-out and the segment registry over HTTP (README, "Marketing:
health read-out, lifecycle and segments")."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from customers.read import customer_get
from integrations.api.base import PlatformAPIView
from integrations.api.represent import represent
from integrations.clock import today
from integrations.openapi_errors import ErrorResponse404Serializer

from ..signals.readout import health_readout
from ..signals.segments import known_segments
from . import health_serializers as s

TAGS = ["cs-marketing"]


class MarketingHealthView(PlatformAPIView):
    scope_domain = "marketing"
    read_replica = True

    @extend_schema(
        tags=TAGS,
        summary="A customer's health read-out: score, trend, lifecycle stage, recommendations",
        description="The customer's latest health snapshot as customers scored it (score, "
        "grade, components with configured and effective weights, inputs and formula, "
        "explanation), the trend (30-day change, weekly slope, direction) with the last 12 "
        "weekly points, the lifecycle stage the rules determine today (every rule in "
        "precedence order with met/not met and its reason; the recorded stage, since when, "
        "whether they differ and whether the transition is allowed), campaign trigger "
        "recommendations (trigger, campaign type, target segment, reason, priority) and the "
        "signals behind them. Never scored: 200 with score null and `reason`; the lifecycle "
        'and recommendations come from the other signals. README, "Marketing: health '
        'read-out, lifecycle and segments". 404 `customer_not_found`.',
        responses={200: s.MarketingHealthSerializer, 404: ErrorResponse404Serializer},
        examples=[
            OpenApiExample("At risk before renewal", response_only=True, value=s.HEALTH_EXAMPLE)
        ],
    )
    def get(self, request: Request, customer_id: str) -> Response:
        customer = customer_get(customer_id)
        return Response(represent(s.MarketingHealthSerializer, health_readout(customer, today())))


class SegmentListView(PlatformAPIView):
    scope_domain = "marketing"
    read_replica = True

    @extend_schema(
        tags=TAGS,
        summary="The segment registry: every audience a campaign can target",
        description="Company segments (the customer's own `segment`) and behavioural "
        "segments (predicates on the customer signals), each with its definition. Campaigns "
        "name them in `target_audience.customer_segments`; an unknown name is 400 "
        "`unknown_segment` at its index, the detail listing these.",
        responses=s.SegmentSerializer(many=True),
        examples=[
            # One item each: drf-spectacular wraps a list response's example in the list.
            OpenApiExample(
                "A company segment",
                response_only=True,
                value={
                    "name": "enterprise",
                    "kind": "company",
                    "description": "Customers whose segment is enterprise.",
                },
            ),
            OpenApiExample(
                "A behavioural segment",
                response_only=True,
                value={
                    "name": "critical",
                    "kind": "behavioural",
                    "description": "Latest health snapshot graded critical.",
                },
            ),
        ],
    )
    def get(self, request: Request) -> Response:
        return Response(s.SegmentSerializer(known_segments(), many=True).data)
