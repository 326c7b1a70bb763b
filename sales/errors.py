"""Sales' domain errors (integrations.domain_errors kinds, stable codes)."""

from typing import Any

from integrations.domain_errors import Conflict, Invalid, NotFound

# --- handoff ------------------------------------------------------------------------------


class HandoffNotFound(NotFound):
    default_message = "No handoff for this customer."
    default_code = "handoff_not_found"


class HandoffExists(Conflict):
    """A customer is handed off once; the body names the existing handoff."""

    default_code = "handoff_exists"

    def __init__(self, handoff_id: str) -> None:
        self.handoff_id = handoff_id
        super().__init__(f"The customer was already handed off ({handoff_id}).")

    def extra(self) -> dict[str, Any]:
        return {"handoff_id": self.handoff_id}


def handoff_invalid(attr: str, message: str, code: str = "invalid") -> Invalid:
    return Invalid(message, code=code, attr=attr)


# --- expansion readiness ----------------------------------------------------------------------


class InvalidExpansionModel(Invalid):
    default_message = "The expansion model's weights or thresholds are not valid."
    default_code = "invalid_expansion_model"
