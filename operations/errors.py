"""Domain errors of the operations app, each with a stable code."""

from rest_framework.exceptions import NotFound


class TicketNotFound(NotFound):
    default_detail = "No support ticket with this ticket_id."
    default_code = "ticket_not_found"


class SurveyResponseNotFound(NotFound):
    default_detail = "No survey response with this response_id."
    default_code = "survey_response_not_found"


class TaskNotFound(NotFound):
    default_detail = "No task with this task_id."
    default_code = "task_not_found"
