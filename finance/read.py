"""Finance's public read API: what higher apps (sales, marketing, ...) read from `finance`.
Typed and set-based: customer primary keys in, `{pk: frozen dataclass}` out, in a fixed number
of queries. Higher apps import this module (and `finance.models` for foreign keys and type
hints only); import-linter enforces it (pyproject, "Public read APIs")."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)

from customers.models import Customer
from integrations.capped import Capped, capped
from integrations.clock import DayWindow
from integrations.idarray import IdArray
from integrations.prepared import PREPARE_UP_TO_IDS, PreparedQuery

from .choices import ContractStatus, OpportunitySource, OpportunityStatus
from .measures import PaymentFacts, payment_facts
from .models import Contract, ExpansionOpportunity, Invoice, ValueRecord
from .renewals.due import DueRenewal, arr_at_risk, renewals_due
from .renewals.scoring import RenewalProbability, renewal_probabilities
from .renewals.summary import RiskRow, RiskSummary, renewal_risk_summary
from .selectors import customer_arr

__all__ = [
    "ContractDates",
    "ContractEnding",
    "ContractRef",
    "ContractRow",
    "ContractValueTotals",
    "DueRenewal",
    "ExpansionRevenue",
    "InvoiceRow",
    "OpenOpportunity",
    "OpenPipeline",
    "PaymentFacts",
    "PipelineAndAsks",
    "RealizedValue",
    "RenewalProbability",
    "RiskRow",
    "RiskSummary",
    "arr",
    "arr_at_risk",
    "contract_dates",
    "contract_refs",
    "contract_value_totals",
    "contracts_ending",
    "customer_contracts",
    "customer_invoices",
    "customer_sourced_opportunities",
    "expansion_revenue",
    "first_contract_starts",
    "open_opportunities",
    "payment_status",
    "pipeline_and_asks",
    "realized_value",
    "renewal_probabilities",
    "renewal_risk_summary",
    "renewals_due",
    "revenue_and_pipeline",
]


_ARR: PreparedQuery[Any] = PreparedQuery(
    lambda pks: (
        Customer.objects.filter(pk__in=pks)
        .annotate(arr=customer_arr("pk"))
        .filter(arr__isnull=False)
        .values_list("pk", "arr")
    ),
    pks=IdArray,
)


def arr(customer_pks: Sequence[int]) -> dict[int, Decimal]:
    """ARR (Σ annual_value of active contracts) per customer that has any. One query (none
    for no pks)."""
    if not customer_pks:
        return {}
    return dict(_ARR.all(pks=IdArray(customer_pks)))


@dataclass(frozen=True, slots=True)
class ContractEnding:
    contract_id: str
    end_date: date
    annual_value: Decimal


# The single-customer read-outs read these per request: compiled once per thread
# (integrations.prepared), the ids bound as one array.
_CONTRACTS_ENDING: PreparedQuery[Any] = PreparedQuery(
    lambda pks, after, until: (
        Contract.objects.filter(
            customer_id__in=pks,
            status=ContractStatus.ACTIVE,
            end_date__gt=after,
            end_date__lte=until,
        )
        .order_by("end_date", "contract_id")
        .values_list("customer_id", "contract_id", "end_date", "annual_value")
    ),
    pks=IdArray,
    after=date,
    until=date,
)


def contracts_ending(
    customer_pks: Sequence[int], *, after: date, until: date
) -> dict[int, tuple[ContractEnding, ...]]:
    """Active contracts with end_date in (after, until], by end date. One query (none for no
    pks)."""
    if not customer_pks:
        return {}
    rows = _CONTRACTS_ENDING.all(pks=IdArray(customer_pks), after=after, until=until)
    found: dict[int, list[ContractEnding]] = {}
    for customer_pk, contract_id, end_date, annual_value in rows:
        found.setdefault(customer_pk, []).append(
            ContractEnding(contract_id, end_date, annual_value)
        )
    return {pk: tuple(items) for pk, items in found.items()}


_FIRST_CONTRACT_STARTS: PreparedQuery[Any] = PreparedQuery(
    lambda pks: (
        Contract.objects.filter(customer_id__in=pks)
        .order_by()
        .values("customer_id")
        .annotate(first=Min("start_date"))
        .values_list("customer_id", "first")
    ),
    pks=IdArray,
)


def first_contract_starts(customer_pks: Sequence[int]) -> dict[int, date]:
    """The earliest start_date of any of the customer's contracts (whatever their status now),
    per customer that has one. One query (none for no pks)."""
    if not customer_pks:
        return {}
    return dict(_FIRST_CONTRACT_STARTS.all(pks=IdArray(customer_pks)))


@dataclass(frozen=True, slots=True)
class ContractDates:
    """`contracts_ending` and `first_contract_starts` of the same customers."""

    ending: dict[int, tuple[ContractEnding, ...]]
    first_starts: dict[int, date]


# A read-out's customer has a handful of contracts (7 at most in the bench's data sets): all
# of them in one statement, by end date as `contracts_ending` orders them.
_EVERY_CONTRACT: PreparedQuery[Any] = PreparedQuery(
    lambda pks: (
        Contract.objects.filter(customer_id__in=pks)
        .order_by("end_date", "contract_id")
        .values_list(
            "customer_id", "contract_id", "status", "start_date", "end_date", "annual_value"
        )
    ),
    pks=IdArray,
)


def contract_dates(customer_pks: Sequence[int], *, after: date, until: date) -> ContractDates:
    """`contracts_ending(after=, until=)` and `first_contract_starts`, as they define them. For a
    read-out's few customers (up to PREPARE_UP_TO_IDS) one query over their contracts, where
    the two reads took two; for more, the two reads, which leave the rest of each customer's
    contracts in the database."""
    if len(customer_pks) > PREPARE_UP_TO_IDS:
        return ContractDates(
            contracts_ending(customer_pks, after=after, until=until),
            first_contract_starts(customer_pks),
        )
    ending: dict[int, list[ContractEnding]] = {}
    first_starts: dict[int, date] = {}
    rows = _EVERY_CONTRACT.all(pks=IdArray(customer_pks)) if customer_pks else []
    for pk, contract_id, status, start, end, annual_value in rows:
        if pk not in first_starts or start < first_starts[pk]:
            first_starts[pk] = start
        if status == ContractStatus.ACTIVE and after < end <= until:
            ending.setdefault(pk, []).append(ContractEnding(contract_id, end, annual_value))
    return ContractDates({pk: tuple(found) for pk, found in ending.items()}, first_starts)


def payment_status(customer_pks: Sequence[int], as_of: date) -> dict[int, PaymentFacts]:
    """The facts behind the `financial` measure (README): payment_status, overdue invoices and
    amount, invoices paid late; customers with an invoice considered. One query."""
    return payment_facts(customer_pks, as_of)


@dataclass(frozen=True, slots=True)
class ExpansionRevenue:
    won_value: Decimal  # Σ closed_value of the opportunities won in the window
    cs_sourced_value: Decimal  # the part whose source is `cs`
    won_count: int


def _won_in(first: date, last: date) -> Q:
    """Won with closed_on inside the window (what `expansion_revenue` sums)."""
    return Q(status=OpportunityStatus.WON) & DayWindow(first, last).dates("closed_on")


_EXPANSION_REVENUE: PreparedQuery[Any] = PreparedQuery(
    lambda pks, first, last: (
        ExpansionOpportunity.objects.filter(_won_in(first, last), customer_id__in=pks)
        .order_by()
        .values("customer_id")
        .annotate(
            won=Sum("closed_value"),
            cs=Sum("closed_value", filter=Q(source=OpportunitySource.CS)),
            count=Count("id"),
        )
        .values_list("customer_id", "won", "cs", "count")
    ),
    pks=IdArray,
    first=date,
    last=date,
)


def expansion_revenue(
    customer_pks: Sequence[int], window: DayWindow
) -> dict[int, ExpansionRevenue]:
    """Opportunities won with closed_on in the window, per customer that won any. One query."""
    if not customer_pks:
        return {}
    rows = _EXPANSION_REVENUE.all(
        pks=IdArray(customer_pks), first=window.first_day, last=window.last_day
    )
    return {
        pk: ExpansionRevenue(Decimal(won), Decimal(cs or 0), count) for pk, won, cs, count in rows
    }


CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class OpenPipeline:
    open_value: Decimal  # Σ value of the open opportunities
    weighted_value: Decimal  # Σ value x probability, to the cent (half-up)
    open_count: int


def _pipeline_sums(rows: Iterable[tuple[int, Decimal, float]]) -> dict[int, OpenPipeline]:
    """Open opportunities per customer: their value and the probability-weighted value (exact
    decimal arithmetic, rounded once per customer)."""
    sums: dict[int, tuple[Decimal, Decimal, int]] = {}
    for pk, value, probability in rows:
        total, weighted, count = sums.get(pk, (Decimal(0), Decimal(0), 0))
        value = Decimal(value)
        sums[pk] = (total + value, weighted + value * Decimal(str(probability)), count + 1)
    return {
        pk: OpenPipeline(total, weighted.quantize(CENT, ROUND_HALF_UP), count)
        for pk, (total, weighted, count) in sums.items()
    }


_REVENUE_AND_PIPELINE: PreparedQuery[Any] = PreparedQuery(
    lambda pks, first, last: (
        ExpansionOpportunity.objects.filter(
            Q(status=OpportunityStatus.OPEN) | _won_in(first, last), customer_id__in=pks
        )
        .order_by()
        .values_list("customer_id", "status", "source", "value", "probability", "closed_value")
    ),
    pks=IdArray,
    first=date,
    last=date,
)


def revenue_and_pipeline(
    customer_pks: Sequence[int], window: DayWindow
) -> tuple[dict[int, ExpansionRevenue], dict[int, OpenPipeline]]:
    """Won revenue in the window (as `expansion_revenue` sums it) and the open pipeline
    (`_pipeline_sums`), per customer that has any, from one statement: the value read-out
    needs both. One query (none for no pks)."""
    if not customer_pks:
        return {}, {}
    rows = _REVENUE_AND_PIPELINE.all(
        pks=IdArray(customer_pks), first=window.first_day, last=window.last_day
    )
    won: dict[int, list[tuple[str, Decimal]]] = {}
    open_rows: list[tuple[int, Decimal, float]] = []
    for pk, status, source, value, probability, closed_value in rows:
        if status == OpportunityStatus.OPEN:
            open_rows.append((pk, value, probability))
        else:
            won.setdefault(pk, []).append((source, closed_value))
    revenue = {
        pk: ExpansionRevenue(
            sum((v for _, v in deals if v is not None), Decimal(0)),
            sum((v for s, v in deals if s == OpportunitySource.CS and v is not None), Decimal(0)),
            len(deals),
        )
        for pk, deals in won.items()
    }
    return revenue, _pipeline_sums(open_rows)


@dataclass(frozen=True, slots=True)
class RealizedValue:
    total: Decimal  # Σ amount of the value records dated on or before as_of
    record_count: int
    first_date: date
    last_date: date


_REALIZED: PreparedQuery[Any] = PreparedQuery(
    lambda pks, as_of: (
        ValueRecord.objects.filter(customer_id__in=pks, date__lte=as_of)
        .order_by()
        .values("customer_id")
        .annotate(total=Sum("amount"), count=Count("id"), first=Min("date"), last=Max("date"))
        .values_list("customer_id", "total", "count", "first", "last")
    ),
    pks=IdArray,
    as_of=date,
)


def realized_value(customer_pks: Sequence[int], as_of: date) -> dict[int, RealizedValue]:
    """Value records dated on or before `as_of`, per customer that has any. One query."""
    if not customer_pks:
        return {}
    rows = _REALIZED.all(pks=IdArray(customer_pks), as_of=as_of)
    return {
        pk: RealizedValue(Decimal(total), count, first, last)
        for pk, total, count, first, last in rows
    }


@dataclass(frozen=True, slots=True)
class ContractRef:
    """A contract by its finance key: its primary key (for foreign keys) and its customer."""

    pk: int
    customer_pk: int


def contract_refs(contract_ids: Sequence[str]) -> dict[str, ContractRef]:
    """contract_id -> ContractRef for the known ones. One query."""
    if not contract_ids:
        return {}
    rows = Contract.objects.filter(contract_id__in=contract_ids).values_list(
        "contract_id", "pk", "customer_id"
    )
    return {cid: ContractRef(pk, customer_pk) for cid, pk, customer_pk in rows}


# --- expansion readiness (sales) ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ContractValueTotals:
    """What the expansion read-out weighs a customer's contracts with, read together."""

    contracted_value: Decimal | None  # Σ value of active contracts; None: none active
    arr: Decimal | None  # Σ annual_value of active contracts; None: none active
    realized_value: Decimal | None  # Σ value records dated on or before the day; None: none


def _total(rows: QuerySet[Any], field: str) -> Subquery:
    """Σ `field` over `rows` of the outer customer: a correlated subquery (null: no rows)."""
    per_customer = rows.filter(customer_id=OuterRef("pk")).order_by().values("customer_id")
    return Subquery(per_customer.annotate(total=Sum(field)).values("total")[:1])


def _contract_value_totals(pks: IdArray, as_of: date) -> QuerySet[Any]:
    active = Contract.objects.filter(status=ContractStatus.ACTIVE)
    records = ValueRecord.objects.filter(date__lte=as_of)
    return Customer.objects.filter(pk__in=pks).values_list(
        "pk",
        _total(active, "value"),
        _total(active, "annual_value"),
        _total(records, "amount"),
    )


_CONTRACT_VALUE_TOTALS: PreparedQuery[Any] = PreparedQuery(
    _contract_value_totals, pks=IdArray, as_of=date
)


def contract_value_totals(
    customer_pks: Sequence[int], as_of: date
) -> dict[int, ContractValueTotals]:
    """Contracted value and ARR (active contracts) and realised value (as `realized_value`
    sums it) of every asked customer, in one statement of three correlated subqueries, each
    from its table's customer index: the expansion read-out needs all three, and a statement
    per table cost it more than the sums. One query (none for no pks)."""
    if not customer_pks:
        return {}
    rows = _CONTRACT_VALUE_TOTALS.all(pks=IdArray(customer_pks), as_of=as_of)
    return {
        pk: ContractValueTotals(
            None if contracted is None else Decimal(contracted),
            None if arr is None else Decimal(arr),
            None if realized is None else Decimal(realized),
        )
        for pk, contracted, arr, realized in rows
    }


@dataclass(frozen=True, slots=True)
class OpenOpportunity:
    opportunity_id: str
    type: str
    product: str
    value: Decimal
    probability: float
    expected_close: str  # a quarter, q1_2026
    source: str


# OpenOpportunity's fields, in order.
_OPEN_COLUMNS = (
    "opportunity_id",
    "type",
    "product",
    "value",
    "probability",
    "expected_close",
    "source",
)
_OPEN_OPPORTUNITIES: PreparedQuery[Any] = PreparedQuery(
    lambda pks: (
        ExpansionOpportunity.objects.filter(customer_id__in=pks, status=OpportunityStatus.OPEN)
        .order_by("expected_close_date", "opportunity_id")
        .values_list("customer_id", *_OPEN_COLUMNS)
    ),
    pks=IdArray,
)


def open_opportunities(customer_pks: Sequence[int]) -> dict[int, tuple[OpenOpportunity, ...]]:
    """Open opportunities per customer that has any, by expected close then id. One query."""
    if not customer_pks:
        return {}
    rows = _OPEN_OPPORTUNITIES.all(pks=IdArray(customer_pks))
    found: dict[int, list[OpenOpportunity]] = {}
    for pk, opportunity_id, kind, product, value, probability, quarter, source in rows:
        found.setdefault(pk, []).append(
            OpenOpportunity(opportunity_id, kind, product, value, probability, quarter, source)
        )
    return {pk: tuple(items) for pk, items in found.items()}


def _customer_asked(first: date, last: date) -> Q:
    """Source `customer`, and open or won with closed_on inside the window: the customer asked
    to buy more (the readiness factor `expansion_requested` counts these)."""
    return Q(source=OpportunitySource.CUSTOMER) & (
        Q(status=OpportunityStatus.OPEN)
        | (Q(status=OpportunityStatus.WON) & DayWindow(first, last).dates("closed_on"))
    )


_CUSTOMER_SOURCED: PreparedQuery[Any] = PreparedQuery(
    lambda pks, first, last: (
        ExpansionOpportunity.objects.filter(_customer_asked(first, last), customer_id__in=pks)
        .order_by()
        .values("customer_id")
        .annotate(n=Count("id"))
        .values_list("customer_id", "n")
    ),
    pks=IdArray,
    first=date,
    last=date,
)


def customer_sourced_opportunities(
    customer_pks: Sequence[int], window: DayWindow
) -> dict[int, int]:
    """Opportunities the customer asked for (`_customer_asked`) per customer that has any.
    One query."""
    if not customer_pks:
        return {}
    rows = _CUSTOMER_SOURCED.all(
        pks=IdArray(customer_pks), first=window.first_day, last=window.last_day
    )
    return dict(rows)


@dataclass(frozen=True, slots=True)
class PipelineAndAsks:
    """A customer's open opportunities (as `open_opportunities`) and how many opportunities it
    asked for in the window (as `customer_sourced_opportunities`)."""

    open: tuple[OpenOpportunity, ...]
    customer_sourced: int


def _pipeline_and_asks(pks: IdArray, first: date, last: date) -> QuerySet[Any]:
    asked = _customer_asked(first, last)
    return (
        ExpansionOpportunity.objects.filter(
            Q(status=OpportunityStatus.OPEN) | asked, customer_id__in=pks
        )
        .annotate(asked=Case(When(asked, then=Value(True)), default=Value(False)))
        .order_by("expected_close_date", "opportunity_id")
        .values_list("customer_id", "status", "asked", *_OPEN_COLUMNS)
    )


_PIPELINE_AND_ASKS: PreparedQuery[Any] = PreparedQuery(
    _pipeline_and_asks, pks=IdArray, first=date, last=date
)


def pipeline_and_asks(customer_pks: Sequence[int], window: DayWindow) -> dict[int, PipelineAndAsks]:
    """`open_opportunities` and `customer_sourced_opportunities` from one statement (the
    expansion read-out needs both), per customer with either. One query (none for no pks)."""
    if not customer_pks:
        return {}
    rows = _PIPELINE_AND_ASKS.all(
        pks=IdArray(customer_pks), first=window.first_day, last=window.last_day
    )
    found: dict[int, tuple[list[OpenOpportunity], list[bool]]] = {}
    for pk, status, asked, *columns in rows:
        pipeline, asks = found.setdefault(pk, ([], []))
        if status == OpportunityStatus.OPEN:
            pipeline.append(OpenOpportunity(*columns))
        asks.append(asked)
    return {pk: PipelineAndAsks(tuple(p), sum(a)) for pk, (p, a) in found.items()}


# --- one customer's records, capped (the cockpit's customer 360) ----------------------------


@dataclass(frozen=True, slots=True)
class ContractRow:
    pk: int
    contract_id: str
    status: str
    start_date: date
    end_date: date
    term: str
    value: Decimal
    annual_value: Decimal


def customer_contracts(customer_pk: int, *, limit: int) -> Capped[ContractRow]:
    """The customer's contracts, active ones first, then latest ending. One query."""
    active_first = Case(When(status=ContractStatus.ACTIVE, then=Value(0)), default=Value(1))
    rows = Contract.objects.filter(customer_id=customer_pk).order_by(
        active_first, "-end_date", "-pk"
    )
    return capped(rows, limit, ContractRow)


@dataclass(frozen=True, slots=True)
class InvoiceRow:
    pk: int
    invoice_id: str
    issued_on: date
    due_on: date
    amount: Decimal
    paid_at: datetime | None


def customer_invoices(customer_pk: int, *, limit: int) -> Capped[InvoiceRow]:
    """The customer's invoices, unpaid ones first (oldest due first), then latest issued.
    One query."""
    rows = Invoice.objects.filter(customer_id=customer_pk).order_by(
        F("paid_at").desc(nulls_first=True), "due_on", "-issued_on", "-pk"
    )
    return capped(rows, limit, InvoiceRow)
