from django.urls import URLPattern, URLResolver

from integrations.routing import both

from . import handoff_views

S = "api/v1/cs-sales"

urlpatterns: list[URLPattern | URLResolver] = [
    # Handoff (README "Sales: handoff").
    *both(f"{S}/handoff/<str:customer_id>", handoff_views.HandoffView.as_view(), name="handoff"),
]
