from django.urls import URLPattern, URLResolver

from integrations.routing import both

from . import health_views

S = "api/v1/cs-marketing"

urlpatterns: list[URLPattern | URLResolver] = []
# Health read-out and segments (README "Marketing: health read-out, lifecycle and segments").
urlpatterns += [
    *both(
        f"{S}/health/<str:customer_id>",
        health_views.MarketingHealthView.as_view(),
        name="marketing-health",
    ),
    *both(f"{S}/segments", health_views.SegmentListView.as_view(), name="marketing-segments"),
]
