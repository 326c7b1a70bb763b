"""Demo contracts and invoices that follow each customer's story (demo.context.story).

Contracts reach back two to three years and chain through `renewed_from`; the last one is
active (or churned at the churn date). Invoices cover the last twelve months: healthy and new
accounts pay around the due date, late payers 20-70 days late with one or two invoices
currently overdue, declining accounts sometimes late, churned accounts stop at churn.
Expansion opportunities and value records follow the stories too (`seed_expansion_and_value`).
All are written by the finance ingestion services, as the finance system's sync writes them.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from customers.choices import Segment
from customers.models import Customer, TeamMember
from finance.choices import ContractStatus
from finance.services import (
    contracts_ingest,
    invoices_ingest,
    opportunities_ingest,
    value_records_ingest,
)
from integrations.bulk_sql import chunks
from integrations.upsert import BulkResult

from . import context
from .context import DemoContext, Progress

# Price per licensed seat per year, by segment.
SEAT_PRICE = {
    Segment.ENTERPRISE: (600, 900),
    Segment.MID_MARKET: (450, 750),
    Segment.SMALL_BUSINESS: (300, 550),
}
# Contract length in years and its weight, by segment.
TERMS = {
    Segment.ENTERPRISE: ((1, 5), (2, 2), (3, 3)),
    Segment.MID_MARKET: ((1, 8), (2, 2)),
    Segment.SMALL_BUSINESS: ((1, 1),),
}
# Price change at renewal, by story.
UPLIFT = {
    context.HEALTHY: (1.03, 1.15),
    context.NEW: (1.0, 1.1),
    context.LATE_PAYER: (1.0, 1.05),
    context.DECLINING: (0.85, 1.0),
    context.CHURNED: (0.95, 1.05),
}
NET_DAYS = 30
MONTH, QUARTER = 30, 91
BATCH = 5000  # items per bulk service call, within the API's 10,000-item limit


@dataclass
class _Term:
    start: date
    end: date
    annual: int


def seed_finance(ctx: DemoContext, progress: Progress) -> int:
    rng, today = ctx.rng, ctx.today
    generations: list[list[dict[str, Any]]] = []
    invoices: list[dict[str, Any]] = []
    for customer in ctx.customers:
        kind = context.story(customer)
        terms = _contracts(rng, customer, kind, today, generations)
        invoices.extend(_invoices(rng, customer, kind, today, terms))
    # One renewal step at a time: a renewal names the contract it renews, ingested before it.
    for generation in generations:
        _ingest(contracts_ingest, generation, progress)
    _ingest(invoices_ingest, invoices, progress)
    return sum(len(g) for g in generations) + len(invoices)


def _ingest(
    ingest: Callable[..., BulkResult], items: list[dict[str, Any]], progress: Progress
) -> None:
    for part in chunks(items, BATCH):
        ingest(items=part)
        progress(len(part))


def _contracts(
    rng: random.Random,
    customer: Customer,
    kind: str,
    today: date,
    generations: list[list[dict[str, Any]]],
) -> list[_Term]:
    """Append the customer's contract chain to `generations` (one list per renewal step)."""
    segment = Segment(customer.segment)
    seats = max(5, customer.licensed_seats)
    annual = seats * rng.randint(*SEAT_PRICE[segment])
    churn_day = customer.churned_at.date() if customer.churned_at else None
    if kind == context.NEW:
        start = today - timedelta(days=rng.randint(10, 120))
    else:
        start = today - timedelta(days=rng.randint(730, 1095))
    if churn_day is not None:
        start = min(start, churn_day - timedelta(days=400))
    prefix = f"ctr_{customer.customer_id.removeprefix('cust_')[:48]}"
    terms: list[_Term] = []
    for step in range(10):
        years = _pick_term(rng, segment)
        end = start + timedelta(days=365 * years - 1)
        if churn_day is not None and churn_day <= end:
            status, end = ContractStatus.CHURNED, max(churn_day, start + timedelta(days=1))
        elif end < today:
            status = ContractStatus.RENEWED
        else:
            status = ContractStatus.ACTIVE
        value = round(annual * years * (1 - 0.05 * (years - 1)), -2)
        if len(generations) <= step:
            generations.append([])
        generations[step].append(
            {
                "contract_id": f"{prefix}_{step + 1}",
                "customer_id": customer.customer_id,
                "start_date": start,
                "end_date": end,
                "value": Decimal(value),
                "term": f"{years}_year",
                "status": status.value,
                "renewed_from": f"{prefix}_{step}" if step else None,
            }
        )
        terms.append(_Term(start=start, end=end, annual=annual))
        if status != ContractStatus.RENEWED:
            break
        start = end + timedelta(days=1)
        annual = int(annual * rng.uniform(*UPLIFT[kind]))
    return terms


def _pick_term(rng: random.Random, segment: Segment) -> int:
    choices = TERMS[segment]
    years: int = rng.choices([y for y, _ in choices], weights=[w for _, w in choices])[0]
    return years


def _invoices(
    rng: random.Random,
    customer: Customer,
    kind: str,
    today: date,
    terms: list[_Term],
) -> list[dict[str, Any]]:
    monthly = customer.segment == Segment.SMALL_BUSINESS or (
        customer.segment == Segment.MID_MARKET and rng.random() < 0.5
    )
    step = MONTH if monthly else QUARTER
    last = customer.churned_at.date() if customer.churned_at else today
    first = max(today - timedelta(days=364), terms[0].start)
    issued = first + timedelta(days=rng.randint(0, step - 1) if kind != context.NEW else 0)
    dates: list[date] = []
    while issued <= last:
        dates.append(issued)
        issued += timedelta(days=step)
    # Late payers leave their last one or two past-due invoices open.
    past_due = [d for d in dates if d + timedelta(days=NET_DAYS) < today]
    still_open = set(past_due[-rng.randint(1, 2) :]) if kind == context.LATE_PAYER else set()
    prefix = f"inv_{customer.customer_id.removeprefix('cust_')[:48]}"
    rows = []
    for n, day in enumerate(dates, start=1):
        term = next((t for t in terms if t.start <= day <= t.end), terms[-1])
        due = day + timedelta(days=NET_DAYS)
        paid: datetime | None = None
        if day not in still_open:
            pay_day = due + timedelta(days=_days_late(rng, kind))
            if kind == context.LATE_PAYER and due < today:
                pay_day = min(pay_day, today - timedelta(days=rng.randint(0, 3)))
            if pay_day <= today:
                moment = time(rng.randint(8, 18), rng.randint(0, 59))
                paid = datetime.combine(max(pay_day, day), moment, tzinfo=UTC)
        rows.append(
            {
                "invoice_id": f"{prefix}_{n:03d}",
                "customer_id": customer.customer_id,
                "issued_on": day,
                "due_on": due,
                "amount": Decimal(round(term.annual * step / 365)),
                "paid_at": paid,
            }
        )
    return rows


def _days_late(rng: random.Random, kind: str) -> int:
    """Days after the due date the invoice is paid (negative: early)."""
    if kind == context.LATE_PAYER:
        return rng.randint(20, 70)
    if kind in (context.DECLINING, context.CHURNED) and rng.random() < 0.35:
        return rng.randint(6, 40)
    if kind in (context.DECLINING, context.CHURNED):
        return rng.randint(-5, 5)
    return rng.randint(-10, 4) if rng.random() < 0.9 else rng.randint(5, 10)


# Expansion opportunities by story: (open, won, lost) counts to draw from. Healthy accounts
# win expansions, declining and churned ones lose them, new ones are still open.
OPPORTUNITY_MIX = {
    context.HEALTHY: ((0, 2), (1, 2), (0, 1)),
    context.NEW: ((0, 1), (0, 0), (0, 0)),
    context.LATE_PAYER: ((0, 1), (0, 1), (0, 1)),
    context.DECLINING: ((0, 1), (0, 0), (1, 2)),
    context.CHURNED: ((0, 0), (0, 0), (1, 1)),
}
# Value records over the last year, by story (NEW accounts have not realised value yet).
VALUE_RECORDS = {
    context.HEALTHY: (2, 6),
    context.NEW: (0, 0),
    context.LATE_PAYER: (1, 3),
    context.DECLINING: (1, 2),
    context.CHURNED: (0, 2),
}
OPPORTUNITY_TYPES = ("upsell", "cross_sell", "add_on")
VALUE_CATEGORIES = ("cost_saving", "revenue_gain", "time_saved", "risk_reduction")
PRODUCTS = ("feat_workflows", "feat_forecasting", "feat_ai_assist", "feat_sso", "Premium support")


def seed_expansion_and_value(ctx: DemoContext, progress: Progress) -> int:
    """Opportunities (open, won, lost) and value records following each story, written by the
    finance ingestion services. Each customer has its own RNG, seeded by its id: adding this
    step leaves the draws of the steps before and after it (one shared RNG) unchanged."""
    today = ctx.today
    csm_emails: dict[int | None, str] = dict(TeamMember.objects.values_list("pk", "email"))
    opportunities: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []
    for customer in ctx.customers:
        rng = random.Random(f"expansion:{customer.customer_id}")
        kind = context.story(customer)
        last_day = customer.churned_at.date() if customer.churned_at else today
        seats = max(customer.licensed_seats, 10)
        for status, (low, high) in zip(("open", "won", "lost"), OPPORTUNITY_MIX[kind], strict=True):
            for _ in range(rng.randint(low, high)):
                opportunities.append(
                    _opportunity(rng, customer, status, seats, last_day, len(opportunities))
                )
        csm = csm_emails.get(customer.success_manager_id, "cs@company.com")
        low, high = VALUE_RECORDS[kind]
        for _ in range(rng.randint(low, high)):
            records.append(
                {
                    "record_id": f"val_{len(records) + 1:06d}",
                    "customer_id": customer.customer_id,
                    "date": (last_day - timedelta(days=rng.randint(0, 364))).isoformat(),
                    "category": rng.choice(VALUE_CATEGORIES),
                    "amount": seats * rng.randint(20, 150),
                    "evidence": rng.choice(
                        ["Quarterly business review", "https://wiki.example.com/roi-report"]
                    ),
                    "recorded_by": csm,
                }
            )
    _ingest(opportunities_ingest, opportunities, progress)
    _ingest(value_records_ingest, records, progress)
    return len(opportunities) + len(records)


def _opportunity(
    rng: random.Random, customer: Customer, status: str, seats: int, last_day: date, n: int
) -> dict[str, Any]:
    value = seats * rng.randint(40, 200)
    if status == "open":
        close = last_day + timedelta(days=rng.randint(15, 270))
    else:
        close = last_day - timedelta(days=rng.randint(5, 330))
    item = {
        "opportunity_id": f"opp_{n + 1:06d}",
        "customer_id": customer.customer_id,
        "type": rng.choice(OPPORTUNITY_TYPES),
        "product": rng.choice(PRODUCTS),
        "value": value,
        "probability": {"open": rng.choice((0.2, 0.4, 0.6, 0.8)), "won": 1.0, "lost": 0.0}[status],
        "expected_close": f"q{(close.month - 1) // 3 + 1}_{close.year}",
        "status": status,
        "source": rng.choice(("cs", "cs", "sales", "customer")),
    }
    if status != "open":
        item["closed_on"] = close.isoformat()
    if status == "won":
        item["closed_value"] = value * rng.randint(80, 100) // 100
    return item
