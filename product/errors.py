from collections.abc import Iterable

from rest_framework.exceptions import NotFound, ValidationError

from integrations.errors import Conflict


class FeatureNotFound(NotFound):
    default_detail = "No feature with this feature_id."
    default_code = "feature_not_found"


class FeedbackNotFound(NotFound):
    default_detail = "No feedback with this feedback_id."
    default_code = "feedback_not_found"


class IllegalFeedbackTransition(Conflict):
    default_code = "illegal_feedback_transition"

    def __init__(self, from_status: str, to_status: str, allowed: Iterable[str]) -> None:
        self.allowed = list(allowed)
        super().__init__(
            f"Feedback in status '{from_status}' cannot move to '{to_status}'. "
            f"Allowed: {', '.join(self.allowed) or 'none (final)'}."
        )


class CommitmentTargetRequired(ValidationError):
    def __init__(self) -> None:
        super().__init__(
            {"target_date": ["Committing needs a target_date or a target_release."]},
            code="target_required",
        )


class TargetDateInPast(ValidationError):
    def __init__(self) -> None:
        super().__init__(
            {"target_date": ["A commitment's target date cannot be in the past."]},
            code="target_in_past",
        )
