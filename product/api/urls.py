from integrations.routing import both

from . import views

P = "api/v1/cs-product"

urlpatterns = [
    *both(f"{P}/features", views.FeatureListView.as_view(), name="feature-list"),
    *both(
        f"{P}/features/<str:feature_id>", views.FeatureDetailView.as_view(), name="feature-detail"
    ),
    *both(f"{P}/usage", views.UsageView.as_view(), name="usage"),
    *both(f"{P}/adoption", views.AdoptionListView.as_view(), name="adoption-list"),
    *both(
        f"{P}/adoption/<str:feature_id>",
        views.AdoptionDetailView.as_view(),
        name="adoption-detail",
    ),
    *both(
        "api/v1/customers/<str:customer_id>/adoption",
        views.CustomerAdoptionView.as_view(),
        name="customer-adoption",
    ),
    *both(f"{P}/feedback", views.FeedbackListView.as_view(), name="feedback-list"),
    *both(f"{P}/feedback/summary", views.FeedbackSummaryView.as_view(), name="feedback-summary"),
    *both(
        f"{P}/feedback/<str:feedback_id>",
        views.FeedbackDetailView.as_view(),
        name="feedback-detail",
    ),
]
