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
