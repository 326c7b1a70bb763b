"""Marketing's domain errors (integrations.domain_errors kinds, stable codes)."""

from datetime import datetime

from integrations.domain_errors import Invalid, NotFound  # noqa: F401

# --- journeys (README "Marketing: journeys") ------------------------------------------------


def occurred_in_future(latest_allowed: datetime) -> Invalid:
    return Invalid(
        f"occurred_at is in the future (latest accepted: {latest_allowed.isoformat()}).",
        code="occurred_in_future",
        attr="occurred_at",
    )


def occurred_before_last_change(last: datetime) -> Invalid:
    return Invalid(
        "occurred_at is before the customer's last recorded stage change "
        f"({last.isoformat()}): the history stays in order.",
        code="occurred_before_last_change",
        attr="occurred_at",
    )
