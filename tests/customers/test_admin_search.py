"""The customer list's search: a customer_id, a name or a stakeholder's email, each word; a
customer with several matching stakeholders is listed once, in a fixed number of queries."""

from typing import Any

import pytest

from tests.customers.factories import CustomerFactory, StakeholderFactory

pytestmark = pytest.mark.django_db


def _found(staff: Any, q: str) -> list[str]:
    response = staff.get("/admin/customers/customer/", {"q": q})
    assert response.status_code == 200
    return sorted(c.customer_id for c in response.context["cl"].result_list)


def test_search_by_id_name_or_stakeholder_email_lists_each_customer_once(staff: Any) -> None:
    acme = CustomerFactory.create(customer_id="cust_acme", name="Acme Corp")
    globex = CustomerFactory.create(customer_id="cust_globex", name="Globex")
    for n in range(3):
        StakeholderFactory.create(customer=acme, email=f"ops{n}@acme.example")
    StakeholderFactory.create(customer=globex, email="cfo@globex.example")
    assert _found(staff, "acme.example") == ["cust_acme"]  # three stakeholders, one row
    assert _found(staff, "globex") == ["cust_globex"]
    assert _found(staff, "cust_") == ["cust_acme", "cust_globex"]
    assert _found(staff, "cust_ corp") == ["cust_acme"]  # every word must match
    assert _found(staff, '"acme corp"') == ["cust_acme"]  # a quoted phrase
    assert _found(staff, '"acme') == []  # an unterminated quote is a plain word
    assert _found(staff, "nobody") == []


def test_search_queries_do_not_grow_with_matches(staff: Any) -> None:
    def count(n: int) -> int:
        for i in range(n):
            customer = CustomerFactory.create(name=f"Match {i}")
            StakeholderFactory.create(customer=customer, email=f"a{i}@match.example")
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert staff.get("/admin/customers/customer/", {"q": "match"}).status_code == 200
        return len(ctx.captured_queries)

    assert count(3) == count(30)
