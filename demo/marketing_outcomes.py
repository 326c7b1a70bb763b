"""The demo campaigns' outcomes written and scored (demo.marketing): the extra usage, won
opportunities and promoter answers of the treated members, through the ingestion services, and
the weekly health snapshots they reach, rescored by the backfill service."""

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Max, Min

from customers.health.services import health_history_seed
from customers.models import Customer, HealthScore
from finance.services import opportunities_ingest
from integrations.bulk_sql import chunks
from marketing.models import Campaign
from operations.services import surveys_bulk_upsert
from product.models import Feature, FeatureUsage
from product.services.ingestion import usage_ingest

from .context import DemoContext

BATCH = 5000  # usage rows per ingest call, within the API's 10,000-item limit


@dataclass
class Effects:
    usage: dict[tuple[int, int, date], tuple[int, int]]  # (customer, feature, day) -> extra
    opportunities: list[dict[str, Any]]
    surveys: list[dict[str, Any]]
    reach: dict[int, list[tuple[date, date]]]  # customer pk -> day ranges to rescore


def lift_usage(
    rng: random.Random,
    customer: Customer,
    lift: tuple[int, tuple[int, int], tuple[float, float]],
    key_features: list[tuple[int, str]],
    since: date,
    end: date,
    effects: Effects,
) -> list[date]:
    count, (low, high), (share_low, share_high) = lift
    span = (end - since).days
    if span <= 0:
        return []
    seats = max(1, customer.licensed_seats)
    days: list[date] = []
    for feature_pk, _ in rng.sample(key_features, k=min(count, len(key_features))):
        for offset in rng.sample(range(span), k=min(span, rng.randint(low, high))):
            day = since + timedelta(days=offset)
            users = max(1, int(seats * rng.uniform(share_low, share_high)))
            key = (customer.pk, feature_pk, day)
            events, peak = effects.usage.get(key, (0, 0))
            effects.usage[key] = (events + users * rng.randint(3, 15), max(peak, users))
            days.append(day)
    return days


def won(
    rng: random.Random, customer: Customer, begin: date, end: date, campaign: Campaign
) -> dict[str, Any]:
    closed = begin + timedelta(days=rng.randint(0, (end - begin).days - 1))
    value = max(customer.licensed_seats, 10) * rng.randint(60, 200)
    return {
        "opportunity_id": f"opp_{_tag(campaign)}_{customer.customer_id}",
        "customer_id": customer.customer_id,
        "type": rng.choice(("upsell", "cross_sell", "add_on")),
        "product": rng.choice(("feat_workflows", "feat_forecasting", "feat_ai_assist")),
        "value": value,
        "probability": 1.0,
        "expected_close": f"q{(closed.month - 1) // 3 + 1}_{closed.year}",
        "status": "won",
        "source": "cs",
        "closed_on": closed.isoformat(),
        "closed_value": value * rng.randint(85, 100) // 100,
    }


def promoter_answers(
    rng: random.Random,
    customer: Customer,
    begin: date,
    end: date,
    campaign: Campaign,
    effects: Effects,
) -> date:
    first = end
    for n in range(rng.randint(1, 2)):
        day = begin + timedelta(days=rng.randint(0, (end - begin).days - 1))
        first = min(first, day)
        effects.surveys.append(
            {
                "response_id": f"nps_{_tag(campaign)}_{customer.customer_id}_{n}",
                "customer_id": customer.customer_id,
                "respondent_email": f"advocate@{customer.customer_id.replace('_', '-')}.example",
                "kind": "nps",
                "score": rng.choice((9, 10, 10)),
                "comment": rng.choice(("Happy to be a reference.", "Great partner.", "")),
                "answered_at": datetime.combine(day, datetime.min.time()).replace(
                    hour=rng.randint(9, 17), tzinfo=campaign.created_at.tzinfo
                ),
            }
        )
    return first


def _tag(campaign: Campaign) -> str:
    """ "Demo adoption #2" -> "mkt_adoption2": the demo rows' ids name their campaign."""
    return "mkt_" + campaign.name.removeprefix("Demo ").replace(" #", "")


def write(effects: Effects, customers: dict[int, Customer]) -> int:
    """The extra usage on top of what the day already holds (the ingest upserts the row), the
    won opportunities and the answers, each through its ingestion service."""
    keys = effects.usage
    stored: dict[tuple[int, int, date], tuple[int, int]] = {}
    if keys:
        pks = sorted({k[0] for k in keys})
        first, last = min(k[2] for k in keys), max(k[2] for k in keys)
        rows = FeatureUsage.objects.filter(
            customer_id__in=pks, date__gte=first, date__lte=last
        ).values_list("customer_id", "feature_id", "date", "events", "active_users")
        stored = {(c, f, d): (e, u) for c, f, d, e, u in rows if (c, f, d) in keys}
    features = dict(Feature.objects.values_list("pk", "feature_id"))
    items = []
    for (pk, feature_pk, day), (events, users) in sorted(keys.items()):
        had_events, had_users = stored.get((pk, feature_pk, day), (0, 0))
        items.append(
            {
                "customer_id": customers[pk].customer_id,
                "feature_id": features[feature_pk],
                "date": day,
                "events": had_events + events,
                "active_users": max(had_users, users),
            }
        )
    for part in chunks(items, BATCH):
        usage_ingest(items=list(part))
    if effects.opportunities:
        opportunities_ingest(items=effects.opportunities)
    if effects.surveys:
        surveys_bulk_upsert(items=effects.surveys)
    return len(items) + len(effects.opportunities) + len(effects.surveys)


def rescore(ctx: DemoContext, reach: dict[int, list[tuple[date, date]]]) -> int:
    """Replace the weekly snapshots the added rows reach: per seeded weekly day, the customers
    whose reach covers it lose that day's snapshot and are scored again as of it."""
    weekly = [ctx.today - timedelta(weeks=w) for w in range(ctx.health_weeks, -1, -1)]
    stored = HealthScore.objects.aggregate(first=Min("as_of"), last=Max("as_of"))
    if stored["first"] is None:
        return 0
    by_day: dict[date, list[int]] = defaultdict(list)
    for day in weekly:
        if not stored["first"] <= day <= stored["last"]:
            continue
        for pk, ranges in reach.items():
            if any(low <= day <= high for low, high in ranges):
                by_day[day].append(pk)
    written = 0
    for day, pks in sorted(by_day.items()):
        HealthScore.objects.filter(customer_id__in=pks, as_of=day).delete()
        written += health_history_seed(customer_pks=pks, days=[day])
    return written
