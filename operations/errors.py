"""Domain errors of the operations app, each with a stable code."""

from typing import Any

from rest_framework import status
from rest_framework.exceptions import APIException, NotFound


class TicketNotFound(NotFound):
    default_detail = "No support ticket with this ticket_id."
    default_code = "ticket_not_found"


class SurveyResponseNotFound(NotFound):
    default_detail = "No survey response with this response_id."
    default_code = "survey_response_not_found"


class TaskNotFound(NotFound):
    default_detail = "No task with this task_id."
    default_code = "task_not_found"


class WorkflowConditionsNotMet(APIException):
    """422 carrying the measured values: the conditions did not hold and `force` was off."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "conditions_not_met"

    def __init__(self, evaluation: dict[str, Any]) -> None:
        self.evaluation = evaluation
        failed = [m["condition"] for m in evaluation["conditions"] if not m["holds"]]
        super().__init__(
            f"Trigger conditions did not hold ({evaluation['conditions_match']}): "
            f"{', '.join(failed)}. Nothing ran; send force: true to run anyway."
        )


class RunNotFound(NotFound):
    default_detail = "No workflow run with this run_id."
    default_code = "workflow_run_not_found"


class EscalationNotFound(NotFound):
    default_detail = "No escalation with this escalation_id."
    default_code = "escalation_not_found"


class AlertNotFound(NotFound):
    default_detail = "No alert with this alert_id."
    default_code = "alert_not_found"
