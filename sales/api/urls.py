from django.urls import URLPattern, URLResolver

from integrations.routing import both

from . import expansion_views as ev
from . import handoff_views

S = "api/v1/cs-sales"

urlpatterns: list[URLPattern | URLResolver] = [
    # Handoff (README "Sales: handoff").
    *both(f"{S}/handoff/<str:customer_id>", handoff_views.HandoffView.as_view(), name="handoff"),
    # Expansion readiness (README, "Sales: expansion readiness").
    *both(f"{S}/expansion", ev.ExpansionListView.as_view(), name="expansion-list"),
    *both(f"{S}/expansion/<str:customer_id>", ev.ExpansionView.as_view(), name="expansion"),
]
