"""Value records: bulk upsert, validation, list filters, retrieve, scopes and query counts."""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from finance.models import ValueRecord
from tests.conftest import MakeClient
from tests.customers.factories import CustomerFactory
from tests.finance.factories import ValueRecordFactory
from tests.support.errors import item_errors

URL = "/api/v1/cs-finance/value-records"


def record(i: int, customer: str = "cust_a", **extra: object) -> dict[str, Any]:
    return {
        "record_id": f"val_{i}",
        "customer_id": customer,
        "date": "2026-04-30",
        "category": "cost_saving",
        "amount": 42000,
        "evidence": "https://wiki.example.com/q1-review",
        "recorded_by": "sarah.johnson@company.com",
        **extra,
    }


@pytest.fixture
def customers(db: None) -> Any:
    return CustomerFactory.create(customer_id="cust_a"), CustomerFactory.create(
        customer_id="cust_b"
    )


def test_ingest_update_and_resend(api: APIClient, customers: Any) -> None:
    no_evidence = {k: v for k, v in record(2, customer="cust_b").items() if k != "evidence"}
    response = api.post(URL, [record(1), no_evidence], format="json")
    assert response.status_code == 200, response.json()
    assert response.json() == {"created": 2, "updated": 0, "unchanged": 0}
    assert ValueRecord.objects.get(record_id="val_2").evidence == ""
    again = api.post(URL, [record(1), no_evidence], format="json")
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 2}
    changed = api.post(URL, [record(1, amount=50000)], format="json")
    assert changed.json() == {"created": 0, "updated": 1, "unchanged": 0}
    assert ValueRecord.objects.get(record_id="val_1").amount == Decimal(50000)
    body = api.get(f"{URL}/val_1").json()
    assert body == {
        "record_id": "val_1",
        "customer_id": "cust_a",
        "date": "2026-04-30",
        "category": "cost_saving",
        "amount": 50000,
        "evidence": "https://wiki.example.com/q1-review",
        "recorded_by": "sarah.johnson@company.com",
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        ({"category": "vibes"}, ("category", "invalid_choice")),
        ({"amount": 12.5}, ("amount", "invalid")),
        ({"amount": 12.0}, ("amount", "invalid")),
        ({"amount": "12"}, ("amount", "invalid")),
        ({"amount": -1}, ("amount", "min_value")),
        ({"evidence": "x" * 2001}, ("evidence", "max_length")),
        ({"evidence": 12}, ("evidence", "invalid")),
        ({"recorded_by": " sarah@company.com"}, ("recorded_by", "invalid")),
        ({"recorded_by": "sarah@company.com\n"}, ("recorded_by", "invalid")),
        ({"recorded_by": "sarah"}, ("recorded_by", "invalid")),
        ({"date": "2026-02-30"}, ("date", "invalid")),
        ({"date": "1899-12-31"}, ("date", "invalid")),
        ({"customer_id": "ghost"}, ("customer_id", "unknown_customer")),
    ],
)
def test_every_rule_is_an_item_error(
    api: APIClient, customers: Any, extra: dict[str, Any], error: tuple[str, str]
) -> None:
    response = api.post(URL, [record(0), record(1, **extra)], format="json")
    assert response.status_code == 400, response.json()
    assert item_errors(response) == [(1, *error)]
    assert not ValueRecord.objects.exists()


def test_date_not_later_than_tomorrow(api: APIClient, customers: Any) -> None:
    later = (timezone.localdate() + timedelta(days=2)).isoformat()
    assert item_errors(api.post(URL, [record(1, date=later)], format="json")) == [
        (0, "date", "invalid")
    ]


def test_list_filters(api: APIClient, customers: Any) -> None:
    a, b = customers
    ValueRecordFactory.create(record_id="v1", customer=a, date=date(2026, 1, 10))
    ValueRecordFactory.create(
        record_id="v2", customer=a, date=date(2026, 2, 10), category="time_saved"
    )
    ValueRecordFactory.create(record_id="v3", customer=b, date=date(2026, 3, 10))

    def ids(query: str) -> list[str]:
        response = api.get(f"{URL}?{query}")
        assert response.status_code == 200, response.json()
        return [r["record_id"] for r in response.json()["results"]]

    assert ids("") == ["v1", "v2", "v3"]
    assert ids("customer_id=cust_a") == ["v1", "v2"]
    assert ids("category=cost_saving") == ["v1", "v3"]
    assert ids("date_after=2026-02-10") == ["v2", "v3"]  # inclusive
    assert ids("date_before=2026-02-10") == ["v1", "v2"]  # inclusive
    assert ids("date_after=2026-01-11&date_before=2026-03-09") == ["v2"]
    for bad in ("category=vibes", "date_after=someday", "date_before=9999-01-01", "x=1"):
        assert api.get(f"{URL}?{bad}").status_code == 400, bad


def test_unknown_record_is_404(api: APIClient) -> None:
    response = api.get(f"{URL}/val_missing")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "value_record_not_found"


def test_scopes(make_client: MakeClient, customers: Any) -> None:
    reader = make_client("finance:read")
    assert reader.get(URL).status_code == 200
    assert reader.post(URL, [record(1)], format="json").status_code == 403
    assert make_client("finance:write").post(URL, [record(1)], format="json").status_code == 200
    assert make_client("product:read").get(f"{URL}/val_1").status_code == 403


def test_list_uses_a_bounded_number_of_queries(
    api: APIClient, django_assert_max_num_queries: Any
) -> None:
    for customer in CustomerFactory.create_batch(40):
        ValueRecordFactory.create_batch(2, customer=customer)
    with django_assert_max_num_queries(3):
        response = api.get(f"{URL}?page_size=500&category=cost_saving")
    assert len(response.json()["results"]) == 80
