"""Marketing's domain errors (integrations.domain_errors kinds, stable codes)."""

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
