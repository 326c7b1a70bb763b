from integrations.routing import both

from . import views

C = "api/v1/customers"
T = "api/v1/team-members"

urlpatterns = [
    *both(C, views.CustomerListView.as_view(), name="customer-list"),
    *both(f"{C}/bulk", views.CustomerBulkView.as_view(), name="customer-bulk"),
    *both(f"{C}/<str:customer_id>", views.CustomerDetailView.as_view(), name="customer-detail"),
    *both(
        f"{C}/<str:customer_id>/stakeholders",
        views.StakeholderListView.as_view(),
        name="stakeholder-list",
    ),
    *both(
        f"{C}/<str:customer_id>/stakeholders/<str:email>",
        views.StakeholderDetailView.as_view(),
        name="stakeholder-detail",
    ),
    *both(
        f"{C}/<str:customer_id>/health", views.CustomerHealthView.as_view(), name="customer-health"
    ),
    *both(
        f"{C}/<str:customer_id>/health/recompute",
        views.CustomerHealthRecomputeView.as_view(),
        name="customer-health-recompute",
    ),
    *both(
        f"{C}/<str:customer_id>/success-plans",
        views.SuccessPlanListView.as_view(),
        name="success-plan-list",
    ),
    *both(
        f"{C}/<str:customer_id>/success-plans/<str:plan_id>",
        views.SuccessPlanDetailView.as_view(),
        name="success-plan-detail",
    ),
    *both(
        f"{C}/<str:customer_id>/success-plans/<str:plan_id>/milestones/<str:milestone_id>",
        views.MilestoneDetailView.as_view(),
        name="milestone-detail",
    ),
    *both(T, views.TeamMemberListView.as_view(), name="team-member-list"),
    *both(f"{T}/<str:email>", views.TeamMemberDetailView.as_view(), name="team-member-detail"),
]
