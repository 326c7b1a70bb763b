from integrations.routing import both

from . import views

P = "api/v1/cs-ops"

urlpatterns = [
    *both(f"{P}/tickets", views.TicketListView.as_view(), name="ops-ticket-list"),
    *both(
        f"{P}/tickets/<str:ticket_id>", views.TicketDetailView.as_view(), name="ops-ticket-detail"
    ),
    *both(f"{P}/surveys", views.SurveyListView.as_view(), name="ops-survey-list"),
    *both(
        f"{P}/surveys/<str:response_id>", views.SurveyDetailView.as_view(), name="ops-survey-detail"
    ),
    *both(f"{P}/tasks", views.TaskListView.as_view(), name="ops-task-list"),
    *both(f"{P}/tasks/<str:task_id>", views.TaskDetailView.as_view(), name="ops-task-detail"),
]
