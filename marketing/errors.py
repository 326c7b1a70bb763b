"""Marketing's domain errors (integrations.domain_errors kinds, stable codes)."""

from datetime import datetime

from integrations.domain_errors import Invalid, NotFound

# --- campaigns (README "Marketing: campaigns") ---------------------------------------------


class CampaignNotFound(NotFound):
    default_message = "No campaign with this campaign_id."
    default_code = "campaign_not_found"


class UnknownSegment(Invalid):
    """A requested segment the registry does not know; the message lists the known ones."""

    default_code = "unknown_segment"

    def __init__(self, name: str, known: list[str], *, attr: str) -> None:
        super().__init__(
            f"Unknown segment {name!r}. Known segments: {', '.join(known)}.", attr=attr
        )


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
