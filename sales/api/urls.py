from django.urls import URLPattern, URLResolver

from integrations.routing import both

from . import expansion_views as ev

P = "api/v1/cs-sales"

urlpatterns: list[URLPattern | URLResolver] = []

# Expansion readiness (README, "Sales: expansion readiness").
urlpatterns += [
    *both(f"{P}/expansion", ev.ExpansionListView.as_view(), name="expansion-list"),
    *both(f"{P}/expansion/<str:customer_id>", ev.ExpansionView.as_view(), name="expansion"),
]
