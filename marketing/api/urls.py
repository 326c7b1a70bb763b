from django.urls import URLPattern, URLResolver

from integrations.routing import both

from . import journey_views

S = "api/v1/cs-marketing"

urlpatterns: list[URLPattern | URLResolver] = [
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
