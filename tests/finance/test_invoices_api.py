from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from finance.models import Invoice
from tests.conftest import MakeClient
from tests.customers.factories import CustomerFactory
from tests.finance.factories import InvoiceFactory
from tests.support.errors import item_errors

URL = "/api/v1/cs-finance/invoices"


def invoice(i: int, customer: str = "cust_a", **extra: object) -> dict:
    return {
        "invoice_id": f"inv_{i}",
        "customer_id": customer,
        "issued_on": "2026-01-01",
        "due_on": "2026-01-31",
        "amount": 12500,
        "paid_at": None,
        **extra,
    }


@pytest.fixture
def customers(db: None) -> Any:
    return CustomerFactory.create(customer_id="cust_a"), CustomerFactory.create(
        customer_id="cust_b"
    )


def test_ingest_then_resend_changes_nothing(api: APIClient, customers: Any) -> None:
    batch = [
        invoice(1, paid_at="2026-01-30T10:15:00Z"),
        invoice(2, amount=12500, paid_at="2026-02-10T09:00:00+02:00"),
        invoice(3, customer="cust_b", amount=1),
        {k: v for k, v in invoice(4).items() if k != "paid_at"},
    ]
    response = api.post(URL, batch, format="json")
    assert response.status_code == 200, response.json()
    assert response.json() == {"created": 4, "updated": 0, "unchanged": 0}
    second = Invoice.objects.get(invoice_id="inv_2")
    assert second.amount == Decimal("12500")
    assert second.paid_at == datetime(2026, 2, 10, 7, 0, tzinfo=UTC)
    assert Invoice.objects.get(invoice_id="inv_3").customer.customer_id == "cust_b"
    assert Invoice.objects.get(invoice_id="inv_4").paid_at is None
    stamps = dict(Invoice.objects.values_list("invoice_id", "updated_at"))

    again = api.post(f"{URL}/", batch, format="json")
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 4}
    assert dict(Invoice.objects.values_list("invoice_id", "updated_at")) == stamps

    body = api.get(f"{URL}/inv_2").json()
    assert body == {
        "invoice_id": "inv_2",
        "customer_id": "cust_a",
        "issued_on": "2026-01-01",
        "due_on": "2026-01-31",
        "amount": 12500,
        "paid_at": "2026-02-10T07:00:00Z",
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }
    assert api.get(f"{URL}/inv_3/").json()["amount"] == 1
    assert api.get(f"{URL}/inv_4").json()["paid_at"] is None


def test_payment_and_changes_are_updates_omitted_fields_kept(
    api: APIClient, customers: Any
) -> None:
    paid = datetime(2026, 1, 20, 12, 0, tzinfo=UTC)
    InvoiceFactory.create(
        invoice_id="inv_1", customer=customers[0], amount=Decimal("12500"), paid_at=paid
    )
    InvoiceFactory.create(invoice_id="inv_2", customer=customers[0], amount=Decimal("12500"))
    batch = [
        {k: v for k, v in invoice(1).items() if k != "paid_at"},  # paid_at left out: kept
        invoice(2, paid_at="2026-02-01T00:00:00Z"),
        invoice(3),
    ]
    response = api.post(URL, batch, format="json")
    assert response.json() == {"created": 1, "updated": 1, "unchanged": 1}
    assert Invoice.objects.get(invoice_id="inv_1").paid_at == paid
    assert Invoice.objects.get(invoice_id="inv_2").paid_at == datetime(2026, 2, 1, tzinfo=UTC)
    # an invoice moves to another customer, and a payment is taken back
    moved = [invoice(3, customer="cust_b"), invoice(2, paid_at=None)]
    assert api.post(URL, moved, format="json").json()["updated"] == 2
    assert Invoice.objects.get(invoice_id="inv_3").customer == customers[1]
    assert Invoice.objects.get(invoice_id="inv_2").paid_at is None


def test_every_bad_item_is_reported_and_nothing_written(api: APIClient, customers: Any) -> None:
    today = timezone.now().date()
    in_two_days = (today + timedelta(days=2)).isoformat()
    tomorrow = (today + timedelta(days=1)).isoformat()
    batch = [
        invoice(0),
        invoice(1, due_on="2025-12-31"),  # before issued_on
        invoice(2, issued_on=in_two_days, due_on=in_two_days),
        invoice(3, paid_at=f"{in_two_days}T00:00:00Z"),
        invoice(4, amount="lots"),
        invoice(5, amount=True),
        invoice(6, amount={}),
        invoice(7, amount=-5),
        invoice(8, amount=10**15),
        invoice(9, colour="red"),
        invoice(10, issued_on=20260101),
        invoice(11, paid_at="yesterday"),
        invoice(0),  # duplicate invoice_id
        invoice(13, invoice_id=["inv"]),
        {k: v for k, v in invoice(14).items() if k != "due_on"},
        invoice(15, amount=None),
        invoice(16, customer_id=7),
        invoice(17, amount="NaN"),
        # valid: due on issue day; issued and paid tomorrow (a day of clock skew is tolerated)
        invoice(18, issued_on=tomorrow, due_on=tomorrow, paid_at=f"{tomorrow}T23:00:00Z"),
    ]
    response = api.post(URL, batch, format="json")
    assert response.status_code == 400
    assert sorted(item_errors(response), key=str) == sorted(
        [
            (1, "due_on", "invalid"),
            (2, "issued_on", "invalid"),
            (3, "paid_at", "invalid"),
            (4, "amount", "invalid"),
            (5, "amount", "invalid"),
            (6, "amount", "invalid"),
            (7, "amount", "min_value"),
            (8, "amount", "max_value"),
            (9, "colour", "unknown_field"),
            (10, "issued_on", "invalid"),
            (11, "paid_at", "invalid"),
            (12, "invoice_id", "duplicate_key"),
            (13, "invoice_id", "invalid"),
            (14, "due_on", "required"),
            (15, "amount", "null"),
            (16, "customer_id", "invalid"),
            (17, "amount", "invalid"),
        ],
        key=str,
    )
    assert not Invoice.objects.exists()


def test_unknown_customer_is_an_item_error(api: APIClient, customers: Any) -> None:
    batch = [invoice(0), invoice(1, customer="cust_ghost"), invoice(2, customer="cust_b")]
    response = api.post(URL, batch, format="json")
    assert response.status_code == 400
    assert item_errors(response) == [(1, "customer_id", "unknown_customer")]
    assert not Invoice.objects.exists()


@pytest.mark.parametrize(
    ("body", "code"), [({"invoice_id": "x"}, "not_a_list"), ([], "empty"), ("x", "not_a_list")]
)
def test_body_must_be_a_non_empty_array(api: APIClient, body: Any, code: Any) -> None:
    response = api.post(URL, body, format="json")
    assert response.status_code == 400
    assert item_errors(response) == [(None, None, code)]


def test_list_filters(api: APIClient, customers: Any) -> None:
    a, b = customers
    today = timezone.now().date()
    paid = timezone.now() - timedelta(days=3)
    InvoiceFactory.create(  # paid
        invoice_id="i1", customer=a, issued_on=today - timedelta(days=60), paid_at=paid
    )
    InvoiceFactory.create(  # unpaid and overdue by one day
        invoice_id="i2",
        customer=a,
        issued_on=today - timedelta(days=31),
        due_on=today - timedelta(days=1),
    )
    InvoiceFactory.create(  # unpaid, due today: not overdue
        invoice_id="i3", customer=b, issued_on=today - timedelta(days=30), due_on=today
    )
    InvoiceFactory.create(  # unpaid, overdue
        invoice_id="i4",
        customer=b,
        issued_on=today - timedelta(days=90),
        due_on=today - timedelta(days=60),
    )

    def ids(query: str) -> list[str]:
        response = api.get(f"{URL}?{query}")
        assert response.status_code == 200, response.json()
        return [row["invoice_id"] for row in response.json()["results"]]

    assert ids("") == ["i1", "i2", "i3", "i4"]
    assert ids("customer_id=cust_a") == ["i1", "i2"]
    assert ids("unpaid=true") == ["i2", "i3", "i4"]
    assert ids("unpaid=false") == ["i1"]
    assert ids("overdue=true") == ["i2", "i4"]
    assert ids("overdue=false") == ["i1", "i3"]
    assert ids("overdue=true&customer_id=cust_b") == ["i4"]
    since = (today - timedelta(days=60)).isoformat()
    assert ids(f"issued_after={since}") == ["i1", "i2", "i3"]  # inclusive
    assert ids(f"issued_before={since}") == ["i1", "i4"]  # inclusive
    assert api.get(f"{URL}?issued_after=someday").status_code == 400


def test_unknown_invoice_is_404(api: APIClient) -> None:
    response = api.get(f"{URL}/inv_missing")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "invoice_not_found"


def test_scopes(make_client: MakeClient, customers: Any) -> None:
    reader = make_client("finance:read")
    assert reader.get(URL).status_code == 200
    assert reader.post(URL, [invoice(1)], format="json").status_code == 403
    assert make_client("finance:write").post(URL, [invoice(1)], format="json").status_code == 200
    assert make_client("operations:read").get(URL).status_code == 403
    assert make_client("customers:read").get(f"{URL}/inv_1").status_code == 403


def test_list_uses_a_bounded_number_of_queries(
    api: APIClient, django_assert_max_num_queries: Any
) -> None:
    for customer in CustomerFactory.create_batch(40):
        InvoiceFactory.create_batch(2, customer=customer, issued_on=date(2026, 1, 1))
    with django_assert_max_num_queries(3):
        response = api.get(f"{URL}?page_size=500&overdue=true")
    assert len(response.json()["results"]) == 80


def test_bulk_of_ten_thousand_in_bounded_queries(
    api: APIClient, django_assert_max_num_queries: Any
) -> None:
    CustomerFactory.create(customer_id="cust_a")
    batch = [invoice(i, paid_at="2026-01-15T00:00:00Z") for i in range(10_000)]
    with django_assert_max_num_queries(10_000 // 30):
        response = api.post(URL, batch, format="json")
    assert response.json() == {"created": 10_000, "updated": 0, "unchanged": 0}
    with django_assert_max_num_queries(6):
        again = api.post(URL, batch, format="json")
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 10_000}
