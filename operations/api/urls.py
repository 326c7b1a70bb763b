from integrations.routing import both

from . import performance_views as pv
from . import views
from . import workflow_views as wv

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
    # `runs` and `steps` before `<customer_id>`: they are reserved words in that position.
    *both(f"{P}/workflows/runs", wv.WorkflowRunListView.as_view(), name="ops-run-list"),
    *both(
        f"{P}/workflows/runs/<str:run_id>",
        wv.WorkflowRunDetailView.as_view(),
        name="ops-run-detail",
    ),
    *both(f"{P}/workflows/steps", wv.WorkflowStepListView.as_view(), name="ops-step-list"),
    *both(f"{P}/workflows/<str:customer_id>", wv.WorkflowStartView.as_view(), name="ops-workflow"),
    *both(f"{P}/alerts", wv.AlertListView.as_view(), name="ops-alert-list"),
    *both(f"{P}/alerts/<str:alert_id>", wv.AlertDetailView.as_view(), name="ops-alert-detail"),
    *both(f"{P}/escalations", wv.EscalationListView.as_view(), name="ops-escalation-list"),
    *both(
        f"{P}/escalations/<str:escalation_id>",
        wv.EscalationDetailView.as_view(),
        name="ops-escalation-detail",
    ),
]

# Performance analytics (operations/selectors/performance/).
urlpatterns += [
    *both(f"{P}/performance", pv.PerformanceView.as_view(), name="ops-performance"),
    *both(f"{P}/performance/team", pv.TeamPerformanceView.as_view(), name="ops-performance-team"),
]
