"""Customer journeys over HTTP (README "Marketing: journeys")."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from customers.read import customer_get
from integrations.api.base import PlatformAPIView
from integrations.api.represent import represent
from integrations.openapi_errors import (
    ErrorResponse400Serializer,
    ErrorResponse404Serializer,
    ErrorResponse409StageSerializer,
)

from ..journey.selectors import journey_status
from ..journey.services import journey_move
from . import journey_serializers as js

TAGS = ["cs-marketing"]


CONFLICT_EXAMPLE = {
    "type": "client_error",
    "errors": [
        {
            "code": "illegal_stage_transition",
            "detail": "A customer in stage 'onboarding' cannot move to 'advocacy'. "
            "Allowed: adoption, at_risk, churned.",
            "attr": None,
        }
    ],
    "current_stage": "onboarding",
    "allowed_next_stages": ["adoption", "at_risk", "churned"],
}


class JourneyMoveView(PlatformAPIView):
    scope_domain = "marketing"

    @extend_schema(
        tags=TAGS,
        summary="Move a customer to another lifecycle stage and schedule its touchpoints",
        operation_id="cs_marketing_journey_move",
        description="One transaction on the locked customer, through customers' stage-change "
        "service: the transition must be allowed from the current stage (409 "
        "`illegal_stage_transition` with `allowed_next_stages`); the move is recorded in the "
        "lifecycle history at `occurred_at` and `customer.lifecycle_changed` is published. "
        "Each active touchpoint template of the new stage becomes a touchpoint due "
        "`occurred_at` + its delay (`touchpoint.scheduled`); a promotional one is recorded "
        "`suppressed` with the reason while the customer has a workflow run pending or "
        "running or an escalation open or in progress (`touchpoint.suppressed`; alerts do "
        "not suppress). First, the customer's pending promotional and educational touchpoints "
        "of the stage being left are cancelled (reason `customer left <from> for <to>`; "
        "transactional ones stay), and on a move to at_risk or churned every pending "
        "promotional one (`touchpoint.cancelled`). 201 with what was done; 200 with "
        "`changed: false` when the customer already is in the stage (nothing recorded, "
        "scheduled or published). 400 `occurred_in_future` (more than 5 minutes ahead), "
        "`occurred_before_last_change`; 404 `customer_not_found`.",
        request=js.JourneyMoveRequestSerializer,
        responses={
            201: js.JourneyMoveSerializer,
            200: js.JourneyMoveSerializer,
            400: ErrorResponse400Serializer,
            404: ErrorResponse404Serializer,
            409: ErrorResponse409StageSerializer,
        },
        examples=[
            OpenApiExample("A move", request_only=True, value=js.MOVE_EXAMPLE),
            OpenApiExample(
                "Not allowed", response_only=True, status_codes=["409"], value=CONFLICT_EXAMPLE
            ),
        ],
    )
    def post(self, request: Request, customer_id: str) -> Response:
        body = js.JourneyMoveRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        customer = customer_get(customer_id)
        move = journey_move(customer=customer, **body.validated_data)
        answer = status.HTTP_201_CREATED if move.change else status.HTTP_200_OK
        return Response(js.JourneyMoveSerializer(move).data, status=answer)


class JourneyStatusView(PlatformAPIView):
    scope_domain = "marketing"

    @extend_schema(
        tags=TAGS,
        summary="A customer's journey: stage, next actions, touchpoints and history",
        operation_id="cs_marketing_journey_status",
        description="The current stage, since when (the latest lifecycle change) and whole "
        "days in it; the allowed next stages; the next recommended actions (the stage's "
        "configured ones, then health rules: `open_escalation_review`, "
        "`schedule_health_check_in`, `consider_at_risk`, `consider_recovery`); the open "
        "interventions that suppress promotional touchpoints; pending touchpoints (soonest "
        "first) and recent ones (settled in the last 90 days, newest first), at most 50 each; "
        "the full stage history, newest first. 404 `customer_not_found`.",
        responses={200: js.JourneyStatusSerializer, 404: ErrorResponse404Serializer},
    )
    def get(self, request: Request, customer_id: str) -> Response:
        return Response(represent(js.JourneyStatusSerializer, journey_status(customer_id)))
