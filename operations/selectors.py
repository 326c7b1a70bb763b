"""Reads for operations data. Health measures live in measures.py."""

from django.db.models import QuerySet

from .errors import SurveyResponseNotFound, TaskNotFound, TicketNotFound
from .models import SupportTicket, SurveyResponse, Task


def ticket_list() -> QuerySet[SupportTicket]:
    return SupportTicket.objects.select_related("customer").only(
        "ticket_id",
        "opened_at",
        "resolved_at",
        "priority",
        "status",
        "created_at",
        "updated_at",
        "customer__customer_id",
    )


def ticket_get(ticket_id: str) -> SupportTicket:
    try:
        return ticket_list().get(ticket_id=ticket_id)
    except SupportTicket.DoesNotExist:
        raise TicketNotFound() from None


def survey_list() -> QuerySet[SurveyResponse]:
    return SurveyResponse.objects.select_related("customer").only(
        "response_id",
        "respondent_email",
        "kind",
        "score",
        "comment",
        "answered_at",
        "created_at",
        "updated_at",
        "customer__customer_id",
    )


def survey_get(response_id: str) -> SurveyResponse:
    try:
        return survey_list().get(response_id=response_id)
    except SurveyResponse.DoesNotExist:
        raise SurveyResponseNotFound() from None


def task_list() -> QuerySet[Task]:
    return Task.objects.select_related("customer", "owner").only(
        "task_id",
        "kind",
        "title",
        "due_at",
        "completed_at",
        "created_at",
        "updated_at",
        "customer__customer_id",
        "owner__email",
    )


def task_get(task_id: str) -> Task:
    try:
        return task_list().get(task_id=task_id)
    except Task.DoesNotExist:
        raise TaskNotFound() from None
