"""Builders for the campaign tests: customers with known health, usage and wins around START."""

import hashlib
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from importlib import import_module
from typing import Any

from django.apps import apps

from customers.models import Customer
from marketing.campaigns.services import campaign_create
from marketing.models import Campaign
from product.models import Feature, FeatureUsage
from tests.customers.factories import CustomerFactory, health_snapshot
from tests.finance.factories import OpportunityFactory

START = datetime(2026, 6, 1, 12, tzinfo=UTC)  # the campaigns' creation moment
START_DAY = date(2026, 6, 1)
URL = "/api/v1/cs-marketing/campaigns"


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def health(customer: Customer, score: int, computed_at: datetime, grade: str = "at_risk") -> None:
    health_snapshot(customer, computed_at, score, grade, components={}, weights={})


def usage(customer: Customer, feature: Feature, day: date, events: int) -> None:
    FeatureUsage.objects.create(
        customer=customer, feature=feature, date=day, events=events, active_users=1
    )


def won(customer: Customer, value: int, closed_on: date) -> None:
    OpportunityFactory.create(
        customer=customer,
        status="won",
        closed_value=Decimal(value),
        closed_on=closed_on,
    )


def customers(n: int, segment: str = "enterprise", prefix: str = "c") -> list[Customer]:
    return [
        CustomerFactory.create(customer_id=f"{prefix}_{segment}_{i:04d}", segment=segment)
        for i in range(n)
    ]


def expected_holdout(campaign_id: str, customer_ids: list[str], count: int) -> set[str]:
    """The definition, written again: the `count` lowest sha256(campaign_id:customer_id)."""
    ranked = sorted(
        customer_ids, key=lambda c: hashlib.sha256(f"{campaign_id}:{c}".encode()).hexdigest()
    )
    return set(ranked[:count])


def create(segments: list[str], **kwargs: Any) -> Campaign:
    kwargs.setdefault("trigger_type", "health_decline")
    kwargs.setdefault("campaign_type", "retention")
    kwargs.setdefault("now", START)
    return campaign_create(segments=segments, **kwargs)


def groups(campaign: Campaign) -> dict[str, list[Customer]]:
    found: dict[str, list[Customer]] = {"treated": [], "holdout": []}
    for member in campaign.members.select_related("customer").order_by("customer__customer_id"):
        found[member.group].append(member.customer)
    return found


def finished(campaign_type: str, retention_pp: float | None, engagement: float | None) -> Campaign:
    """A finalized campaign whose frozen lift is the given one (feeds estimated_impact)."""
    return Campaign.objects.create(
        trigger_type="manual",
        campaign_type=campaign_type,
        created_at=START - timedelta(days=200),
        ends_at=START - timedelta(days=110),
        finalized_at=START - timedelta(days=100),
        final_impact={"lift": {"retention_pp": retention_pp, "engagement_pct": engagement}},
    )


def campaign_named(campaign_id: str) -> Campaign:
    """A campaign with that campaign_id (cross-cutting tests fill every `{param}` with one id)."""
    campaign = campaign_create(
        trigger_type="manual", campaign_type="retention", segments=["mid_market"]
    )
    Campaign.objects.filter(pk=campaign.pk).update(campaign_id=campaign_id)
    campaign.refresh_from_db()
    return campaign


def ensure_priors() -> None:
    """The priors migration 0002 seeds (a transactional test's flush empties the table)."""
    import_module("marketing.migrations.0002_campaigns_seed_priors").seed_priors(apps, None)
