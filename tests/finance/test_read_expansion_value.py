"""finance.read: expansion_revenue, revenue_and_pipeline (the same won revenue and the open
pipeline from one statement) and realized_value, with hand-computed numbers, and a fixed number of
queries for 3 or 60 customers."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from finance import read
from integrations.clock import DayWindow
from tests.customers.factories import CustomerFactory
from tests.finance.factories import OpportunityFactory, ValueRecordFactory

pytestmark = pytest.mark.django_db

Q1 = DayWindow(date(2026, 1, 1), date(2026, 3, 31))


def _won(customer: Any, value: int, closed_on: date, source: str = "cs") -> None:
    OpportunityFactory.create(
        customer=customer,
        status="won",
        closed_value=Decimal(value),
        closed_on=closed_on,
        source=source,
    )


def _history(a: Any, b: Any) -> None:
    _won(a, 10000, date(2026, 1, 1))  # first day: inside
    _won(a, 2500, date(2026, 3, 31), source="sales")  # last day: inside
    _won(a, 999, date(2025, 12, 31))  # the day before: outside
    _won(a, 777, date(2026, 4, 1))  # the day after: outside
    _won(b, 4000, date(2026, 2, 15), source="customer")
    OpportunityFactory.create(customer=a, status="lost", closed_on=date(2026, 2, 1))
    OpportunityFactory.create(customer=a, value=Decimal(10000), probability=0.25)
    OpportunityFactory.create(customer=a, value=Decimal(3333), probability=0.333)
    OpportunityFactory.create(customer=b, value=Decimal(5000), probability=0.8)
    ValueRecordFactory.create(customer=a, date=date(2026, 1, 10), amount=Decimal(1000))
    ValueRecordFactory.create(customer=a, date=date(2026, 2, 20), amount=Decimal(2500))
    ValueRecordFactory.create(customer=a, date=date(2026, 3, 2), amount=Decimal(9999))
    ValueRecordFactory.create(customer=b, date=date(2025, 11, 5), amount=Decimal(300))


def test_hand_computed_numbers(django_assert_num_queries: Any) -> None:
    a, b, none = CustomerFactory.create_batch(3)
    _history(a, b)
    pks = [a.pk, b.pk, none.pk]
    with django_assert_num_queries(1):
        revenue = read.expansion_revenue(pks, Q1)
    assert revenue == {
        a.pk: read.ExpansionRevenue(Decimal(12500), Decimal(10000), 2),
        b.pk: read.ExpansionRevenue(Decimal(4000), Decimal(0), 1),
    }
    # Both from one statement, as the value read-out reads them.
    with django_assert_num_queries(1):
        won, pipeline = read.revenue_and_pipeline(pks, Q1)
    assert won == revenue
    # a: 10000 x 0.25 + 3333 x 0.333 = 2500 + 1109.889 -> 3609.89; b: 5000 x 0.8 = 4000
    assert pipeline == {
        a.pk: read.OpenPipeline(Decimal(13333), Decimal("3609.89"), 2),
        b.pk: read.OpenPipeline(Decimal(5000), Decimal("4000.00"), 1),
    }
    with django_assert_num_queries(1):
        realized = read.realized_value(pks, date(2026, 3, 1))  # 2026-03-02 is later
    assert realized == {
        a.pk: read.RealizedValue(Decimal(3500), 2, date(2026, 1, 10), date(2026, 2, 20)),
        b.pk: read.RealizedValue(Decimal(300), 1, date(2025, 11, 5), date(2025, 11, 5)),
    }
    assert read.realized_value(pks, date(2026, 3, 2))[a.pk].total == Decimal(13499)


@pytest.mark.parametrize("size", [3, 60])
def test_a_fixed_number_of_queries_whatever_the_size(
    size: int, django_assert_max_num_queries: Any
) -> None:
    customers = CustomerFactory.create_batch(size)
    for first, second in zip(customers[::2], customers[1::2], strict=False):
        _history(first, second)
    pks = [c.pk for c in customers]
    with django_assert_max_num_queries(3):
        revenue = read.expansion_revenue(pks, Q1)
        realized = read.realized_value(pks, date(2026, 12, 31))
        won, pipeline = read.revenue_and_pipeline(pks, Q1)
    assert won == revenue
    pairs = size // 2
    assert len(revenue) == len(pipeline) == len(realized) == 2 * pairs
    assert sum(r.won_value for r in revenue.values()) == pairs * 16500
    assert sum(p.weighted_value for p in pipeline.values()) == pairs * Decimal("7609.89")
    assert sum(r.total for r in realized.values()) == pairs * 13799
