from ..routing import both
from .views import EventViewSet, MeView

urlpatterns = [
    *both("api/v1/me", MeView.as_view(), name="me"),
    *both("api/v1/events", EventViewSet.as_view({"get": "list"}), name="event-list"),
]
