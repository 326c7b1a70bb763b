"""Marketing's domain errors (integrations.domain_errors kinds, stable codes)."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from integrations.domain_errors import Invalid, NotFound

# --- campaigns (README "Marketing: campaigns") ---------------------------------------------


class CampaignNotFound(NotFound):
    default_message = "No campaign with this campaign_id."
    default_code = "campaign_not_found"


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


# --- signals and segments (README "Marketing: health read-out, lifecycle and segments") ---


class UnknownSegment(Invalid):
    """A segment name the registry does not know; the body lists the known ones."""

    default_code = "unknown_segment"

    def __init__(self, unknown: list[str], known: Sequence[str], *, attr: str = "segments") -> None:
        self.unknown, self.known = unknown, tuple(known)
        super().__init__(
            f"Unknown segment(s): {', '.join(repr(u) for u in unknown)}. "
            f"Known segments: {', '.join(known)}.",
            attr=attr,
        )

    def extra(self) -> dict[str, Any]:
        return {"known_segments": list(self.known)}
