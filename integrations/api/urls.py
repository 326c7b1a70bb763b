from ..routing import both
from .views import EventViewSet

urlpatterns = [
    *both("api/v1/events", EventViewSet.as_view({"get": "list"}), name="event-list"),
]
