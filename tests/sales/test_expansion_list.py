"""GET /api/v1/cs-sales/expansion (README, "Sales: expansion readiness"): latest nightly
snapshots of active customers, readiness descending then customer_id; filters, pages, bad
parameters, scope and one fixed number of queries a page."""

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.models import Customer
from sales.services.expansion import expansion_score
from tests.conftest import MakeClient
from tests.customers.factories import CustomerFactory, StakeholderFactory, TeamMemberFactory
from tests.sales.support import AS_OF, at, health
from tests.support.errors import assert_error

pytestmark = pytest.mark.django_db
URL = "/api/v1/cs-sales/expansion"


def _customer(customer_id: str, segment: str, csm: Any, score: int, sponsor: bool) -> Customer:
    customer = CustomerFactory.create(customer_id=customer_id, segment=segment, success_manager=csm)
    health(customer, score)
    if sponsor:
        StakeholderFactory.create(customer=customer, is_executive_sponsor=True)
    return customer


@pytest.fixture
def scored() -> dict[str, Any]:
    x, y = TeamMemberFactory.create(email="x@company.com"), TeamMemberFactory.create()
    # No key features, seats unused, no invoices: the score is 0.2 × health + 10 for a sponsor.
    _customer("cust_b", "enterprise", x, 90, True)  # 18 + 10 = 28
    _customer("cust_a", "mid_market", y, 90, True)  # 28: ties sort by customer_id
    _customer("cust_c", "mid_market", x, 50, False)  # 10
    gone = _customer("cust_gone", "mid_market", x, 95, True)  # 29, then churns
    expansion_score(as_of=AS_OF, computed_at=at(AS_OF, 3))
    Customer.objects.filter(pk=gone.pk).update(status="churned")
    _customer("cust_new", "small_business", y, 90, True)  # not scored yet: not listed
    return {"x": x, "y": y}


def _ids(response: Any) -> list[tuple[str, int]]:
    assert response.status_code == 200, response.content
    return [(row["customer_id"], row["score"]) for row in response.json()["results"]]


def test_readiness_descending_then_customer_id(make_client: MakeClient, scored: Any) -> None:
    response = make_client("sales:read").get(URL)
    assert _ids(response) == [("cust_a", 28), ("cust_b", 28), ("cust_c", 10)]
    row = response.json()["results"][1]
    assert row["segment"] == "enterprise"
    assert row["success_manager"] == "x@company.com"
    assert row["readiness_factors"] == ["strong_health_score", "executive_sponsor_engaged"]
    assert (row["ready"], row["model_version"], row["as_of"]) == (False, 1, "2026-06-30")
    assert [f["name"] for f in row["factors"]][:2] == ["adoption_breadth", "health_score"]
    # each factor's keys in the documented order (jsonb stores them sorted its own way)
    assert list(row["factors"][1]) == [
        "name",
        "value",
        "weight",
        "contribution",
        "holds",
        "holds_as",
        "inputs",
        "reason",
    ]
    assert row["factors"][1]["value"] == 0.9
    assert isinstance(row["factors"][1]["weight"], float)


def test_filters(make_client: MakeClient, scored: Any) -> None:
    client = make_client("sales:read")
    assert _ids(client.get(URL, {"segment": "mid_market"})) == [("cust_a", 28), ("cust_c", 10)]
    assert _ids(client.get(URL, {"csm": "x@company.com"})) == [("cust_b", 28), ("cust_c", 10)]
    assert _ids(client.get(URL, {"min_score": "28"})) == [("cust_a", 28), ("cust_b", 28)]
    assert _ids(client.get(URL, {"min_score": "29"})) == []
    assert _ids(
        client.get(URL, {"min_score": "0", "segment": "mid_market", "csm": "x@company.com"})
    ) == [("cust_c", 10)]


def test_pages_follow_the_order(make_client: MakeClient, scored: Any) -> None:
    client = make_client("sales:read")
    first = client.get(URL, {"page_size": "2"})
    assert _ids(first) == [("cust_a", 28), ("cust_b", 28)]
    assert _ids(client.get(first.json()["next"])) == [("cust_c", 10)]


@pytest.mark.parametrize(
    ("query", "attr", "code"),
    [
        ({"min_score": "abc"}, "min_score", "invalid"),
        ({"min_score": "50.0"}, "min_score", "invalid"),
        ({"min_score": "101"}, "min_score", "max_value"),
        ({"min_score": "-1"}, "min_score", "invalid"),
        ({"segment": "galaxy"}, "segment", "invalid_choice"),
        ({"csm": " x@company.com"}, "csm", "invalid"),
        ({"score": "5"}, "score", "unknown_parameter"),
        ({"page_size": "0"}, "page_size", "invalid_page_size"),
        ({"cursor": "garbage"}, "cursor", "invalid_cursor"),
    ],
)
def test_bad_query_parameters_are_400(
    make_client: MakeClient, query: dict[str, str], attr: str, code: str
) -> None:
    assert_error(make_client("sales:read").get(URL, query), 400, code, attr)


def test_a_repeated_parameter_is_400(make_client: MakeClient) -> None:
    response = make_client("sales:read").get(URL + "?min_score=1&min_score=2")
    assert_error(response, 400, "repeated_parameter", "min_score")


def test_needs_sales_read(make_client: MakeClient) -> None:
    assert make_client("customers:read").get(URL).status_code == 403
    assert make_client("sales:write").get(URL).status_code == 403
    assert make_client("sales:read").get(URL + "/").status_code == 200


def _page_queries(client: Any, size: int) -> int:
    csm = TeamMemberFactory.create()
    for n in range(size):
        _customer(f"cust_{size}_{n:03d}", "enterprise", csm, 50 + n % 40, n % 2 == 0)
    expansion_score(as_of=AS_OF, computed_at=at(AS_OF, 3))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, {"page_size": "500", "segment": "enterprise"})
    assert len(response.json()["results"]) == size
    return len(queries)


def test_one_fixed_number_of_queries_a_page(make_client: MakeClient) -> None:
    client = make_client("sales:read")
    small = _page_queries(client, 3)
    Customer.objects.all().delete()
    large = _page_queries(client, 40)
    assert small == large <= 4  # the key lookup, its last-used stamp, the page
