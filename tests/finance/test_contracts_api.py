from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from finance.models import Contract
from tests.conftest import MakeClient
from tests.customers.factories import CustomerFactory
from tests.finance.factories import ContractFactory
from tests.support.errors import item_errors

URL = "/api/v1/cs-finance/contracts"


def contract(i: int, customer: str = "cust_a", **extra: object) -> dict:
    return {
        "contract_id": f"ctr_{i}",
        "customer_id": customer,
        "start_date": "2025-01-01",
        "end_date": "2025-12-31",
        "value": 120000,
        "term": "1_year",
        "status": "active",
        **extra,
    }


@pytest.fixture
def customers(db: None) -> Any:
    return CustomerFactory.create(customer_id="cust_a"), CustomerFactory.create(
        customer_id="cust_b"
    )


def test_ingest_then_resend_changes_nothing(api: APIClient, customers: Any) -> None:
    batch = [
        contract(1, status="renewed", renewed_from=None),
        contract(
            2,
            start_date="2026-01-01",
            end_date="2028-12-31",
            value=450001,
            term="3_year",
            renewed_from="ctr_1",
        ),
        contract(3, customer="cust_b", value=9999, term="6_month", end_date="2025-06-30"),
    ]
    response = api.post(URL, batch, format="json")
    assert response.status_code == 200, response.json()
    assert response.json() == {"created": 3, "updated": 0, "unchanged": 0}
    second = Contract.objects.select_related("renewed_from", "customer").get(contract_id="ctr_2")
    assert second.renewed_from is not None
    assert second.renewed_from.contract_id == "ctr_1"
    assert second.value == Decimal("450001")
    assert second.customer.customer_id == "cust_a"
    assert Contract.objects.get(contract_id="ctr_1").renewed_from_id is None
    assert Contract.objects.get(contract_id="ctr_3").value == Decimal("9999")
    # ARR of a 6-month term: 9999 x 12 / 6
    assert Contract.objects.get(contract_id="ctr_3").annual_value == Decimal("19998.00")
    stamps = dict(Contract.objects.values_list("contract_id", "updated_at"))

    again = api.post(f"{URL}/", batch, format="json")
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 3}
    assert dict(Contract.objects.values_list("contract_id", "updated_at")) == stamps

    body = api.get(f"{URL}/ctr_2").json()
    assert body == {
        "contract_id": "ctr_2",
        "customer_id": "cust_a",
        "start_date": "2026-01-01",
        "end_date": "2028-12-31",
        "value": 450001,
        "term": "3_year",
        "annual_value": 150000,  # 450001 x 12 / 36 = 150000.33 -> 150000
        "status": "active",
        "renewed_from": "ctr_1",
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }
    assert api.get(f"{URL}/ctr_3/").json()["value"] == 9999
    assert api.get(f"{URL}/ctr_1").json()["renewed_from"] is None


def test_updates_only_what_differs_and_keeps_omitted_fields(api: APIClient, customers: Any) -> None:
    ContractFactory.create(contract_id="ctr_1", customer=customers[0], status="renewed")
    old = ContractFactory.create(contract_id="ctr_2", customer=customers[0], value=Decimal("5000"))
    ContractFactory.create(contract_id="ctr_3", customer=customers[0], renewed_from=old)
    batch = [
        {
            k: v
            for k, v in contract(1, start_date="2026-01-01", end_date="2026-12-31").items()
            if k != "status"
        },
        contract(2, value=6000, start_date="2026-01-01", end_date="2026-12-31"),
        contract(3, start_date="2026-01-01", end_date="2026-12-31"),  # no renewed_from key
        contract(4, customer="cust_b"),
    ]
    response = api.post(URL, batch, format="json")
    assert response.json() == {"created": 1, "updated": 1, "unchanged": 2}
    assert Contract.objects.get(contract_id="ctr_1").status == "renewed"  # left out: kept
    assert Contract.objects.get(contract_id="ctr_2").value == Decimal("6000")
    # renewed_from left out keeps the link; null clears it
    assert Contract.objects.get(contract_id="ctr_3").renewed_from_id == old.pk
    item = contract(3, start_date="2026-01-01", end_date="2026-12-31", renewed_from=None)
    assert api.post(URL, [item], format="json").json()["updated"] == 1
    assert Contract.objects.get(contract_id="ctr_3").renewed_from_id is None


def test_renewed_from_an_existing_contract(api: APIClient, customers: Any) -> None:
    previous = ContractFactory.create(
        contract_id="ctr_old", customer=customers[0], status="renewed"
    )
    response = api.post(URL, [contract(1, renewed_from="ctr_old")], format="json")
    assert response.json() == {"created": 1, "updated": 0, "unchanged": 0}
    assert Contract.objects.get(contract_id="ctr_1").renewed_from_id == previous.pk
    assert list(previous.renewals.values_list("contract_id", flat=True)) == ["ctr_1"]


def test_existing_contract_relinked_to_one_new_in_the_batch(api: APIClient, customers: Any) -> None:
    ContractFactory.create(
        contract_id="ctr_1",
        customer=customers[0],
        start_date=date(2025, 1, 1),
        end_date=date(2025, 12, 31),
        value=Decimal("120000"),
    )
    # ctr_1 is otherwise unchanged but now renews ctr_0, which arrives in the same batch
    batch = [contract(0, start_date="2024-01-01", end_date="2024-12-31"), contract(1)]
    batch[1]["renewed_from"] = "ctr_0"
    response = api.post(URL, batch, format="json")
    assert response.json() == {"created": 1, "updated": 1, "unchanged": 0}
    assert Contract.objects.get(contract_id="ctr_1").renewed_from == Contract.objects.get(
        contract_id="ctr_0"
    )
    assert api.post(URL, batch, format="json").json() == {
        "created": 0,
        "updated": 0,
        "unchanged": 2,
    }


def test_unknown_renewed_from_and_customer_are_item_errors(api: APIClient, customers: Any) -> None:
    batch = [
        contract(0),
        contract(1, renewed_from="ctr_nowhere"),
        contract(2, customer="cust_ghost"),
        contract(3, renewed_from="ctr_0"),
    ]
    response = api.post(URL, batch, format="json")
    assert response.status_code == 400
    assert item_errors(response) == [
        (1, "renewed_from", "unknown_contract"),
        (2, "customer_id", "unknown_customer"),
    ]
    assert not Contract.objects.exists()


def test_every_bad_item_is_reported_and_nothing_written(api: APIClient, customers: Any) -> None:
    batch = [
        contract(0),
        contract(1, end_date="2025-01-01"),  # equal to start_date
        contract(2, end_date="2024-12-31"),  # before start_date
        contract(3, value="lots"),
        contract(4, value=True),
        contract(5, value={}),
        contract(6, value=-1),
        contract(7, colour="red"),
        contract(8, start_date=20250101),
        contract(9, contract_id=12345),
        contract(0),  # duplicate of item 0 (same contract_id)
        contract(11, term="3_years"),
        contract(12, term="0_year"),
        contract(13, status="paused"),
        contract(14, renewed_from="ctr_14"),
        {k: v for k, v in contract(15).items() if k != "value"},
        "not an object",
        contract(17, value=10**15),
        contract(18, customer_id="bad id"),
        contract(19, term=1),
    ]
    response = api.post(URL, batch, format="json")
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert sorted(item_errors(response), key=str) == sorted(
        [
            (1, "end_date", "invalid"),
            (2, "end_date", "invalid"),
            (3, "value", "invalid"),
            (4, "value", "invalid"),
            (5, "value", "invalid"),
            (6, "value", "min_value"),
            (7, "colour", "unknown_field"),
            (8, "start_date", "invalid"),
            (9, "contract_id", "invalid"),
            (10, "contract_id", "duplicate_key"),
            (11, "term", "invalid"),
            (12, "term", "invalid"),
            (13, "status", "invalid_choice"),
            (14, "renewed_from", "invalid"),
            (15, "value", "required"),
            (16, None, "not_an_object"),
            (17, "value", "max_value"),
            (18, "customer_id", "invalid"),
            (19, "term", "invalid"),
        ],
        key=str,
    )
    assert response.json()["errors"][0]["attr"] == "1.end_date"
    assert not Contract.objects.exists()


def test_list_filters(api: APIClient, customers: Any) -> None:
    a, b = customers
    ContractFactory.create(
        contract_id="c1", customer=a, end_date=date(2026, 3, 31), status="renewed"
    )
    ContractFactory.create(contract_id="c2", customer=a, end_date=date(2026, 12, 31))
    ContractFactory.create(contract_id="c3", customer=b, end_date=date(2027, 6, 30))
    ContractFactory.create(
        contract_id="c4", customer=b, end_date=date(2026, 6, 30), status="churned"
    )

    def ids(query: str) -> list[str]:
        response = api.get(f"{URL}?{query}")
        assert response.status_code == 200, response.json()
        return [row["contract_id"] for row in response.json()["results"]]

    assert ids("") == ["c1", "c2", "c3", "c4"]
    assert ids("customer_id=cust_b") == ["c3", "c4"]
    assert ids("status=active") == ["c2", "c3"]
    assert ids("ending_before=2026-06-30") == ["c1", "c4"]  # inclusive
    assert ids("ending_after=2026-12-31") == ["c2", "c3"]  # inclusive
    assert ids("ending_after=2026-04-01&ending_before=2026-12-31&status=active") == ["c2"]
    assert api.get(f"{URL}?status=paused").status_code == 400
    page = api.get(f"{URL}?page_size=2").json()
    assert [r["contract_id"] for r in page["results"]] == ["c1", "c2"]
    rest = api.get(page["next"]).json()
    assert [r["contract_id"] for r in rest["results"]] == ["c3", "c4"]


def test_unknown_contract_is_404(api: APIClient) -> None:
    response = api.get(f"{URL}/ctr_missing")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "contract_not_found"


def test_scopes(make_client: MakeClient, customers: Any) -> None:
    reader = make_client("finance:read")
    assert reader.get(URL).status_code == 200
    assert reader.post(URL, [contract(1)], format="json").status_code == 403
    assert make_client("finance:write").post(URL, [contract(1)], format="json").status_code == 200
    assert make_client("customers:read", "customers:write").get(URL).status_code == 403
    assert make_client("product:read").get(f"{URL}/ctr_1").status_code == 403


def test_list_uses_a_bounded_number_of_queries(
    api: APIClient, django_assert_max_num_queries: Any
) -> None:
    previous = None
    for customer in CustomerFactory.create_batch(40):
        previous = ContractFactory.create(customer=customer, renewed_from=previous)
    with django_assert_max_num_queries(3):
        response = api.get(f"{URL}?page_size=500")
    rows = response.json()["results"]
    assert len(rows) == 40
    assert sum(1 for row in rows if row["renewed_from"]) == 39
    assert previous is not None
    with django_assert_max_num_queries(3):
        assert api.get(f"{URL}/{previous.contract_id}").status_code == 200


def test_bulk_of_ten_thousand_in_bounded_queries(
    api: APIClient, django_assert_max_num_queries: Any
) -> None:
    CustomerFactory.create(customer_id="cust_a")
    batch = [contract(i) for i in range(5_000)]
    batch += [contract(i, renewed_from=f"ctr_{i - 5_000}") for i in range(5_000, 10_000)]
    # SQLite caps a statement at 999 parameters (~90 contract rows per INSERT), PostgreSQL
    # takes 2,000 rows: at least 30 rows per query on average, never a query per row.
    with django_assert_max_num_queries(10_000 * 2 // 30):
        response = api.post(URL, batch, format="json")
    assert response.json() == {"created": 10_000, "updated": 0, "unchanged": 0}
    assert Contract.objects.filter(renewed_from__isnull=False).count() == 5_000


def test_annual_value_that_would_not_fit_is_an_item_error(api: APIClient, customers: Any) -> None:
    # 999,999,999,999 x 12 / 1 month would need 13 integer digits: refused, not a 500
    batch = [contract(1, value=999999999999, term="1_month"), contract(2)]
    response = api.post(URL, batch, format="json")
    assert response.status_code == 400
    assert item_errors(response) == [(0, "value", "max_value")]
    assert Contract.objects.count() == 0
    ok = contract(1, value=83333333333, term="1_month")  # x 12 = 999,999,999,996
    assert api.post(URL, [ok], format="json").status_code == 200
