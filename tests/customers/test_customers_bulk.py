from typing import Any

import pytest
from rest_framework.test import APIClient

from customers.models import Customer, LifecycleChange
from integrations.models import Event
from tests.customers.factories import CustomerFactory, TeamMemberFactory
from tests.support.errors import item_errors

URL = "/api/v1/customers/bulk"


def item(i: int, **extra: object) -> dict:
    return {"customer_id": f"cust_{i}", "name": f"Customer {i}", "segment": "enterprise", **extra}


def test_bulk_creates_then_resend_changes_nothing(api: APIClient) -> None:
    TeamMemberFactory(email="csm@company.com")
    batch = [item(i, licensed_seats=10 * i, success_manager="csm@company.com") for i in range(5)]
    response = api.post(URL, batch, format="json")
    assert response.status_code == 200, response.json()
    assert response.json() == {"created": 5, "updated": 0, "unchanged": 0}
    assert Customer.objects.get(customer_id="cust_3").licensed_seats == 30
    assert Customer.objects.filter(success_manager__email="csm@company.com").count() == 5
    stamps = dict(Customer.objects.values_list("customer_id", "updated_at"))
    events_before = Event.objects.count()
    history_before = LifecycleChange.objects.count()

    again = api.post(f"{URL}/", batch, format="json")
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 5}
    assert dict(Customer.objects.values_list("customer_id", "updated_at")) == stamps
    assert Event.objects.count() == events_before
    assert LifecycleChange.objects.count() == history_before


def test_bulk_updates_only_what_differs_and_keeps_omitted_fields(api: APIClient) -> None:
    CustomerFactory(customer_id="cust_1", name="Old", licensed_seats=40, lifecycle_stage="adoption")
    CustomerFactory(customer_id="cust_2", name="Customer 2", segment="enterprise", licensed_seats=7)
    response = api.post(URL, [item(1, lifecycle_stage="at_risk"), item(2), item(3)], format="json")
    assert response.json() == {"created": 1, "updated": 1, "unchanged": 1}
    c1 = Customer.objects.get(customer_id="cust_1")
    assert (c1.name, c1.licensed_seats, c1.lifecycle_stage) == ("Customer 1", 40, "at_risk")
    assert Customer.objects.get(customer_id="cust_2").licensed_seats == 7
    change = LifecycleChange.objects.get(customer=c1)
    assert (change.from_stage, change.to_stage, change.source) == ("adoption", "at_risk", "import")
    types = sorted(Event.objects.values_list("type", flat=True))
    assert types == ["customer.created", "customer.lifecycle_changed"]


def test_bulk_churn_keeps_the_first_churn_date(api: APIClient) -> None:
    api.post(URL, [item(1, status="churned")], format="json")
    first = Customer.objects.get().churned_at
    assert first is not None
    assert Customer.objects.get().lifecycle_stage == "churned"
    assert api.post(URL, [item(1, status="churned")], format="json").json()["unchanged"] == 1
    assert Customer.objects.get().churned_at == first


def test_bulk_reports_every_bad_item_and_writes_nothing(api: APIClient) -> None:
    batch = [
        item(0),
        item(1, segment="galactic"),
        {"customer_id": "bad id", "segment": "enterprise"},
        item(0),
        "not an object",
        item(5, licensed_seats=-3, extra=True),
        item(6, success_manager="not-an-email"),
        item(7, churned_at="2026-01-01T00:00:00Z"),
        item(8, licensed_seats="12"),
        {"customer_id": "BULK", "name": "x", "segment": "enterprise"},
    ]
    response = api.post(URL, batch, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "validation_error"
    assert sorted(item_errors(response), key=str) == sorted(
        [
            (1, "segment", "invalid_choice"),
            (2, "customer_id", "invalid"),  # (no name: only a new customer needs one)
            (3, "customer_id", "duplicate_key"),
            (4, None, "not_an_object"),
            (5, "extra", "unknown_field"),
            (5, "licensed_seats", "min_value"),
            (6, "success_manager", "invalid"),
            (7, "churned_at", "invalid"),
            (8, "licensed_seats", "invalid"),
            (9, "customer_id", "invalid"),
        ],
        key=str,
    )
    assert body["errors"][0]["attr"] == "1.segment"
    assert not Customer.objects.exists()
    assert not Event.objects.exists()


def test_bulk_unknown_csm_is_a_per_item_error(api: APIClient) -> None:
    TeamMemberFactory(email="known@company.com")
    batch = [
        item(0, success_manager="known@company.com"),
        item(1, success_manager="ghost@company.com"),
    ]
    response = api.post(URL, batch, format="json")
    assert response.status_code == 400
    assert item_errors(response) == [(1, "success_manager", "unknown_team_member")]
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    ("body", "code"),
    [({"customer_id": "c"}, "not_a_list"), ([], "empty"), ("text", "not_a_list")],
)
def test_bulk_body_must_be_a_non_empty_array(api: APIClient, body: Any, code: Any) -> None:
    response = api.post(URL, body, format="json")
    assert response.status_code == 400
    assert item_errors(response) == [(None, None, code)]


def test_bulk_of_ten_thousand_is_accepted_in_bounded_queries(
    api: APIClient, django_assert_max_num_queries: Any
) -> None:
    TeamMemberFactory(email="csm@company.com")
    batch = [item(i, success_manager="csm@company.com") for i in range(10_000)]
    # Inserts are batched (SQLite caps a statement at 999 parameters, so ~100 rows each there;
    # PostgreSQL takes 2,000): at least 30 rows per query on average, never a query per row.
    with django_assert_max_num_queries(10_000 * 3 // 30):
        response = api.post(URL, batch, format="json")
    assert response.json() == {"created": 10_000, "updated": 0, "unchanged": 0}
    assert Customer.objects.count() == 10_000
    assert LifecycleChange.objects.count() == 10_000


# Fields required only to create a customer -------------------------------------------------


def test_bulk_updates_an_existing_customer_from_one_field(api: APIClient) -> None:
    CustomerFactory(
        customer_id="cust_10040", name="Acme", segment="small_business", licensed_seats=40
    )
    response = api.post(
        URL, [{"customer_id": "cust_10040", "segment": "enterprise"}], format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json() == {"created": 0, "updated": 1, "unchanged": 0}
    customer = Customer.objects.get(customer_id="cust_10040")
    assert (customer.name, customer.segment, customer.licensed_seats) == ("Acme", "enterprise", 40)
    seats = api.post(URL, [{"customer_id": "cust_10040", "licensed_seats": 41}], format="json")
    assert seats.json() == {"created": 0, "updated": 1, "unchanged": 0}
    customer.refresh_from_db()
    assert (customer.name, customer.segment, customer.licensed_seats) == ("Acme", "enterprise", 41)


def test_bulk_new_customer_without_name_or_segment_is_an_item_error(api: APIClient) -> None:
    batch = [
        {"customer_id": "cust_new", "segment": "enterprise"},
        {"customer_id": "cust_bare"},
        item(2),
    ]
    response = api.post(URL, batch, format="json")
    assert response.status_code == 400
    assert item_errors(response) == [
        (0, "name", "required"),
        (1, "name", "required"),
        (1, "segment", "required"),
    ]
    assert response.json()["errors"][0]["detail"] == "This field is required for a new customer."
    assert not Customer.objects.exists()
    assert not Event.objects.exists()


def test_bulk_lists_only_the_new_customer_and_writes_nothing(api: APIClient) -> None:
    TeamMemberFactory(email="known@company.com")
    CustomerFactory(customer_id="cust_10040", name="Acme", segment="small_business")
    batch = [
        {"customer_id": "cust_10040", "segment": "enterprise"},
        {"customer_id": "cust_new", "segment": "enterprise"},
        {"customer_id": "cust_other", "name": "Other", "segment": "small_business"},
        item(3, success_manager="ghost@company.com"),
    ]
    response = api.post(URL, batch, format="json")
    assert response.status_code == 400
    # the missing name and the unknown team member come back together
    assert item_errors(response) == [
        (1, "name", "required"),
        (3, "success_manager", "unknown_team_member"),
    ]
    assert Customer.objects.get().segment == "small_business"
    assert Customer.objects.count() == 1
    assert not Event.objects.exists()


def test_bulk_refuses_a_blank_name(api: APIClient) -> None:
    CustomerFactory(customer_id="cust_1", name="Acme")
    response = api.post(URL, [{"customer_id": "cust_1", "name": "  "}], format="json")
    assert item_errors(response) == [(0, "name", "blank")]


def test_bulk_docs_name_and_segment_as_required_for_a_new_customer() -> None:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    body = schema["paths"]["/api/v1/customers/bulk"]["post"]["requestBody"]["content"]
    items = body["application/json"]["schema"]
    if "$ref" in items:
        items = schema["components"]["schemas"][items["$ref"].rsplit("/", 1)[1]]
    item_schema = items["items"]
    if "$ref" in item_schema:
        item_schema = schema["components"]["schemas"][item_schema["$ref"].rsplit("/", 1)[1]]
    assert item_schema["required"] == ["customer_id"]
    for name in ("name", "segment"):
        assert "Required for a new customer." in item_schema["properties"][name]["description"]
    assert item_schema["properties"]["name"]["minLength"] == 1
