"""Reads for operations data. Health measures live in measures.py."""

from django.db.models import Prefetch, QuerySet

from ..errors import (
    AlertNotFound,
    EscalationNotFound,
    RunNotFound,
    SurveyResponseNotFound,
    TaskNotFound,
    TicketNotFound,
)
from ..models import (
    Alert,
    Escalation,
    SupportTicket,
    SurveyResponse,
    Task,
    WorkflowRun,
    WorkflowStepRun,
)


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


def run_list() -> QuerySet[WorkflowRun]:
    return WorkflowRun.objects.select_related("customer", "rule").prefetch_related(
        Prefetch("steps", queryset=WorkflowStepRun.objects.order_by("position"))
    )


def run_get(run_id: str) -> WorkflowRun:
    run = run_list().filter(run_id=run_id).first()
    if run is None:
        raise RunNotFound()
    return run


def escalation_list() -> QuerySet[Escalation]:
    return Escalation.objects.select_related("customer", "run")


def escalation_get(escalation_id: str) -> Escalation:
    item = escalation_list().filter(escalation_id=escalation_id).first()
    if item is None:
        raise EscalationNotFound()
    return item


def alert_list() -> QuerySet[Alert]:
    return Alert.objects.select_related("customer", "owner")


def alert_get(alert_id: str) -> Alert:
    item = alert_list().filter(alert_id=alert_id).first()
    if item is None:
        raise AlertNotFound()
    return item
