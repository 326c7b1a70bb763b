"""Campaigns over HTTP (README "Marketing: campaigns")."""

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from integrations.api.base import PlatformAPIView, PlatformGenericAPIView
from integrations.openapi_errors import (
    ErrorResponse400Serializer,
    ErrorResponse404Serializer,
    ErrorResponse409Serializer,
)
from integrations.pagination import cursor_pagination

from ..campaigns import selectors
from ..campaigns.services import campaign_create
from ..models import Campaign, CampaignMember
from . import campaign_serializers as s
from .campaign_filters import CampaignFilter, CampaignMemberFilter

TAGS = ["cs-marketing"]


class CampaignConflictSerializer(ErrorResponse409Serializer):  # type: ignore[valid-type,misc]
    campaign_id = serializers.CharField(
        required=False,
        help_text="`campaign_exists`: the campaign that has this external_campaign_id.",
    )


SPEC_RESPONSE = {
    "campaign_id": "camp_67890",
    "name": "",
    "external_campaign_id": "",
    "trigger_type": "health_decline",
    "campaign_type": "retention",
    "target_audience": {
        "customer_segments": ["at_risk", "low_engagement"],
        "match": "any",
        "size": 1250,
        "treated": 1125,
        "holdout": 125,
    },
    "estimated_impact": {
        "retention_improvement": "15-20%",
        "engagement_lift": "25%",
        "retention_improvement_low": 15.0,
        "retention_improvement_high": 20.0,
        "engagement_lift_pct": 25.0,
        "basis": "prior",
        "sample_campaigns": 0,
        "engagement_sample_campaigns": 0,
    },
    "holdout_fraction": 0.1,
    "measurement_window_days": 90,
    "status": "running",
    "created_at": "2026-12-04T17:00:00Z",
    "ends_at": "2027-03-04T17:00:00Z",
    "finalized_at": None,
    "warnings": [],
}


def _campaign_out(campaign: Campaign) -> Any:
    now = timezone.now()
    impact = selectors.campaign_impact(campaign, now)
    return s.CampaignSerializer(campaign, context={"now": now, "impact": impact}).data


class CampaignListView(PlatformGenericAPIView):
    scope_domain = "marketing"
    read_replica = True
    serializer_class = s.CampaignSummarySerializer
    filterset_class = CampaignFilter
    pagination_class = cursor_pagination("-created_at", "-id")

    def get_queryset(self) -> QuerySet[Campaign]:
        return selectors.campaign_list()

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "now": timezone.now()}

    @extend_schema(
        tags=TAGS,
        summary="List campaigns",
        description="Newest first; filters `campaign_type`, `trigger_type`, `status` "
        "(running|finished). Without the measured impact (see the detail).",
        operation_id="cs_marketing_campaigns_list",
        responses=s.CampaignSummarySerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        return self.list_response()

    @extend_schema(
        tags=TAGS,
        summary="Create a campaign over an audience of segments",
        description="Materialises the audience now (active customers in `any`/`all` of the "
        "segments) as members with their baseline (latest health snapshot, usage events in "
        "the 30 days up to today); holds out round_half_up(holdout_fraction × size) members "
        "ranked by sha256(campaign_id:customer_id), never in the send list; `estimated_impact` "
        "from finished campaigns of the type (basis historical) or the type's prior. "
        "Publishes `campaign.created`. The answer is the campaign without `measured_impact` "
        "(read it from the detail), with `warnings` when it cannot measure a lift (an empty "
        "audience or group). A non-blank `external_campaign_id` names one campaign: another "
        "request with it (a retry, a race) is 409 `campaign_exists` with the `campaign_id`. "
        "Errors (all in one 400): `unknown_segment` and `duplicate` at "
        "`target_audience.customer_segments.<i>` (one per bad name; the detail lists the "
        "known ones), `empty`, `min_value`/`max_value` (holdout_fraction 0-0.5, "
        "measurement_window_days 7-365), `invalid_choice`, `unknown_field`.",
        operation_id="cs_marketing_campaigns_create",
        request=s.CampaignCreateSerializer,
        responses={
            201: s.CampaignSummarySerializer,
            400: ErrorResponse400Serializer,
            409: CampaignConflictSerializer,
        },
        examples=[
            OpenApiExample("Spec request", request_only=True, value=s.CREATE_EXAMPLE),
            OpenApiExample("Spec response, extended", response_only=True, value=SPEC_RESPONSE),
        ],
    )
    def post(self, request: Request) -> Response:
        body = s.CampaignCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        campaign = campaign_create(
            trigger_type=data["trigger_type"],
            campaign_type=data["campaign_type"],
            segments=data["target_audience"]["customer_segments"],
            match=data["target_audience"]["match"],
            name=data["name"],
            external_campaign_id=data["external_campaign_id"],
            holdout_fraction=data["holdout_fraction"],
            measurement_window_days=data["measurement_window_days"],
        )
        # What was created, without the impact (nothing is measured yet at its start): the
        # detail answers the impact, so a 5,000-member creation stays one set-based write.
        out = s.CampaignSummarySerializer(campaign, context={"now": timezone.now()}).data
        return Response(out, status=status.HTTP_201_CREATED)


class CampaignDetailView(PlatformAPIView):
    scope_domain = "marketing"

    @extend_schema(
        tags=TAGS,
        summary="A campaign with its measured impact",
        description="Treated vs holdout up to min(now, ends_at): retention rate, mean health "
        "change, expansion revenue (won opportunities) and engagement, their lifts and the "
        "sample sizes; a finalized campaign answers its frozen impact. 404 "
        "`campaign_not_found`.",
        operation_id="cs_marketing_campaigns_retrieve",
        responses={200: s.CampaignSerializer, 404: ErrorResponse404Serializer},
    )
    def get(self, request: Request, campaign_id: str) -> Response:
        return Response(_campaign_out(selectors.campaign_get(campaign_id)))


class CampaignMemberListView(PlatformGenericAPIView):
    scope_domain = "marketing"
    serializer_class = s.CampaignMemberSerializer
    filterset_class = CampaignMemberFilter
    pagination_class = cursor_pagination("customer_key")

    def get_queryset(self) -> QuerySet[CampaignMember]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request
            return CampaignMember.objects.none()
        return selectors.campaign_members(selectors.campaign_get(self.kwargs["campaign_id"]))

    @extend_schema(
        tags=TAGS,
        summary="A campaign's members: the send list (group=treated) and the holdout",
        description="By customer_id; filter `group` (treated|holdout). Each with the segments "
        "it matched and its baseline. 404 `campaign_not_found`.",
        operation_id="cs_marketing_campaign_members_list",
        responses={200: s.CampaignMemberSerializer(many=True), 404: ErrorResponse404Serializer},
    )
    def get(self, request: Request, campaign_id: str) -> Response:
        return self.list_response()
