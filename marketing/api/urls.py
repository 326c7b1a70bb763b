from django.urls import URLPattern, URLResolver

from integrations.routing import both

from . import campaign_views as cv
from . import health_views, journey_views

S = "api/v1/cs-marketing"

urlpatterns: list[URLPattern | URLResolver] = [
    # Health read-out and segments (README "Marketing: health read-out, lifecycle and segments").
    *both(
        f"{S}/health/<str:customer_id>",
        health_views.MarketingHealthView.as_view(),
        name="marketing-health",
    ),
    *both(f"{S}/segments", health_views.SegmentListView.as_view(), name="marketing-segments"),
    # Campaigns (README "Marketing: campaigns").
    *both(f"{S}/campaigns", cv.CampaignListView.as_view(), name="campaign-list"),
    *both(f"{S}/campaigns/<str:campaign_id>", cv.CampaignDetailView.as_view(), name="campaign"),
    *both(
        f"{S}/campaigns/<str:campaign_id>/members",
        cv.CampaignMemberListView.as_view(),
        name="campaign-members",
    ),
    # Journeys (README "Marketing: journeys").
    *both(
        f"{S}/journey/<str:customer_id>/status",
        journey_views.JourneyStatusView.as_view(),
        name="journey-status",
    ),
    *both(
        f"{S}/journey/<str:customer_id>", journey_views.JourneyMoveView.as_view(), name="journey"
    ),
]
