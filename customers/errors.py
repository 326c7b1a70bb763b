"""Domain errors of the customers app, each with a stable code."""

from collections.abc import Iterable
from typing import Any

from integrations.domain_errors import Conflict, Invalid, NotFound


class CustomerNotFound(NotFound):
    default_message = "No customer with this customer_id."
    default_code = "customer_not_found"


class TeamMemberNotFound(NotFound):
    default_message = "No team member with this email."
    default_code = "team_member_not_found"


class StakeholderNotFound(NotFound):
    default_message = "No stakeholder with this email for this customer."
    default_code = "stakeholder_not_found"


class IllegalStageTransition(Conflict):
    """The body lists the allowed next stages (`allowed_next_stages`) beside the message."""

    default_code = "illegal_stage_transition"

    def __init__(self, from_stage: str, to_stage: str, allowed: Iterable[str]) -> None:
        allowed = list(allowed)
        self.from_stage, self.to_stage, self.allowed = from_stage, to_stage, allowed
        super().__init__(
            f"A customer in stage '{from_stage}' cannot move to '{to_stage}'. "
            f"Allowed: {', '.join(allowed) or 'none'}."
        )

    def extra(self) -> dict[str, Any]:
        return {"current_stage": self.from_stage, "allowed_next_stages": list(self.allowed)}


class CustomerChurned(Conflict):
    default_message = (
        "The customer has churned: it is not scored any more (its history stays as it was)."
    )
    default_code = "customer_churned"


class CustomerAlreadyExists(Conflict):
    default_message = "A customer with this customer_id already exists."
    default_code = "customer_exists"


class StakeholderAlreadyExists(Conflict):
    default_message = "This customer already has a stakeholder with this email."
    default_code = "stakeholder_exists"


class TeamMemberAlreadyExists(Conflict):
    default_message = "A team member with this email already exists."
    default_code = "team_member_exists"


class TeamMemberHasSignIn(Conflict):
    default_message = "This team member already has a sign-in."
    default_code = "team_member_has_sign_in"


class SignInTaken(Conflict):
    default_message = "A user with this username already exists; link it on the team member page."
    default_code = "sign_in_taken"


class UserLinkedElsewhere(Conflict):
    default_message = "This user is already linked to another team member."
    default_code = "user_linked_elsewhere"


def unknown_team_member(field: str, email: str) -> Invalid:
    return Invalid(f"No team member with email {email}.", code="unknown_team_member", attr=field)


STATUS_STAGE_MISMATCH = "status_stage_mismatch"


def status_stage_mismatch_detail(status: str, stage: str) -> str:
    return (
        f"status '{status}' contradicts lifecycle_stage '{stage}': "
        "stage 'churned' goes with status 'churned', any other stage with 'active'."
    )


def status_stage_mismatch(status: str, stage: str) -> Invalid:
    return Invalid(
        status_stage_mismatch_detail(status, stage),
        code=STATUS_STAGE_MISMATCH,
        attr="lifecycle_stage",
    )


def churned_at_needs_churned_status() -> Invalid:
    return Invalid("churned_at requires status 'churned'.", attr="churned_at")


class SuccessPlanNotFound(NotFound):
    default_message = "No success plan with this plan_id for this customer."
    default_code = "success_plan_not_found"


class MilestoneNotFound(NotFound):
    default_message = "No milestone with this milestone_id in this plan."
    default_code = "milestone_not_found"


def achieved_on_needs_achieved(status: str) -> Invalid:
    return Invalid(
        f"achieved_on is set only for status 'achieved' (the milestone's status: '{status}').",
        code="achieved_on_without_achieved",
        attr="achieved_on",
    )


def achieved_on_in_future() -> Invalid:
    return Invalid(
        "achieved_on cannot be in the future.", code="date_in_future", attr="achieved_on"
    )
