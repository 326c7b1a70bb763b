"""Reads of campaigns (README "Marketing: campaigns")."""

from datetime import datetime
from typing import Any

from django.db.models import F, QuerySet
from django.utils import timezone

from ..errors import CampaignNotFound
from ..models import Campaign, CampaignMember
from .impact import measure


def campaign_get(campaign_id: str) -> Campaign:
    campaign = Campaign.objects.filter(campaign_id=campaign_id).first()
    if campaign is None:
        raise CampaignNotFound()
    return campaign


def campaign_list() -> QuerySet[Campaign]:
    return Campaign.objects.all()


def running(queryset: QuerySet[Campaign], now: datetime | None = None) -> QuerySet[Campaign]:
    return queryset.filter(ends_at__gt=now or timezone.now())


def finished(queryset: QuerySet[Campaign], now: datetime | None = None) -> QuerySet[Campaign]:
    return queryset.filter(ends_at__lte=now or timezone.now())


def campaign_members(campaign: Campaign) -> QuerySet[CampaignMember]:
    """The campaign's members with their customer, ordered by customer_id (`customer_key`,
    for cursor pagination): one query a page."""
    return (
        CampaignMember.objects.filter(campaign=campaign)
        .select_related("customer")
        .annotate(customer_key=F("customer__customer_id"))
        .order_by("customer_key")
    )


def campaign_impact(campaign: Campaign, now: datetime | None = None) -> dict[str, Any]:
    """The frozen final impact of a finalized campaign (no query), else the impact measured
    so far: up to min(now, ends_at) (five queries)."""
    if campaign.final_impact is not None:
        return campaign.final_impact
    return measure(campaign, min(now or timezone.now(), campaign.ends_at))


def campaign_warnings(campaign: Campaign) -> list[str]:
    """Why the campaign cannot measure a lift as created, from its stored counts (no query):
    an empty audience, or an empty holdout or send list."""
    if campaign.size == 0:
        joined = ", ".join(campaign.segments)
        where = f"all of {joined}" if campaign.match == "all" else f"any of {joined}"
        return [f"The audience is empty: no active customer is in {where}."]
    if campaign.holdout_count == 0:
        return ["The holdout is empty: no lift can be measured (nothing to compare with)."]
    if campaign.treated_count == 0:
        return ["The send list is empty: every member is in the holdout."]
    return []
