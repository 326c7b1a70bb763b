from drf_spectacular.utils import extend_schema, extend_schema_view

from integrations.api.views_bulk import IngestionDetailView, IngestionListView, bulk_post_docs
from integrations.pagination import cursor_pagination

from .. import selectors, services
from ..bulk_schema import SURVEY_SCHEMA, TASK_SCHEMA, TICKET_SCHEMA
from ..errors import SurveyResponseNotFound, TaskNotFound, TicketNotFound
from . import serializers as s
from .filters import SurveyResponseFilter, TaskFilter, TicketFilter

TAGS = ["cs-ops"]


@extend_schema_view(
    get=extend_schema(
        tags=TAGS,
        summary="List support tickets",
        description="Oldest opened first.",
        operation_id="cs_ops_tickets_list",
        responses=s.TicketSerializer(many=True),
    ),
    post=bulk_post_docs(
        tags=TAGS,
        summary="Ingest support tickets in bulk",
        item="TicketBulkItem",
        schema=TICKET_SCHEMA,
        description="Natural key: `ticket_id`. Status `resolved` or "
        "`closed` needs `resolved_at` (not before `opened_at`); `open` and `pending` have "
        "none (left out means null). Times may not be later than tomorrow.",
        example=(
            "Two tickets",
            [
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
        ),
    ),
)
class TicketListView(IngestionListView):
    scope_domain = "operations"
    serializer_class = s.TicketSerializer
    filterset_class = TicketFilter
    pagination_class = cursor_pagination("opened_at", "id")
    list_queryset = staticmethod(selectors.ticket_list)
    bulk_schema = TICKET_SCHEMA
    ingest = staticmethod(services.tickets_bulk_upsert)


@extend_schema_view(
    get=extend_schema(tags=TAGS, summary="Get a support ticket", responses=s.TicketSerializer)
)
class TicketDetailView(IngestionDetailView):
    scope_domain = "operations"
    list_view = TicketListView
    lookup = "ticket_id"
    not_found = TicketNotFound


@extend_schema_view(
    get=extend_schema(
        tags=TAGS,
        summary="List survey responses",
        description="Oldest answered first.",
        operation_id="cs_ops_surveys_list",
        responses=s.SurveyResponseSerializer(many=True),
    ),
    post=bulk_post_docs(
        tags=TAGS,
        summary="Ingest NPS and CSAT survey responses in bulk",
        item="SurveyResponseBulkItem",
        schema=SURVEY_SCHEMA,
        description="Natural key: `response_id`. NPS scores are 0-10, "
        "CSAT scores 1-5 (`min_value` / `max_value` otherwise). `answered_at` may not be "
        "later than tomorrow.",
        example=(
            "NPS and CSAT",
            [
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
        ),
    ),
)
class SurveyListView(IngestionListView):
    scope_domain = "operations"
    serializer_class = s.SurveyResponseSerializer
    filterset_class = SurveyResponseFilter
    pagination_class = cursor_pagination("answered_at", "id")
    list_queryset = staticmethod(selectors.survey_list)
    bulk_schema = SURVEY_SCHEMA
    ingest = staticmethod(services.surveys_bulk_upsert)


@extend_schema_view(
    get=extend_schema(
        tags=TAGS, summary="Get a survey response", responses=s.SurveyResponseSerializer
    )
)
class SurveyDetailView(IngestionDetailView):
    scope_domain = "operations"
    list_view = SurveyListView
    lookup = "response_id"
    not_found = SurveyResponseNotFound


@extend_schema_view(
    get=extend_schema(
        tags=TAGS,
        summary="List CS tasks",
        description="Oldest recorded first.",
        operation_id="cs_ops_tasks_list",
        responses=s.TaskSerializer(many=True),
    ),
    post=bulk_post_docs(
        tags=TAGS,
        summary="Ingest CS tasks (check-ins, meetings, calls, emails) in bulk",
        item="TaskBulkItem",
        schema=TASK_SCHEMA,
        description="Natural key: `task_id`. `owner_email` must be a "
        "team member (`unknown_team_member` otherwise); left out, the current owner is kept. "
        "`completed_at` may not be later than tomorrow; `due_at` may be in the future.",
        example=(
            "A done check-in and a planned QBR",
            [
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
        ),
    ),
)
class TaskListView(IngestionListView):
    scope_domain = "operations"
    serializer_class = s.TaskSerializer
    filterset_class = TaskFilter
    pagination_class = cursor_pagination("created_at", "id")
    list_queryset = staticmethod(selectors.task_list)
    bulk_schema = TASK_SCHEMA
    ingest = staticmethod(services.tasks_bulk_upsert)


@extend_schema_view(
    get=extend_schema(tags=TAGS, summary="Get a CS task", responses=s.TaskSerializer)
)
class TaskDetailView(IngestionDetailView):
    scope_domain = "operations"
    list_view = TaskListView
    lookup = "task_id"
    not_found = TaskNotFound
