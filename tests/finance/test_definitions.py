"""Issue 11 D3 on the financial measure (README, Definitions): clamped to [0, 100]."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from finance import measures
from tests.customers.factories import CustomerFactory

from .factories import InvoiceFactory

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 6, 30)


def test_the_financial_measure_floors_at_zero() -> None:
    customer = CustomerFactory.create()
    # 90 days overdue: base 10.
    InvoiceFactory.create(customer=customer, issued_on=date(2026, 3, 2), due_on=date(2026, 4, 1))
    # four invoices paid 10 days late within the year: penalty min(20, 4 x 5) = 20.
    for k in range(4):
        due = date(2026, 1, 10) + timedelta(days=20 * k)
        InvoiceFactory.create(
            customer=customer,
            issued_on=due - timedelta(days=30),
            due_on=due,
            paid_at=datetime.combine(due + timedelta(days=10), time(12), tzinfo=UTC),
        )
    value = measures.financial([customer.pk], AS_OF)[customer.pk]
    assert value.inputs["payment_status"] == "overdue_60_plus"
    assert value.inputs["paid_late_365d"] == 4
    assert value.score == 0.0  # max(0, min(100, 10 - 20)), not -10
