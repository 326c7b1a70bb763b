"""Domain errors of the product app, each with a stable code."""

from collections.abc import Iterable

from integrations.domain_errors import Conflict, Invalid, NotFound


class FeatureNotFound(NotFound):
    default_message = "No feature with this feature_id."
    default_code = "feature_not_found"


class FeedbackNotFound(NotFound):
    default_message = "No feedback with this feedback_id."
    default_code = "feedback_not_found"


class IllegalFeedbackTransition(Conflict):
    default_code = "illegal_feedback_transition"

    def __init__(self, from_status: str, to_status: str, allowed: Iterable[str]) -> None:
        self.allowed = list(allowed)
        super().__init__(
            f"Feedback in status '{from_status}' cannot move to '{to_status}'. "
            f"Allowed: {', '.join(self.allowed) or 'none (final)'}."
        )


class CommitmentTargetRequired(Invalid):
    default_message = "Committing needs a target_date or a target_release."
    default_code = "target_required"

    def __init__(self) -> None:
        super().__init__(attr="target_date")


class TargetDateInPast(Invalid):
    default_message = "A commitment's target date cannot be in the past."
    default_code = "target_in_past"

    def __init__(self) -> None:
        super().__init__(attr="target_date")
