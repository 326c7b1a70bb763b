from integrations.routing import both

from . import views

P = "api/v1/webhooks"
E = f"{P}/endpoints/<str:endpoint_id>"

urlpatterns = [
    *both(f"{P}/event-types", views.EventTypeListView.as_view(), name="webhook-event-types"),
    *both(f"{P}/endpoints", views.EndpointListView.as_view(), name="webhook-endpoint-list"),
    *both(E, views.EndpointDetailView.as_view(), name="webhook-endpoint-detail"),
    *both(f"{E}/rotate-secret", views.RotateSecretView.as_view(), name="webhook-rotate-secret"),
    *both(f"{E}/replay", views.EndpointReplayView.as_view(), name="webhook-endpoint-replay"),
    *both(f"{E}/deliveries", views.DeliveryListView.as_view(), name="webhook-delivery-list"),
    *both(
        f"{E}/deliveries/<str:delivery_id>",
        views.DeliveryDetailView.as_view(),
        name="webhook-delivery-detail",
    ),
    *both(
        f"{E}/deliveries/<str:delivery_id>/replay",
        views.DeliveryReplayView.as_view(),
        name="webhook-delivery-replay",
    ),
]
