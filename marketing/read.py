"""Marketing's public read API: what the cockpit and the webhooks catalogue read from
`marketing`. Typed and set-based: customer primary keys in, `{pk: frozen dataclass}` out;
one customer's records come capped (`integrations.capped`), each in one query."""

from dataclasses import dataclass
from datetime import datetime

from integrations.capped import Capped, capped

from .models import CampaignMember, Touchpoint

__all__ = [
    "CampaignMembershipRow",
    "TouchpointRow",
    "campaign_memberships",
    "customer_touchpoints",
]


@dataclass(frozen=True, slots=True)
class CampaignMembershipRow:
    """A campaign the customer is in, and whether it was treated or held out."""

    member_pk: int
    campaign_pk: int
    campaign_id: str
    name: str
    campaign_type: str
    group: str  # treated | holdout
    created_at: datetime
    ends_at: datetime
    finalized_at: datetime | None


def campaign_memberships(customer_pk: int, *, limit: int) -> Capped[CampaignMembershipRow]:
    """The customer's campaign memberships, newest campaign first. One query."""
    rows = CampaignMember.objects.filter(customer_id=customer_pk).order_by(
        "-campaign__created_at", "-pk"
    )
    return capped(
        rows,
        limit,
        CampaignMembershipRow,
        sources={
            "member_pk": "pk",
            "campaign_pk": "campaign_id",
            "campaign_id": "campaign__campaign_id",
            "name": "campaign__name",
            "campaign_type": "campaign__campaign_type",
            "created_at": "campaign__created_at",
            "ends_at": "campaign__ends_at",
            "finalized_at": "campaign__finalized_at",
        },
    )


@dataclass(frozen=True, slots=True)
class TouchpointRow:
    pk: int
    touchpoint_id: str
    stage: str
    name: str
    channel: str
    kind: str
    status: str
    scheduled_for: datetime
    reason: str


def customer_touchpoints(customer_pk: int, *, limit: int) -> Capped[TouchpointRow]:
    """The customer's journey touchpoints, latest scheduled first. One query."""
    rows = Touchpoint.objects.filter(customer_id=customer_pk).order_by("-scheduled_for", "-pk")
    return capped(rows, limit, TouchpointRow)
