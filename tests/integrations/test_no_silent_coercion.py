"""No silent coercion: money is a JSON integer of whole currency units, an integer field
takes a JSON integer, a number field a JSON number; key-like text (ids, slugs, emails used
as keys) is never trimmed: whitespace around it is refused, in bulk items, bodies and paths."""

from typing import Any

import pytest
from rest_framework.test import APIClient

from customers.models import Customer, TeamMember
from finance.models import Contract, Invoice
from integrations.bulk import BulkSchema, BulkValidationError
from operations.api.workflow_serializers import TriggerConditionsSerializer
from product.models import Feature
from tests.customers.factories import CustomerFactory, StakeholderFactory, TeamMemberFactory
from tests.integrations.test_hostile_input import BULK_SCHEMAS

pytestmark = pytest.mark.django_db

CONTRACT = {
    "contract_id": "ctr_1",
    "customer_id": "c1",
    "start_date": "2026-01-01",
    "end_date": "2027-01-01",
    "term": "1_year",
}
INVOICE = {"invoice_id": "inv_1", "customer_id": "c1", "issued_on": "2026-01-01"}
INVOICE["due_on"] = "2026-01-31"


def _item_errors(response: Any) -> list[tuple[int, str, str]]:
    assert response.status_code == 400, response.json()
    return [(e["index"], e["field"], e["code"]) for e in response.json()["errors"]]


@pytest.mark.parametrize("value", [12.5, 12.0, "12", "1e3", "12.00"])
def test_money_in_bulk_is_a_json_integer(api: APIClient, value: Any) -> None:
    CustomerFactory(customer_id="c1")
    response = api.post(
        "/api/v1/cs-finance/contracts", [{**CONTRACT, "value": value}], format="json"
    )
    assert _item_errors(response) == [(0, "value", "invalid")]
    assert "whole number of currency units" in response.json()["errors"][0]["detail"]
    response = api.post(
        "/api/v1/cs-finance/invoices", [{**INVOICE, "amount": value}], format="json"
    )
    assert _item_errors(response) == [(0, "amount", "invalid")]
    feature = {"feature_id": "f1", "name": "F", "list_price": value}
    response = api.post("/api/v1/cs-product/features", [feature], format="json")
    assert _item_errors(response) == [(0, "list_price", "invalid")]
    assert [m.objects.count() for m in (Contract, Invoice, Feature)] == [0, 0, 0]
    response = api.post("/api/v1/cs-finance/contracts", [{**CONTRACT, "value": 12}], format="json")
    assert response.status_code == 200
    assert Contract.objects.get().value == 12


@pytest.mark.parametrize("value", [12.0, "12", 12.5])
def test_an_integer_field_takes_a_json_integer(api: APIClient, value: Any) -> None:
    body = {"customer_id": "c9", "name": "N", "segment": "enterprise", "licensed_seats": value}
    response = api.post("/api/v1/customers", body, format="json")
    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [
        ("licensed_seats", "invalid")
    ]
    response = api.post("/api/v1/customers/bulk", [body], format="json")
    assert _item_errors(response) == [(0, "licensed_seats", "invalid")]
    CustomerFactory(customer_id="c1", licensed_seats=5)
    response = api.patch("/api/v1/customers/c1", {"licensed_seats": value}, format="json")
    assert response.status_code == 400
    assert Customer.objects.get(customer_id="c1").licensed_seats == 5
    assert not Customer.objects.filter(customer_id="c9").exists()


def test_number_fields_take_json_numbers_never_strings() -> None:
    bad = TriggerConditionsSerializer(data={"health_score_drop": "10"})
    assert not bad.is_valid()
    assert bad.errors["health_score_drop"][0].code == "invalid"
    good = TriggerConditionsSerializer(data={"health_score_drop": 10, "usage_decline": 0.5})
    assert good.is_valid(), good.errors
    assert good.validated_data == {"health_score_drop": 10.0, "usage_decline": 0.5}


# Key-like text -------------------------------------------------------------------------------

KEYLIKE = [
    (name, schema, spec.name, spec.kind)
    for name, schema in BULK_SCHEMAS
    for spec in schema.specs
    if spec.kind in ("key", "email") or not spec.trim
]


def test_the_key_like_bulk_fields_are_found() -> None:
    fields = {field for _, _, field, _ in KEYLIKE}
    assert {"feature_id", "owner_email", "respondent_email", "success_manager"} <= fields


@pytest.mark.parametrize(
    ("name", "schema", "field", "kind"), KEYLIKE, ids=[f"{n}.{f}" for n, _, f, _ in KEYLIKE]
)
def test_every_key_like_bulk_field_refuses_whitespace(
    name: str, schema: BulkSchema, field: str, kind: str
) -> None:
    good = "a@b.co" if kind == "email" else "abc"
    for bad in (f"{good}\n", f" {good}", f"{good} ", f"{good}\t"):
        with pytest.raises(BulkValidationError) as caught:
            schema.validate([{field: bad}])
        codes = [e["code"] for e in caught.value.item_errors if e["field"] == field]
        assert codes == ["invalid"], (field, bad)


def test_path_lookups_match_exactly(api: APIClient) -> None:
    TeamMemberFactory(email="aisha.kim@company.com")
    customer = CustomerFactory(customer_id="c1")
    StakeholderFactory(customer=customer, email="ann@client.example")
    assert api.get("/api/v1/team-members/aisha.kim@company.com").status_code == 200
    assert api.get("/api/v1/team-members/aisha.kim@company.com%0A").status_code == 404
    assert api.get("/api/v1/team-members/%20aisha.kim@company.com").status_code == 404
    stakeholder = "/api/v1/customers/c1/stakeholders/ann@client.example"
    assert api.get(stakeholder).status_code == 200
    assert api.get(f"{stakeholder}%0A").status_code == 404


def test_emails_in_bodies_refuse_whitespace(api: APIClient) -> None:
    for email in ("a@b.io\n", " a@b.io"):
        response = api.post("/api/v1/team-members", {"email": email, "name": "A"}, format="json")
        assert response.status_code == 400, email
        assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [("email", "invalid")]
    assert not TeamMember.objects.exists()
    CustomerFactory(customer_id="c1")
    response = api.post(
        "/api/v1/customers/c1/stakeholders", {"email": "x@y.io\n", "name": "X"}, format="json"
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("model", "field"),
    [
        ("finance_contract", "value"),
        ("finance_invoice", "amount"),
        ("product_feature", "list_price"),
    ],
)
def test_admin_money_fields_take_whole_units(
    client: Any, admin_user: Any, model: str, field: str
) -> None:
    from django.urls import reverse

    client.force_login(admin_user)
    response = client.post(reverse(f"admin:{model}_add"), {field: "12.50"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors[field] == ["Enter a whole number."]
