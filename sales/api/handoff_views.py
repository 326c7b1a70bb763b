from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from integrations.api.base import PlatformAPIView
from integrations.clock import today
from integrations.openapi_errors import (
    ErrorResponse400Serializer,
    ErrorResponse404Serializer,
    ErrorResponse409Serializer,
)

from ..errors import handoff_invalid
from ..selectors import handoff as selectors
from ..services import handoff as services
from . import handoff_serializers as hs

TAGS = ["cs-sales"]


class HandoffConflictSerializer(ErrorResponse409Serializer):  # type: ignore[valid-type,misc]
    handoff_id = serializers.CharField(
        required=False, help_text="`handoff_exists`: the customer's handoff."
    )


class HandoffView(PlatformAPIView):
    scope_domain = "sales"

    @extend_schema(
        tags=TAGS,
        summary="Complete the sales-to-CS handoff",
        operation_id="cs_sales_handoff_create",
        description="One transaction: creates the customer if new (`name`, `segment`, `seats` "
        "optional), the contract (deal_value over contract_terms, from onboarding_start), a "
        "stakeholder per key_stakeholders email, the success plan (one objective per "
        "success_criteria item, measurable targets for the known ones, an onboarding kickoff "
        "milestone), assigns success_manager (an active CSM: unknown or inactive is 400; over "
        "capacity is accepted with a warning), the first check-in task (09:00 local on "
        "first_check_in), lifecycle stage `onboarding`, and the baseline (seats, usage in the "
        "30 days to the handoff, key-feature adoption, health). Publishes `handoff.completed`. "
        "A second handoff for the customer: 409 `handoff_exists` with its `handoff_id`. "
        "first_check_in before onboarding_start: 400. Path and body customer_id must agree.",
        request=hs.HandoffRequestSerializer,
        responses={
            201: hs.HandoffSerializer,
            400: ErrorResponse400Serializer,
            409: HandoffConflictSerializer,
        },
        examples=[OpenApiExample("Spec example", request_only=True, value=hs.HANDOFF_EXAMPLE)],
    )
    def post(self, request: Request, customer_id: str) -> Response:
        body = hs.HandoffRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if body.validated_data["customer_id"] != customer_id:
            raise handoff_invalid(
                "customer_id",
                "The body's customer_id differs from the path's.",
                "customer_id_mismatch",
            )
        handoff = services.handoff_complete(request=services.handoff_request(body.validated_data))
        document = selectors.handoff_document(selectors.handoff_get(handoff.customer.customer_id))
        return Response(hs.HandoffSerializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=TAGS,
        summary="A customer's handoff, with its plan and baseline",
        operation_id="cs_sales_handoff_retrieve",
        responses={200: hs.HandoffSerializer, 404: ErrorResponse404Serializer},
    )
    def get(self, request: Request, customer_id: str) -> Response:
        document = selectors.handoff_document(
            selectors.handoff_get(customer_id), compare_on=today()
        )
        return Response(hs.HandoffSerializer(document).data)
