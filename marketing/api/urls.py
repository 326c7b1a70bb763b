from django.urls import URLPattern, URLResolver

from integrations.routing import both

from . import campaign_views as cv
from . import journey_views

S = "api/v1/cs-marketing"

urlpatterns: list[URLPattern | URLResolver] = [
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
