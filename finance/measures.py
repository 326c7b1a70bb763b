"""The `financial` health measure and the payment-status selector, from invoices.

Both read one aggregate query per call, for any number of customers (`payment_facts`).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Min, Q, QuerySet, Sum

from customers.health.measures import MeasureValue
from integrations.clock import DayWindow, days_window, instants_between
from integrations.idarray import IdArray
from integrations.money import whole_units
from integrations.prepared import PreparedQuery

from .choices import PaymentStatus
from .models import Invoice

WINDOW_DAYS = 365
LATE_GRACE_DAYS = 5
LATE_PENALTY_EACH = 5
LATE_PENALTY_CAP = 20
# (highest max_days_overdue in the band, base score, payment status), tried in order.
BANDS: tuple[tuple[int | None, int, str], ...] = (
    (0, 100, PaymentStatus.CURRENT),
    (15, 80, PaymentStatus.OVERDUE_1_15),
    (30, 60, PaymentStatus.OVERDUE_16_30),
    (60, 35, PaymentStatus.OVERDUE_31_60),
    (None, 10, PaymentStatus.OVERDUE_60_PLUS),
)

FINANCIAL_DOC = """\
financial = max(0, min(100, base - late_penalty)), from invoices as of the scoring day (as_of).
Invoices considered: issued on or before as_of, and either issued in the last 365 days
(issued_on > as_of - 365 days) or unpaid as of as_of (paid_at empty, or paid_at's date after
as_of). An invoice is overdue when it is not paid as of as_of and due_on < as_of; D = the
largest number of days overdue (as_of - due_on). base = 100 when nothing is overdue
(payment_status `current`); 80 when D <= 15 (`overdue_1_15`); 60 when D <= 30
(`overdue_16_30`); 35 when D <= 60 (`overdue_31_60`); otherwise 10 (`overdue_60_plus`).
late_penalty = min(20, 5 x the invoices paid in the last 365 days (paid_at's date in
(as_of - 365 days, as_of]) whose paid_at date is more than 5 days after due_on). Dates of
paid_at are local days (the one clock). No invoice considered: no data. Inputs: invoices_considered,
open_invoices, overdue_invoices, max_days_overdue, overdue_amount (whole currency units),
paid_late_365d, payment_status."""


@dataclass(frozen=True)
class PaymentFacts:
    invoices_considered: int
    open_invoices: int
    overdue_invoices: int
    max_days_overdue: int
    overdue_amount: int
    paid_late_365d: int
    base: int
    payment_status: str

    @property
    def late_penalty(self) -> int:
        return min(LATE_PENALTY_CAP, LATE_PENALTY_EACH * self.paid_late_365d)

    @property
    def score(self) -> int:
        return max(0, min(100, self.base - self.late_penalty))


def _band(max_days_overdue: int) -> tuple[int, str]:
    for upper, base, status in BANDS:
        if upper is None or max_days_overdue <= upper:
            return base, status
    raise AssertionError("the last band is open-ended")


def _payment_rows(
    pks: IdArray | None,
    first: date,
    as_of: date,
    start: datetime,
    end: datetime,
    status_only: bool = False,
) -> QuerySet[Any]:
    """The invoices' aggregates per customer over the window first..as_of, whose instants
    are [start, end) (the local day ends: `DayWindow.instants`); `status_only`: the two the
    payment status is made of (considered, oldest_due)."""
    window = DayWindow(first, as_of)
    unpaid = Q(paid_at__isnull=True) | Q(paid_at__gte=end)
    considered = window.dates("issued_on") | unpaid
    overdue = unpaid & Q(due_on__lt=as_of)
    paid_in_window = instants_between("paid_at", start, end)
    late = Q(paid_at__date__gt=F("due_on") + timedelta(days=LATE_GRACE_DAYS))
    rows = Invoice.objects.filter(Q(issued_on__lte=as_of) & (considered | paid_in_window))
    if pks is not None:
        rows = rows.filter(customer_id__in=pks)
    if status_only:
        return (
            rows.order_by()
            .values("customer_id")
            .annotate(
                considered=Count("id", filter=considered),
                oldest_due=Min("due_on", filter=overdue),
            )
            .values_list("customer_id", "considered", "oldest_due")
        )
    return (
        rows.order_by()
        .values("customer_id")
        .annotate(
            considered=Count("id", filter=considered),
            open=Count("id", filter=unpaid),
            overdue=Count("id", filter=overdue),
            oldest_due=Min("due_on", filter=overdue),
            overdue_amount=Sum("amount", filter=overdue),
            paid_late=Count("id", filter=paid_in_window & late),
        )
    )


# The single-customer read-outs read a customer's payments per request: compiled once per
# thread (integrations.prepared); every customer (None) is built as before.
_PAYMENT_ROWS: PreparedQuery[Any] = PreparedQuery(
    _payment_rows, pks=IdArray, first=date, as_of=date, start=datetime, end=datetime
)
_PAYMENT_STATUS_ROWS: PreparedQuery[Any] = PreparedQuery(
    lambda pks, first, as_of, start, end: _payment_rows(
        pks, first, as_of, start, end, status_only=True
    ),
    pks=IdArray,
    first=date,
    as_of=date,
    start=datetime,
    end=datetime,
)


def payment_facts(customer_pks: Sequence[int] | None, as_of: date) -> dict[int, PaymentFacts]:
    """Per customer with at least one invoice considered: the numbers behind the measure.

    One aggregate query. "Paid as of as_of" means paid_at before the end of the local day
    (the one clock, integrations.clock), so the comparisons stay on the stored timestamps.
    """
    window = days_window(as_of, WINDOW_DAYS)
    first, start, end = window.first_day, window.start, window.end
    aggregates: Iterable[dict[str, Any]]
    if customer_pks is None:
        aggregates = _payment_rows(None, first, as_of, start, end)
    elif not customer_pks:
        return {}
    else:
        aggregates = _PAYMENT_ROWS.all(
            pks=IdArray(customer_pks), first=first, as_of=as_of, start=start, end=end
        )
    facts: dict[int, PaymentFacts] = {}
    for row in aggregates:
        if not row["considered"]:
            continue
        oldest: date | None = row["oldest_due"]
        days = (as_of - oldest).days if oldest is not None else 0
        base, status = _band(days)
        amount: Decimal | None = row["overdue_amount"]
        facts[row["customer_id"]] = PaymentFacts(
            invoices_considered=row["considered"],
            open_invoices=row["open"],
            overdue_invoices=row["overdue"],
            max_days_overdue=days,
            overdue_amount=whole_units(amount),
            paid_late_365d=row["paid_late"],
            base=base,
            payment_status=status,
        )
    return facts


def financial(customer_pks: Sequence[int] | None, as_of: date) -> dict[int, MeasureValue]:
    return {
        pk: MeasureValue(
            score=float(f.score),
            inputs={
                "invoices_considered": f.invoices_considered,
                "open_invoices": f.open_invoices,
                "overdue_invoices": f.overdue_invoices,
                "max_days_overdue": f.max_days_overdue,
                "overdue_amount": f.overdue_amount,
                "paid_late_365d": f.paid_late_365d,
                "payment_status": f.payment_status,
            },
        )
        for pk, f in payment_facts(customer_pks, as_of).items()
    }


def payment_status_for(customer_pks: Sequence[int] | None, as_of: date) -> dict[int, str]:
    """Each customer's payment status as of a day (the measure's bands); absent: no invoices.
    One query: `payment_facts`' rows with only the aggregates the status is made of (renewal
    scoring reads thousands of customers' statuses and nothing else)."""
    window = days_window(as_of, WINDOW_DAYS)
    first, start, end = window.first_day, window.start, window.end
    rows: Iterable[tuple[int, int, date | None]]
    if customer_pks is None:
        rows = _payment_rows(None, first, as_of, start, end, status_only=True)
    elif not customer_pks:
        return {}
    else:
        rows = _PAYMENT_STATUS_ROWS.all(
            pks=IdArray(customer_pks), first=first, as_of=as_of, start=start, end=end
        )
    return {
        pk: _band((as_of - oldest).days if oldest is not None else 0)[1]
        for pk, considered, oldest in rows
        if considered
    }
