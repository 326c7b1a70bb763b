"""Expansion opportunities: bulk upsert, cross-field rules, `opportunity.won` exactly once,
list filters, retrieve, scopes and query counts."""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from finance.models import ExpansionOpportunity, quarter_end
from integrations.models import Event
from tests.conftest import MakeClient
from tests.customers.factories import CustomerFactory
from tests.finance.factories import OpportunityFactory
from tests.support.errors import item_errors

URL = "/api/v1/cs-finance/opportunities"


def opp(i: int, customer: str = "cust_a", **extra: object) -> dict[str, Any]:
    return {
        "opportunity_id": f"opp_{i}",
        "customer_id": customer,
        "type": "upsell",
        "product": "feat_analytics",
        "value": 50000,
        "probability": 0.6,
        "expected_close": "q3_2026",
        "source": "cs",
        **extra,
    }


WON: dict[str, Any] = {"status": "won", "closed_value": 45000, "closed_on": "2026-03-12"}


@pytest.fixture
def customers(db: None) -> Any:
    return CustomerFactory.create(customer_id="cust_a"), CustomerFactory.create(
        customer_id="cust_b"
    )


def _won_events() -> list[dict[str, Any]]:
    return [
        {"customer_id": e.customer_id, **e.data}
        for e in Event.objects.filter(type="opportunity.won").order_by("id")
    ]


def test_ingest_then_resend_changes_nothing(api: APIClient, customers: Any) -> None:
    batch = [opp(1), opp(2, customer="cust_b", type="add_on", product="Premium support", **WON)]
    response = api.post(URL, batch, format="json")
    assert response.status_code == 200, response.json()
    assert response.json() == {"created": 2, "updated": 0, "unchanged": 0}
    first = ExpansionOpportunity.objects.get(opportunity_id="opp_1")
    assert (first.status, first.closed_value, first.closed_on) == ("open", None, None)
    assert first.expected_close_date == date(2026, 9, 30)
    stamps = dict(ExpansionOpportunity.objects.values_list("opportunity_id", "updated_at"))

    again = api.post(URL, batch, format="json")
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 2}
    assert dict(ExpansionOpportunity.objects.values_list("opportunity_id", "updated_at")) == (
        stamps
    )
    body = api.get(f"{URL}/opp_2").json()
    assert body == {
        "opportunity_id": "opp_2",
        "customer_id": "cust_b",
        "type": "add_on",
        "product": "Premium support",
        "value": 50000,
        "probability": 0.6,
        "expected_close": "q3_2026",
        "expected_close_date": "2026-09-30",
        "status": "won",
        "closed_value": 45000,
        "closed_on": "2026-03-12",
        "source": "cs",
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }
    assert api.get(f"{URL}/opp_1/").json()["closed_value"] is None


def test_won_is_published_once_when_created_won_or_moved_to_won(
    api: APIClient, customers: Any
) -> None:
    api.post(URL, [opp(1), opp(2, **WON)], format="json")
    assert _won_events() == [
        {
            "customer_id": "cust_a",
            "opportunity_id": "opp_2",
            "type": "upsell",
            "product": "feat_analytics",
            "closed_value": 45000,
            "source": "cs",
        }
    ]
    api.post(URL, [opp(1), opp(2, **WON)], format="json")  # unchanged: nothing
    api.post(URL, [opp(2, **{**WON, "closed_value": 46000})], format="json")  # still won
    assert len(_won_events()) == 1
    moved = api.post(URL, [opp(1, source="sales", **WON)], format="json")
    assert moved.json() == {"created": 0, "updated": 1, "unchanged": 0}
    assert [(e["opportunity_id"], e["source"]) for e in _won_events()] == [
        ("opp_2", "cs"),
        ("opp_1", "sales"),
    ]
    api.post(URL, [opp(1, **WON)], format="json")  # a change, but no new win
    assert len(_won_events()) == 2


def test_setting_the_status_clears_closing_fields_left_out(api: APIClient, customers: Any) -> None:
    api.post(URL, [opp(1, **WON)], format="json")
    response = api.post(URL, [opp(1, status="lost", closed_on="2026-04-01")], format="json")
    assert response.json() == {"created": 0, "updated": 1, "unchanged": 0}
    row = ExpansionOpportunity.objects.get()
    assert (row.status, row.closed_value, row.closed_on) == ("lost", None, date(2026, 4, 1))
    api.post(URL, [opp(1, status="open")], format="json")
    row.refresh_from_db()
    assert (row.status, row.closed_value, row.closed_on) == ("open", None, None)
    # Fields left out keep their values: no status, no closing fields touched.
    api.post(URL, [opp(1, status="won", closed_value=10, closed_on="2026-05-01")], format="json")
    api.post(URL, [opp(1, value=70000)], format="json")
    row.refresh_from_db()
    assert (row.status, row.closed_value, row.value) == ("won", Decimal(10), Decimal(70000))


@pytest.mark.parametrize(
    ("extra", "errors"),
    [
        ({"status": "won"}, [("closed_value", "required"), ("closed_on", "required")]),
        ({"status": "won", "closed_value": 1, "closed_on": None}, [("closed_on", "required")]),
        ({"status": "lost"}, [("closed_on", "required")]),
        (
            {"status": "lost", "closed_on": "2026-01-01", "closed_value": 5},
            [("closed_value", "invalid")],
        ),
        ({"status": "open", "closed_on": "2026-01-01"}, [("closed_on", "invalid")]),
        ({"closed_value": 5}, [("status", "required")]),
        ({"closed_on": None}, [("status", "required")]),
        ({"status": "pending"}, [("status", "invalid_choice")]),
        ({"type": "renewal"}, [("type", "invalid_choice")]),
        ({"source": "partner"}, [("source", "invalid_choice")]),
        ({"expected_close": "Q3_2026"}, [("expected_close", "invalid")]),
        ({"expected_close": "q5_2026"}, [("expected_close", "invalid")]),
        ({"expected_close": "q3_26"}, [("expected_close", "invalid")]),
        ({"expected_close": "q3_9999"}, [("expected_close", "invalid")]),
        ({"expected_close": "q3_2026 "}, [("expected_close", "invalid")]),
        ({"expected_close": "q3_2026\n"}, [("expected_close", "invalid")]),
        ({"probability": 1.01}, [("probability", "max_value")]),
        ({"probability": -0.1}, [("probability", "min_value")]),
        ({"probability": "0.5"}, [("probability", "invalid")]),
        ({"probability": True}, [("probability", "invalid")]),
        ({"value": 12.5}, [("value", "invalid")]),
        ({"value": 12.0}, [("value", "invalid")]),
        ({"value": "12"}, [("value", "invalid")]),
        ({"value": -1}, [("value", "min_value")]),
        ({"product": "x" * 201}, [("product", "max_length")]),
        ({"product": ""}, [("product", "blank")]),
        ({**WON, "closed_value": 4500.5}, [("closed_value", "invalid")]),
        ({**WON, "closed_on": "1899-12-31"}, [("closed_on", "invalid")]),
    ],
)
def test_every_rule_is_an_item_error(
    api: APIClient, customers: Any, extra: dict[str, Any], errors: list[tuple[str, str]]
) -> None:
    response = api.post(URL, [opp(0), opp(1, **extra)], format="json")
    assert response.status_code == 400, response.json()
    assert item_errors(response) == [(1, f, c) for f, c in errors]
    assert not ExpansionOpportunity.objects.exists()
    assert not Event.objects.filter(type="opportunity.won").exists()


def test_closed_on_not_later_than_tomorrow(api: APIClient, customers: Any) -> None:
    later = (timezone.localdate() + timedelta(days=2)).isoformat()
    response = api.post(URL, [opp(1, **{**WON, "closed_on": later})], format="json")
    assert item_errors(response) == [(0, "closed_on", "invalid")]


def test_required_fields_and_unknown_customer(api: APIClient, customers: Any) -> None:
    response = api.post(URL, [{"opportunity_id": "opp_1"}, opp(2, customer="ghost")], format="json")
    assert item_errors(response) == [
        (0, f, "required")
        for f in ("customer_id", "type", "product", "value", "probability", "expected_close")
    ] + [(0, "source", "required"), (1, "customer_id", "unknown_customer")]


def test_quarter_end() -> None:
    assert [quarter_end(f"q{q}_2024") for q in (1, 2, 3, 4)] == [
        date(2024, 3, 31),
        date(2024, 6, 30),
        date(2024, 9, 30),
        date(2024, 12, 31),
    ]


def test_list_filters(api: APIClient, customers: Any) -> None:
    a, b = customers
    OpportunityFactory.create(opportunity_id="o1", customer=a)
    OpportunityFactory.create(
        opportunity_id="o2",
        customer=a,
        status="won",
        closed_value=Decimal(5),
        closed_on=date(2026, 2, 1),
        type="add_on",
        source="sales",
        expected_close="q1_2026",
        expected_close_date=date(2026, 3, 31),
    )
    OpportunityFactory.create(
        opportunity_id="o3", customer=b, status="lost", closed_on=date(2026, 2, 1), type="add_on"
    )

    def ids(query: str) -> list[str]:
        response = api.get(f"{URL}?{query}")
        assert response.status_code == 200, response.json()
        return [r["opportunity_id"] for r in response.json()["results"]]

    assert ids("") == ["o1", "o2", "o3"]
    assert ids("customer_id=cust_a") == ["o1", "o2"]
    assert ids("status=won") == ["o2"]
    assert ids("type=add_on") == ["o2", "o3"]
    assert ids("source=sales") == ["o2"]
    assert ids("expected_close=q3_2026") == ["o1", "o3"]
    assert ids("type=add_on&customer_id=cust_b") == ["o3"]
    for bad in ("status=pending", "expected_close=2026-Q3", "customer_id=%20cust_a", "x=1"):
        assert api.get(f"{URL}?{bad}").status_code == 400, bad


def test_unknown_opportunity_is_404(api: APIClient) -> None:
    response = api.get(f"{URL}/opp_missing")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "opportunity_not_found"


def test_scopes(make_client: MakeClient, customers: Any) -> None:
    reader = make_client("finance:read")
    assert reader.get(URL).status_code == 200
    assert reader.post(URL, [opp(1)], format="json").status_code == 403
    assert make_client("finance:write").post(URL, [opp(1)], format="json").status_code == 200
    assert make_client("operations:read").get(URL).status_code == 403
    assert make_client("customers:read").get(f"{URL}/opp_1").status_code == 403


def test_list_uses_a_bounded_number_of_queries(
    api: APIClient, django_assert_max_num_queries: Any
) -> None:
    for customer in CustomerFactory.create_batch(40):
        OpportunityFactory.create_batch(2, customer=customer)
    with django_assert_max_num_queries(3):
        response = api.get(f"{URL}?page_size=500&status=open")
    assert len(response.json()["results"]) == 80


def test_bulk_of_ten_thousand_in_bounded_queries(
    api: APIClient, django_assert_max_num_queries: Any
) -> None:
    CustomerFactory.create(customer_id="cust_a")
    batch = [opp(i, **WON) for i in range(10_000)]
    with django_assert_max_num_queries(10_000 // 30):
        response = api.post(URL, batch, format="json")
    assert response.json() == {"created": 10_000, "updated": 0, "unchanged": 0}
    assert Event.objects.filter(type="opportunity.won").count() == 10_000
    with django_assert_max_num_queries(6):
        again = api.post(URL, batch, format="json")
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 10_000}
