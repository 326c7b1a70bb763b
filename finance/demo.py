"""Demo contracts and invoices that follow each customer's story (customers.demo.story).

Contracts reach back two to three years and chain through `renewed_from`; the last one is
active (or churned at the churn date). Invoices cover the last twelve months: healthy and new
accounts pay around the due date, late payers 20-70 days late with one or two invoices
currently overdue, declining accounts sometimes late, churned accounts stop at churn.
"""

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection

from customers import demo
from customers.choices import Segment
from customers.demo import DemoContext, Progress
from customers.models import Customer
from integrations.bulk_sql import chunks, copy_rows

from .choices import ContractStatus
from .models import Contract, Invoice, annual_value_of

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
    demo.HEALTHY: (1.03, 1.15),
    demo.NEW: (1.0, 1.1),
    demo.LATE_PAYER: (1.0, 1.05),
    demo.DECLINING: (0.85, 1.0),
    demo.CHURNED: (0.95, 1.05),
}
NET_DAYS = 30
MONTH, QUARTER = 30, 91
CONTRACT_COLUMNS = (
    "contract_id",
    "customer_id",
    "start_date",
    "end_date",
    "value",
    "term",
    "annual_value",
    "status",
    "renewed_from_id",
    "created_at",
    "updated_at",
)
INVOICE_COLUMNS = (
    "invoice_id",
    "customer_id",
    "issued_on",
    "due_on",
    "amount",
    "paid_at",
    "created_at",
    "updated_at",
)
LOOKUP_CHUNK = 900  # below SQLite's smallest parameter limit


@dataclass
class _Term:
    start: date
    end: date
    annual: int


def seed_finance(ctx: DemoContext, progress: Progress) -> int:
    rng, today = ctx.rng, ctx.today
    stamp = connection.ops.adapt_datetimefield_value(ctx.now)
    generations: list[list[list[Any]]] = []
    invoices: list[list[Any]] = []
    for customer in ctx.customers:
        kind = demo.story(customer)
        terms = _contracts(rng, customer, kind, today, generations, stamp)
        invoices.extend(_invoices(rng, customer, kind, today, terms, stamp))
    # A renewal points at the previous generation's contract, inserted (and given an id) first;
    # until then its renewed_from_id column holds that contract's contract_id.
    renewed = Contract._meta.get_field("renewed_from").column
    at = CONTRACT_COLUMNS.index(renewed)
    for generation in generations:
        ids = _ids_of([row[at] for row in generation if row[at] is not None])
        for row in generation:
            row[at] = ids.get(row[at])
        copy_rows(Contract._meta.db_table, CONTRACT_COLUMNS, generation, progress)
    copy_rows(Invoice._meta.db_table, INVOICE_COLUMNS, invoices, progress)
    return sum(len(g) for g in generations) + len(invoices)


def _ids_of(contract_ids: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for part in chunks(contract_ids, LOOKUP_CHUNK):
        found.update(Contract.objects.filter(contract_id__in=part).values_list("contract_id", "id"))
    return found


def _contracts(
    rng: random.Random,
    customer: Customer,
    kind: str,
    today: date,
    generations: list[list[list[Any]]],
    stamp: Any,
) -> list[_Term]:
    """Append the customer's contract chain to `generations` (one list per renewal step)."""
    ops = connection.ops
    segment = Segment(customer.segment)
    seats = max(5, customer.licensed_seats)
    annual = seats * rng.randint(*SEAT_PRICE[segment])
    churn_day = customer.churned_at.date() if customer.churned_at else None
    if kind == demo.NEW:
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
            [
                f"{prefix}_{step + 1}",
                customer.pk,
                ops.adapt_datefield_value(start),
                ops.adapt_datefield_value(end),
                ops.adapt_decimalfield_value(Decimal(value)),
                f"{years}_year",
                ops.adapt_decimalfield_value(annual_value_of(Decimal(value), f"{years}_year")),
                status.value,
                f"{prefix}_{step}" if step else None,  # the contract renewed; an id later
                stamp,
                stamp,
            ]
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
    stamp: Any,
) -> list[list[Any]]:
    monthly = customer.segment == Segment.SMALL_BUSINESS or (
        customer.segment == Segment.MID_MARKET and rng.random() < 0.5
    )
    step = MONTH if monthly else QUARTER
    ops = connection.ops
    last = customer.churned_at.date() if customer.churned_at else today
    first = max(today - timedelta(days=364), terms[0].start)
    issued = first + timedelta(days=rng.randint(0, step - 1) if kind != demo.NEW else 0)
    dates: list[date] = []
    while issued <= last:
        dates.append(issued)
        issued += timedelta(days=step)
    # Late payers leave their last one or two past-due invoices open.
    past_due = [d for d in dates if d + timedelta(days=NET_DAYS) < today]
    still_open = set(past_due[-rng.randint(1, 2) :]) if kind == demo.LATE_PAYER else set()
    prefix = f"inv_{customer.customer_id.removeprefix('cust_')[:48]}"
    rows = []
    for n, day in enumerate(dates, start=1):
        term = next((t for t in terms if t.start <= day <= t.end), terms[-1])
        due = day + timedelta(days=NET_DAYS)
        paid: datetime | None = None
        if day not in still_open:
            pay_day = due + timedelta(days=_days_late(rng, kind))
            if kind == demo.LATE_PAYER and due < today:
                pay_day = min(pay_day, today - timedelta(days=rng.randint(0, 3)))
            if pay_day <= today:
                moment = time(rng.randint(8, 18), rng.randint(0, 59))
                paid = datetime.combine(max(pay_day, day), moment, tzinfo=UTC)
        rows.append(
            [
                f"{prefix}_{n:03d}",
                customer.pk,
                ops.adapt_datefield_value(day),
                ops.adapt_datefield_value(due),
                ops.adapt_decimalfield_value(Decimal(round(term.annual * step / 365))),
                ops.adapt_datetimefield_value(paid),
                stamp,
                stamp,
            ]
        )
    return rows


def _days_late(rng: random.Random, kind: str) -> int:
    """Days after the due date the invoice is paid (negative: early)."""
    if kind == demo.LATE_PAYER:
        return rng.randint(20, 70)
    if kind in (demo.DECLINING, demo.CHURNED) and rng.random() < 0.35:
        return rng.randint(6, 40)
    if kind in (demo.DECLINING, demo.CHURNED):
        return rng.randint(-5, 5)
    return rng.randint(-10, 4) if rng.random() < 0.9 else rng.randint(5, 10)
