"""Domain errors of the operations app, each with a stable code."""

from typing import Any

from integrations.domain_errors import NotFound, Unprocessable


class TicketNotFound(NotFound):
    default_message = "No support ticket with this ticket_id."
    default_code = "ticket_not_found"


class SurveyResponseNotFound(NotFound):
    default_message = "No survey response with this response_id."
    default_code = "survey_response_not_found"


class TaskNotFound(NotFound):
    default_message = "No task with this task_id."
    default_code = "task_not_found"


class WorkflowConditionsNotMet(Unprocessable):
    """Carries the measured values: the conditions did not hold and `force` was off."""

    default_code = "conditions_not_met"

    def __init__(self, evaluation: dict[str, Any]) -> None:
        self.evaluation = evaluation
        failed = [m["condition"] for m in evaluation["conditions"] if not m["holds"]]
        super().__init__(
            f"Trigger conditions did not hold ({evaluation['conditions_match']}): "
            f"{', '.join(failed)}. Nothing ran; send force: true to run anyway."
        )

    def extra(self) -> dict[str, Any]:
        return {"evaluation": self.evaluation}


class RunNotFound(NotFound):
    default_message = "No workflow run with this run_id."
    default_code = "workflow_run_not_found"


class EscalationNotFound(NotFound):
    default_message = "No escalation with this escalation_id."
    default_code = "escalation_not_found"


class AlertNotFound(NotFound):
    default_message = "No alert with this alert_id."
    default_code = "alert_not_found"
