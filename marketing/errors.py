"""Marketing's domain errors (integrations.domain_errors kinds, stable codes)."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from integrations.domain_errors import Conflict, Invalid, NotFound

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
    """A segment name the registry does not know; the detail lists the known ones (also
    `GET /api/v1/cs-marketing/segments`)."""

    default_code = "unknown_segment"

    def __init__(self, unknown: list[str], known: Sequence[str], *, attr: str = "segments") -> None:
        self.unknown, self.known = unknown, tuple(known)
        super().__init__(unknown_segment_detail(unknown, known), attr=attr)


def unknown_segment_detail(unknown: Sequence[str], known: Sequence[str]) -> str:
    return (
        f"Unknown segment(s): {', '.join(repr(u) for u in unknown)}. "
        f"Known segments: {', '.join(known)}."
    )


# --- campaigns: fixes of issue 14 (README "Marketing: campaigns") --------------------------


class CampaignExists(Conflict):
    """`external_campaign_id` names one campaign; the body names it (`campaign_id`)."""

    default_code = "campaign_exists"

    def __init__(self, external_campaign_id: str, campaign_id: str) -> None:
        self.campaign_id = campaign_id
        super().__init__(
            f"A campaign with external_campaign_id {external_campaign_id!r} exists ({campaign_id})."
        )

    def extra(self) -> dict[str, Any]:
        return {"campaign_id": self.campaign_id}
