from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from integrations.api.base import PlatformAPIView, PlatformGenericAPIView
from integrations.api.views_bulk import BULK_DESCRIPTION, BulkResultSerializer, run_bulk
from integrations.pagination import cursor_pagination

from .. import selectors, services
from ..bulk_schema import SURVEY_SCHEMA, TASK_SCHEMA, TICKET_SCHEMA
from ..models import SupportTicket, SurveyResponse, Task
from . import serializers as s
from .filters import SurveyResponseFilter, TaskFilter, TicketFilter

TAGS = ["cs-ops"]


class TicketListView(PlatformGenericAPIView):
    scope_domain = "operations"
    serializer_class = s.TicketSerializer
    filterset_class = TicketFilter
    pagination_class = cursor_pagination("opened_at", "id")

    def get_queryset(self) -> QuerySet[SupportTicket]:
        return selectors.ticket_list()

    @extend_schema(
        tags=TAGS,
        summary="List support tickets",
        description="Oldest opened first.",
        operation_id="cs_ops_tickets_list",
        responses=s.TicketSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        return self.list_response()

    @extend_schema(
        tags=TAGS,
        summary="Ingest support tickets in bulk",
        description=BULK_DESCRIPTION + " Natural key: `ticket_id`. Status `resolved` or "
        "`closed` needs `resolved_at` (not before `opened_at`); `open` and `pending` have "
        "none (left out means null). Times may not be later than tomorrow.",
        request=s.TicketWriteSerializer(many=True),
        responses={200: BulkResultSerializer},
        examples=[
            OpenApiExample(
                "Two tickets",
                request_only=True,
                value=[
                    {
                        "ticket_id": "TCK-1042",
                        "customer_id": "cust_12345",
                        "opened_at": "2026-11-20T09:15:00Z",
                        "resolved_at": "2026-11-20T13:40:00Z",
                        "priority": "high",
                        "status": "resolved",
                    },
                    {
                        "ticket_id": "TCK-1043",
                        "customer_id": "cust_12345",
                        "opened_at": "2026-11-24T16:02:00Z",
                        "priority": "urgent",
                        "status": "open",
                    },
                ],
            )
        ],
    )
    def post(self, request: Request) -> Response:
        return run_bulk(request, TICKET_SCHEMA, services.tickets_bulk_upsert)


class TicketDetailView(PlatformAPIView):
    scope_domain = "operations"

    @extend_schema(tags=TAGS, summary="Get a support ticket", responses=s.TicketSerializer)
    def get(self, request: Request, ticket_id: str) -> Response:
        return Response(s.TicketSerializer(selectors.ticket_get(ticket_id)).data)


class SurveyListView(PlatformGenericAPIView):
    scope_domain = "operations"
    serializer_class = s.SurveyResponseSerializer
    filterset_class = SurveyResponseFilter
    pagination_class = cursor_pagination("answered_at", "id")

    def get_queryset(self) -> QuerySet[SurveyResponse]:
        return selectors.survey_list()

    @extend_schema(
        tags=TAGS,
        summary="List survey responses",
        description="Oldest answered first.",
        operation_id="cs_ops_surveys_list",
        responses=s.SurveyResponseSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        return self.list_response()

    @extend_schema(
        tags=TAGS,
        summary="Ingest NPS and CSAT survey responses in bulk",
        description=BULK_DESCRIPTION + " Natural key: `response_id`. NPS scores are 0-10, "
        "CSAT scores 1-5 (`min_value` / `max_value` otherwise). `answered_at` may not be "
        "later than tomorrow.",
        request=s.SurveyResponseWriteSerializer(many=True),
        responses={200: BulkResultSerializer},
        examples=[
            OpenApiExample(
                "NPS and CSAT",
                request_only=True,
                value=[
                    {
                        "response_id": "nps_2026q4_0001",
                        "customer_id": "cust_12345",
                        "respondent_email": "john.doe@client.com",
                        "kind": "nps",
                        "score": 9,
                        "comment": "Great support team.",
                        "answered_at": "2026-11-18T10:00:00Z",
                    },
                    {
                        "response_id": "csat_TCK-1042",
                        "customer_id": "cust_12345",
                        "respondent_email": "john.doe@client.com",
                        "kind": "csat",
                        "score": 5,
                        "answered_at": "2026-11-20T14:00:00Z",
                    },
                ],
            )
        ],
    )
    def post(self, request: Request) -> Response:
        return run_bulk(request, SURVEY_SCHEMA, services.surveys_bulk_upsert)


class SurveyDetailView(PlatformAPIView):
    scope_domain = "operations"

    @extend_schema(tags=TAGS, summary="Get a survey response", responses=s.SurveyResponseSerializer)
    def get(self, request: Request, response_id: str) -> Response:
        return Response(s.SurveyResponseSerializer(selectors.survey_get(response_id)).data)


class TaskListView(PlatformGenericAPIView):
    scope_domain = "operations"
    serializer_class = s.TaskSerializer
    filterset_class = TaskFilter
    pagination_class = cursor_pagination("created_at", "id")

    def get_queryset(self) -> QuerySet[Task]:
        return selectors.task_list()

    @extend_schema(
        tags=TAGS,
        summary="List CS tasks",
        description="Oldest recorded first.",
        operation_id="cs_ops_tasks_list",
        responses=s.TaskSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        return self.list_response()

    @extend_schema(
        tags=TAGS,
        summary="Ingest CS tasks (check-ins, meetings, calls, emails) in bulk",
        description=BULK_DESCRIPTION + " Natural key: `task_id`. `owner_email` must be a "
        "team member (`unknown_team_member` otherwise); left out, the current owner is kept. "
        "`completed_at` may not be later than tomorrow; `due_at` may be in the future.",
        request=s.TaskWriteSerializer(many=True),
        responses={200: BulkResultSerializer},
        examples=[
            OpenApiExample(
                "A done check-in and a planned QBR",
                request_only=True,
                value=[
                    {
                        "task_id": "task_88231",
                        "customer_id": "cust_12345",
                        "kind": "check_in",
                        "owner_email": "sarah.smith@company.com",
                        "title": "Monthly check-in",
                        "due_at": "2026-11-21T15:00:00Z",
                        "completed_at": "2026-11-21T15:30:00Z",
                    },
                    {
                        "task_id": "task_88232",
                        "customer_id": "cust_12345",
                        "kind": "meeting",
                        "owner_email": "sarah.smith@company.com",
                        "title": "Quarterly business review",
                        "due_at": "2027-01-15T16:00:00Z",
                    },
                ],
            )
        ],
    )
    def post(self, request: Request) -> Response:
        return run_bulk(request, TASK_SCHEMA, services.tasks_bulk_upsert)


class TaskDetailView(PlatformAPIView):
    scope_domain = "operations"

    @extend_schema(tags=TAGS, summary="Get a CS task", responses=s.TaskSerializer)
    def get(self, request: Request, task_id: str) -> Response:
        return Response(s.TaskSerializer(selectors.task_get(task_id)).data)
