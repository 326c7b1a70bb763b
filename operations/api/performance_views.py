"""CS operations performance over HTTP: thin views over `selectors/performance`."""

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from customers.models import TeamMember
from integrations.api.base import PlatformAPIView, PlatformGenericAPIView
from integrations.pagination import cursor_pagination

from ..selectors import performance as perf
from . import performance_serializers as ps

TAGS = ["cs-ops"]

PERFORMANCE_EXAMPLE = {
    "performance_metrics": {
        "workflow_execution_rate": 0.95,
        "average_resolution_time": "2.3_hours",
        "customer_satisfaction": 4.6,
        "team_productivity": 1.15,
    },
    "resource_utilization": {
        "capacity_usage": 0.78,
        "skill_matching_accuracy": 0.92,
        "workload_balancing": "optimal",
    },
    "optimization_opportunities": [
        "increase_automation_coverage",
        "improve_skill_matching_algorithms",
        "expand_predictive_capabilities",
    ],
}


def _days(request: Request) -> int:
    query = ps.PerformanceQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return int(query.validated_data["days"])


class PerformanceView(PlatformAPIView):
    scope_domain = "operations"
    read_replica = True

    @extend_schema(
        tags=TAGS,
        summary="CS operations performance: workflows, resolution, CSAT, productivity, capacity",
        description="Every number is computed from stored rows over the last `days` days: "
        "workflow execution rate (runs finished in the window), mean alert and escalation "
        "resolution time, mean CSAT, task productivity against "
        "CS_HUB_TASKS_PER_CSM_WEEK_TARGET, capacity usage, skill matching and workload "
        "balance over active CSMs, and the optimisation opportunities their rules find, each "
        "with its evidence. A metric without data is null with a `<metric>_reason`.",
        parameters=[ps.PerformanceQuerySerializer],
        responses=ps.PerformanceSerializer,
        examples=[OpenApiExample("Spec example", response_only=True, value=PERFORMANCE_EXAMPLE)],
    )
    def get(self, request: Request) -> Response:
        result = perf.performance(days=_days(request))
        return Response(ps.PerformanceSerializer(result).data)


class TeamPerformanceView(PlatformGenericAPIView):
    scope_domain = "operations"
    read_replica = True
    serializer_class = ps.TeamPerformanceSerializer
    pagination_class = cursor_pagination("email")

    def get_queryset(self) -> QuerySet[TeamMember]:
        return perf.team_members()

    @extend_schema(
        tags=TAGS,
        summary="Performance per active CSM",
        description="Per active CSM: capacity, assigned active customers and utilisation, "
        "skills, tasks completed in the window, open and overdue tasks, open escalations on "
        "their customers and their customers' mean CSAT in the window. Paginated by email.",
        parameters=[ps.PerformanceQuerySerializer],
        operation_id="cs_ops_performance_team_list",
        responses=ps.TeamPerformanceSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        days = _days(request)

        def rows(page: list[TeamMember]) -> list[perf.TeamRow]:
            return perf.team_rows(page, days=days)

        return self.list_response(transform=rows)
