from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.health.measures import registered_measures
from finance.measures import FINANCIAL_DOC, financial, payment_status_for
from tests.customers.factories import CustomerFactory
from tests.finance.factories import InvoiceFactory

AS_OF = date(2026, 6, 30)
pytestmark = pytest.mark.django_db


def day(offset: int) -> date:
    """AS_OF shifted by `offset` days (negative: in the past)."""
    return AS_OF + timedelta(days=offset)


def at(offset: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime.combine(day(offset), time(hour, minute), tzinfo=UTC)


def inv(
    customer: Any, issued: int, due: int, paid: datetime | None = None, amount: str = "1000"
) -> Any:
    return InvoiceFactory.create(
        customer=customer,
        issued_on=day(issued),
        due_on=day(due),
        paid_at=paid,
        amount=Decimal(amount),
    )


def test_registered_with_its_formula() -> None:
    measure = registered_measures()["financial"]
    assert measure.compute is financial
    assert measure.description == FINANCIAL_DOC
    assert "min(20, 5 x" in FINANCIAL_DOC


def test_current_customer_scores_100() -> None:
    c = CustomerFactory.create()
    inv(c, issued=-60, due=-30, paid=at(-31))  # paid a day early
    inv(c, issued=-10, due=20)  # open, not yet due
    result = financial(None, AS_OF)
    assert result[c.pk].score == 100.0
    assert result[c.pk].inputs == {
        "invoices_considered": 2,
        "open_invoices": 1,
        "overdue_invoices": 0,
        "max_days_overdue": 0,
        "overdue_amount": 0,
        "paid_late_365d": 0,
        "payment_status": "current",
    }
    assert result[c.pk].reason is None


@pytest.mark.parametrize(
    ("days_overdue", "score", "status"),
    [
        (0, 100, "current"),  # due today is not overdue yet
        (1, 80, "overdue_1_15"),
        (15, 80, "overdue_1_15"),
        (16, 60, "overdue_16_30"),
        (30, 60, "overdue_16_30"),
        (31, 35, "overdue_31_60"),
        (60, 35, "overdue_31_60"),
        (61, 10, "overdue_60_plus"),
        (200, 10, "overdue_60_plus"),
    ],
)
def test_payment_bands(days_overdue: int, score: int, status: str) -> None:
    c = CustomerFactory.create()
    inv(c, issued=-days_overdue - 30, due=-days_overdue)
    value = financial([c.pk], AS_OF)[c.pk]
    assert value.score == score
    assert value.inputs["max_days_overdue"] == days_overdue
    assert value.inputs["payment_status"] == status
    assert payment_status_for([c.pk], AS_OF) == {c.pk: status}


def test_the_oldest_overdue_invoice_sets_the_band_and_amounts_add_up() -> None:
    c = CustomerFactory.create()
    inv(c, issued=-40, due=-10, amount="1000.25")  # 10 days overdue
    inv(c, issued=-75, due=-45, amount="500.25")  # 45 days overdue: D = 45
    inv(c, issued=-5, due=25, amount="999")  # open, not overdue
    value = financial([c.pk], AS_OF)[c.pk]
    # D = 45 -> base 35, no late payments -> 35; overdue amount 1000.25 + 500.25 = 1500.50 -> 1501
    assert value.score == 35.0
    assert value.inputs == {
        "invoices_considered": 3,
        "open_invoices": 3,
        "overdue_invoices": 2,
        "max_days_overdue": 45,
        "overdue_amount": 1501,
        "paid_late_365d": 0,
        "payment_status": "overdue_31_60",
    }


def test_payment_after_as_of_counts_as_unpaid_then() -> None:
    later, same_day = CustomerFactory.create(), CustomerFactory.create()
    inv(later, issued=-50, due=-20, paid=at(3))  # paid three days after AS_OF
    inv(same_day, issued=-50, due=-20, paid=at(0, 23, 59))  # paid late on AS_OF itself
    result = financial(None, AS_OF)
    # later: unpaid on AS_OF and 20 days overdue -> 60
    assert result[later.pk].score == 60.0
    assert result[later.pk].inputs["open_invoices"] == 1
    assert result[later.pk].inputs["paid_late_365d"] == 0
    # same_day: paid by AS_OF, 20 days after due (> 5) -> one late payment: 100 - 5 = 95
    assert result[same_day.pk].score == 95.0
    assert result[same_day.pk].inputs["open_invoices"] == 0
    assert result[same_day.pk].inputs["paid_late_365d"] == 1


def test_late_history_penalty_and_its_cap() -> None:
    three, five, floor = (
        CustomerFactory.create(),
        CustomerFactory.create(),
        CustomerFactory.create(),
    )
    for n in range(3):  # paid on day due + 6 at 00:00: more than 5 days late
        inv(three, issued=-100 - 30 * n, due=-70 - 30 * n, paid=at(-64 - 30 * n, 0, 0))
    inv(three, issued=-250, due=-220, paid=at(-215, 23, 59))  # due + 5 days: not late
    inv(three, issued=-420, due=-390, paid=at(-370))  # late, but paid 370 days ago
    for n in range(5):
        inv(five, issued=-100 - 30 * n, due=-70 - 30 * n, paid=at(-40 - 30 * n))
    for n in range(5):
        inv(floor, issued=-100 - 30 * n, due=-70 - 30 * n, paid=at(-40 - 30 * n))
    inv(floor, issued=-120, due=-90)  # 90 days overdue -> base 10
    result = financial(None, AS_OF)
    # three: penalty = min(20, 5 x 3) = 15 -> 100 - 15 = 85. The invoice issued 420 days ago
    # and paid 370 days ago is neither considered nor recent late history: 4 considered.
    assert result[three.pk].score == 85.0
    assert result[three.pk].inputs["paid_late_365d"] == 3
    assert result[three.pk].inputs["invoices_considered"] == 4
    # five: penalty = min(20, 5 x 5 = 25) = 20 -> 100 - 20 = 80
    assert result[five.pk].score == 80.0
    assert result[five.pk].inputs["paid_late_365d"] == 5
    # floor: base 10, penalty 20 -> max(0, 10 - 20) = 0
    assert result[floor.pk].score == 0.0
    assert result[floor.pk].inputs["payment_status"] == "overdue_60_plus"


def test_data_gate_and_window() -> None:
    nothing = CustomerFactory.create()  # no invoices at all
    old_paid = CustomerFactory.create()
    inv(old_paid, issued=-365, due=-335, paid=at(-340))  # issued on the window edge, paid
    late_history_only = CustomerFactory.create()
    inv(late_history_only, issued=-400, due=-370, paid=at(-300))  # late, but not considered
    future = CustomerFactory.create()
    inv(future, issued=1, due=31)  # issued after AS_OF
    recent = CustomerFactory.create()
    inv(recent, issued=-364, due=-334, paid=at(-340))  # inside the window
    old_open = CustomerFactory.create()
    inv(old_open, issued=-400, due=-370)  # old but still unpaid: considered, overdue
    result = financial(None, AS_OF)
    for absent in (nothing, old_paid, late_history_only, future):
        assert absent.pk not in result
    assert result[recent.pk].score == 100.0
    assert result[recent.pk].inputs["invoices_considered"] == 1
    assert result[old_open.pk].score == 10.0
    assert result[old_open.pk].inputs["max_days_overdue"] == 370
    assert set(result) == {recent.pk, old_open.pk}
    assert payment_status_for(None, AS_OF) == {
        recent.pk: "current",
        old_open.pk: "overdue_60_plus",
    }


def test_only_the_requested_customers() -> None:
    a, b = CustomerFactory.create(), CustomerFactory.create()
    inv(a, issued=-10, due=20)
    inv(b, issued=-40, due=-10)
    assert set(financial([b.pk], AS_OF)) == {b.pk}
    assert payment_status_for([a.pk, b.pk], AS_OF) == {a.pk: "current", b.pk: "overdue_1_15"}
    assert financial([], AS_OF) == {}


def test_a_fixed_number_of_queries() -> None:
    counts = []
    for size in (3, 30):
        for n, customer in enumerate(CustomerFactory.create_batch(size)):
            inv(customer, issued=-40, due=-10 - n % 70)
            inv(customer, issued=-100, due=-70, paid=at(-60))
        with CaptureQueriesContext(connection) as ctx:
            assert len(financial(None, AS_OF)) >= size
        with CaptureQueriesContext(connection) as selector_ctx:
            assert len(payment_status_for(None, AS_OF)) >= size
        counts.append((len(ctx), len(selector_ctx)))
    assert counts[0] == counts[1] == (1, 1)
