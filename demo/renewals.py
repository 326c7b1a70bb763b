"""Demo renewal history: add-ons (seat packs and add-on modules) on quarterly or half-yearly
terms, renewed or left to expire term after term, so the book has renewal decisions where the
seeded history (health, usage, invoices) can explain them (README, "Demo").

About half of the established accounts (no onboarding ones) bought an add-on 5 to 14 months
ago, starting on the first of a month. At each term's end the add-on renews or expires (and
churns with the account at its churn date). The outcome is drawn from the account's signals as
they stood 90 days before that end, read by the renewal model's own point-in-time features
(health and its 30-day change, seat utilisation, overdue invoices, an executive sponsor) plus a
nudge by the account's story and a Bernoulli draw: healthy accounts mostly renew, declining
ones and late payers let add-ons lapse more often, and no outcome is certain. An expired
add-on is not bought again. Add-ons are billed on the subscription's invoices (the demo writes
no invoices of their own), so the seeded payment history is unchanged.

Runs after the health history (it reads the snapshots) with its own RNG per customer, so the
draws of the shared RNG stay as they were. Written by the finance ingestion service, one
renewal step at a time (a renewal names the contract it renews)."""

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from customers.choices import Segment
from customers.models import Customer
from finance.choices import ContractStatus, RenewalModelKind
from finance.models import RenewalModelEvaluation, RenewalModelVersion
from finance.renewals.features import DECISION_LEAD_DAYS, FeatureRow, Observation, feature_rows
from finance.renewals.services import renewal_model_activate
from finance.services import contracts_ingest
from integrations.bulk_sql import chunks

from . import context
from .context import DemoContext, Progress
from .finance import BATCH, SEAT_PRICE, _ingest

# Share of accounts with an add-on, by story (onboarding accounts have none yet).
ADDON_SHARE = {
    context.HEALTHY: 0.6,
    context.DECLINING: 0.6,
    context.LATE_PAYER: 0.6,
    context.CHURNED: 0.6,
    context.NEW: 0.0,
}
# Term in months -> (weight, how many months ago the first term may start). The first term
# ends in the last eight months, so every decision is observed inside the seeded history.
ADDON_TERMS = {3: (3, (5, 11)), 6: (2, (8, 14))}
# Annual list price of an add-on module (a premium feature of demo.product's catalogue).
MODULE_PRICE = (6000, 8000, 9000, 12000, 18000)

# The demo's "true" renewal behaviour, in log-odds: what the world does, not a model of it.
# Signals as they stood 90 days before the decision; a missing one adds nothing.
BASE_LOG_ODDS = -0.4
SIGNALS = (
    # feature, centre, log-odds per unit above the centre
    ("health_score", 70.0, 0.14),
    ("health_change_30d", 0.0, 0.06),
    ("seat_utilisation", 0.35, 2.5),
    ("payment_overdue_level", 0.0, -0.8),
    ("executive_sponsor", 0.5, 0.8),
)
STORY_LOG_ODDS = {
    context.HEALTHY: 0.3,
    context.DECLINING: -0.6,
    context.LATE_PAYER: -0.3,
    context.CHURNED: -0.6,
    context.NEW: 0.0,
}


@dataclass
class _Addon:
    customer: Customer
    kind: str
    months: int
    start: date
    value: Decimal
    ends: list[date] = field(default_factory=list)  # every term's end if it always renewed


def seed_renewal_history(ctx: DemoContext, progress: Progress) -> int:
    today = ctx.today
    addons = [a for c in ctx.customers if (a := _plan(c, today)) is not None]
    keys: dict[tuple[int, date], int] = {}
    signals: dict[int, FeatureRow] = {}
    # in parts: the feature reads name the customers in SQL (SQLite's variable limit)
    for part in chunks(addons, BATCH):
        observations = []
        for addon in part:
            for end in addon.ends:
                if end <= today:
                    key = keys.setdefault((addon.customer.pk, end), len(keys))
                    observations.append(
                        Observation(
                            key=key,
                            customer_pk=addon.customer.pk,
                            as_of=end - timedelta(days=DECISION_LEAD_DAYS),
                            end_date=end,
                        )
                    )
        signals.update(feature_rows(observations))
    generations: list[list[dict[str, Any]]] = []
    for addon in addons:
        rng = random.Random(f"renewals:{addon.customer.customer_id}")
        rows = {end: signals[keys[(addon.customer.pk, end)]] for end in addon.ends if end <= today}
        _chain(rng, addon, rows, today, generations)
    for generation in generations:
        _ingest(contracts_ingest, generation, progress)
    return sum(len(g) for g in generations)


def _plan(customer: Customer, today: date) -> _Addon | None:
    rng = random.Random(f"addon:{customer.customer_id}")
    kind = context.story(customer)
    if rng.random() >= ADDON_SHARE[kind]:
        return None
    months = rng.choices(list(ADDON_TERMS), weights=[w for w, _ in ADDON_TERMS.values()])[0]
    start = _add_months(today.replace(day=1), -rng.randint(*ADDON_TERMS[months][1]))
    churn_day = customer.churned_at.date() if customer.churned_at else None
    if churn_day is not None and churn_day <= start:
        return None
    if rng.random() < 0.6:  # a seat pack: 10-25 % more seats at the segment's seat price
        seats = max(5, customer.licensed_seats * rng.randint(10, 25) // 100)
        annual = seats * rng.randint(*SEAT_PRICE[Segment(customer.segment)])
    else:  # an add-on module at its list price
        annual = rng.choice(MODULE_PRICE)
    value = Decimal(annual * months // 12 // 10 * 10)
    addon = _Addon(customer, kind, months, start, value)
    term_start = start
    while True:
        end = _add_months(term_start, months) - timedelta(days=1)
        addon.ends.append(end)
        if end > today or (churn_day is not None and churn_day <= end):
            return addon
        term_start = end + timedelta(days=1)


def _chain(
    rng: random.Random,
    addon: _Addon,
    rows: dict[date, FeatureRow],
    today: date,
    generations: list[list[dict[str, Any]]],
) -> None:
    customer = addon.customer
    churn_day = customer.churned_at.date() if customer.churned_at else None
    prefix = f"ctr_{customer.customer_id.removeprefix('cust_')[:40]}_addon"
    start = addon.start
    for step, end in enumerate(addon.ends):
        if churn_day is not None and churn_day <= end:
            status, end = ContractStatus.CHURNED, max(churn_day, start + timedelta(days=1))
        elif end > today:
            status = ContractStatus.ACTIVE
        elif rng.random() < renewal_chance(rows[end], addon.kind):
            status = ContractStatus.RENEWED
        else:
            status = ContractStatus.EXPIRED
        if len(generations) <= step:
            generations.append([])
        generations[step].append(
            {
                "contract_id": f"{prefix}_{step + 1}",
                "customer_id": customer.customer_id,
                "start_date": start,
                "end_date": end,
                "value": addon.value,
                "term": f"{addon.months}_month",
                "status": status.value,
                "renewed_from": f"{prefix}_{step}" if step else None,
            }
        )
        if status != ContractStatus.RENEWED:
            return
        start = end + timedelta(days=1)


def renewal_chance(row: FeatureRow, kind: str) -> float:
    """The demo world's chance that an add-on renews, from its signals 90 days before."""
    log_odds = BASE_LOG_ODDS + STORY_LOG_ODDS[kind]
    for feature, centre, weight in SIGNALS:
        value = row.get(feature)
        if value is not None:
            log_odds += weight * (value - centre)
    return 1 / (1 + math.exp(-log_odds))


def _add_months(day: date, months: int) -> date:
    """The same day-of-month `months` later (day is always the 1st here)."""
    index = day.year * 12 + day.month - 1 + months
    return day.replace(year=index // 12, month=index % 12 + 1)


def reset_renewal_model() -> None:
    """A rebuilt demo starts from the documented prior: the versions fitted on the old history,
    and every hold-out evaluation of it, go with that history."""
    prior = RenewalModelVersion.objects.filter(kind=RenewalModelKind.PRIOR).order_by("version")
    first = prior.first()
    if first is not None:
        renewal_model_activate(version=first.version)
    RenewalModelEvaluation.objects.all().delete()
    RenewalModelVersion.objects.filter(kind=RenewalModelKind.FITTED).delete()
