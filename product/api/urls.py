from integrations.routing import both

from . import views

P = "api/v1/cs-product"

urlpatterns = [
    *both(f"{P}/features", views.FeatureListView.as_view(), name="feature-list"),
    *both(
        f"{P}/features/<str:feature_id>", views.FeatureDetailView.as_view(), name="feature-detail"
    ),
    *both(f"{P}/usage", views.UsageView.as_view(), name="usage"),
]
