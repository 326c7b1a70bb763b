"""The adoption read-out's statements as PostgreSQL plans them: each customer's health (a
subquery) and each decision's usage count (a subquery) are looked up once per row, not once
per SUM that reads them (the 10,000-customer data set ran them ten and two times per row)."""

from datetime import date
from typing import Any, cast

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.models import Customer
from product.models import Feature
from product.selectors import adoption
from tests.customers.factories import CustomerFactory
from tests.finance.factories import ContractFactory
from tests.product.factories import FeatureFactory, non_usage_health

AS_OF = date(2026, 11, 30)


def plans(statements: list[dict[str, Any]]) -> list[str]:
    found = []
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute("EXPLAIN " + statement["sql"])
            found.append("\n".join(line for (line,) in cursor.fetchall()))
    return found


@pytest.mark.django_db
def test_each_subquery_runs_once_per_row() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL plans only")
    feature = cast(Feature, FeatureFactory())
    customer = cast(Customer, CustomerFactory())
    non_usage_health(customer, 70, AS_OF)
    ContractFactory(customer=customer, status="renewed", end_date=date(2026, 6, 1))
    with CaptureQueriesContext(connection) as ctx:
        adoption.feature_adoption(feature, as_of=AS_OF, window_days=30)
    sums, retention = plans(ctx.captured_queries)[-2:]
    assert sums.count("customers_healthscore") == 1, sums
    assert sums.count("SubPlan") == 1, sums
    # One usage subplan (the table's name repeats per monthly partition it may scan).
    subplans = [line for line in retention.splitlines() if line.strip().startswith("SubPlan")]
    assert len(subplans) == 1, retention
