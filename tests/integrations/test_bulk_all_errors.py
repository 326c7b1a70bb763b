"""Every bulk endpoint reports all item errors in one response (README "Bulk ingestion"):
field errors and unknown references (customers, features, team members, contracts) together,
also on items that have field errors, and nothing is written."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.db.models import Model
from django.utils import timezone
from rest_framework.test import APIClient

from customers.models import Customer, TeamMember
from finance.models import Contract, ExpansionOpportunity, Invoice, ValueRecord
from operations.models import SupportTicket, SurveyResponse, Task
from product.models import Feature, FeatureUsage
from tests.customers.factories import CustomerFactory, TeamMemberFactory
from tests.product.factories import FeatureFactory

Error = tuple[int, str, str]


def _day(days_ago: int = 0) -> str:
    return (timezone.localdate() - timedelta(days=days_ago)).isoformat()


def _moment(days_ago: int = 1) -> str:
    return (timezone.now() - timedelta(days=days_ago)).isoformat()


@dataclass
class Endpoint:
    url: str
    model: type[Model]
    item: Callable[[int], dict[str, Any]]  # a valid item
    bad_field: tuple[str, Any, str]  # (field, value, code): a field error
    # (field, value, code): unknown references; the first names the customer where one exists
    bad_refs: list[tuple[str, Any, str]] = field(default_factory=list)


UNKNOWN_CUSTOMER = ("customer_id", "cust_ghost", "unknown_customer")

ENDPOINTS = {
    "customers": Endpoint(
        "/api/v1/customers/bulk",
        Customer,
        lambda i: {"customer_id": f"cust_new_{i}", "name": "New", "segment": "enterprise"},
        ("segment", "galactic", "invalid_choice"),
        [("success_manager", "ghost@vendor.example", "unknown_team_member")],
    ),
    "features": Endpoint(
        "/api/v1/cs-product/features",
        Feature,
        lambda i: {"feature_id": f"feat_new_{i}", "name": "New"},
        ("is_key", "yes", "invalid"),
    ),
    "usage": Endpoint(
        "/api/v1/cs-product/usage",
        FeatureUsage,
        lambda i: {
            "customer_id": "c1",
            "feature_id": "feat_a",
            "date": _day(i),
            "events": 3,
            "active_users": 1,
        },
        ("events", -1, "min_value"),
        [UNKNOWN_CUSTOMER, ("feature_id", "feat_ghost", "unknown_feature")],
    ),
    "tickets": Endpoint(
        "/api/v1/cs-ops/tickets",
        SupportTicket,
        lambda i: {
            "ticket_id": f"TCK-{i}",
            "customer_id": "c1",
            "opened_at": _moment(),
            "priority": "high",
            "status": "open",
        },
        ("priority", "huge", "invalid_choice"),
        [UNKNOWN_CUSTOMER],
    ),
    "surveys": Endpoint(
        "/api/v1/cs-ops/surveys",
        SurveyResponse,
        lambda i: {
            "response_id": f"nps_{i}",
            "customer_id": "c1",
            "respondent_email": "someone@client.example",
            "kind": "nps",
            "score": 8,
            "answered_at": _moment(),
        },
        ("kind", "poll", "invalid_choice"),
        [UNKNOWN_CUSTOMER],
    ),
    "tasks": Endpoint(
        "/api/v1/cs-ops/tasks",
        Task,
        lambda i: {"task_id": f"task_{i}", "customer_id": "c1", "kind": "call", "title": "Call"},
        ("kind", "party", "invalid_choice"),
        [UNKNOWN_CUSTOMER, ("owner_email", "ghost@vendor.example", "unknown_team_member")],
    ),
    "contracts": Endpoint(
        "/api/v1/cs-finance/contracts",
        Contract,
        lambda i: {
            "contract_id": f"ctr_{i}",
            "customer_id": "c1",
            "start_date": "2026-01-01",
            "end_date": "2026-12-31",
            "value": 1200,
            "term": "1_year",
        },
        ("term", "forever", "invalid"),
        [UNKNOWN_CUSTOMER, ("renewed_from", "ctr_ghost", "unknown_contract")],
    ),
    "invoices": Endpoint(
        "/api/v1/cs-finance/invoices",
        Invoice,
        lambda i: {
            "invoice_id": f"inv_{i}",
            "customer_id": "c1",
            "issued_on": _day(10),
            "due_on": _day(0),
            "amount": 100,
        },
        ("amount", "lots", "invalid"),
        [UNKNOWN_CUSTOMER],
    ),
    "opportunities": Endpoint(
        "/api/v1/cs-finance/opportunities",
        ExpansionOpportunity,
        lambda i: {
            "opportunity_id": f"opp_{i}",
            "customer_id": "c1",
            "type": "upsell",
            "product": "feat_a",
            "value": 1000,
            "probability": 0.5,
            "expected_close": "q3_2026",
            "source": "cs",
        },
        ("expected_close", "2026-Q3", "invalid"),
        [UNKNOWN_CUSTOMER],
    ),
    "value_records": Endpoint(
        "/api/v1/cs-finance/value-records",
        ValueRecord,
        lambda i: {
            "record_id": f"val_{i}",
            "customer_id": "c1",
            "date": _day(5),
            "category": "time_saved",
            "amount": 100,
            "recorded_by": "sam@company.com",
        },
        ("category", "vibes", "invalid_choice"),
        [UNKNOWN_CUSTOMER],
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", ENDPOINTS)
def test_one_response_lists_field_and_reference_errors(api: APIClient, name: str) -> None:
    CustomerFactory.create(customer_id="c1")
    FeatureFactory.create(feature_id="feat_a")
    TeamMemberFactory.create(email="csm@vendor.example")
    endpoint = ENDPOINTS[name]
    before = endpoint.model.objects.count()
    field_name, bad_value, field_code = endpoint.bad_field
    # Item 0: a field error. Items 1, 2, ...: one unknown reference each. The last item: a
    # field error and an unknown reference together. A valid item in between.
    batch = [{**endpoint.item(0), field_name: bad_value}]
    expected: list[Error] = [(0, field_name, field_code)]
    for ref_field, ref_value, ref_code in endpoint.bad_refs:
        expected.append((len(batch), ref_field, ref_code))
        batch.append({**endpoint.item(len(batch)), ref_field: ref_value})
    batch.append(endpoint.item(len(batch)))
    if endpoint.bad_refs:
        ref_field, ref_value, ref_code = endpoint.bad_refs[0]
        last = len(batch)
        batch.append({**endpoint.item(last), field_name: bad_value, ref_field: ref_value})
        expected += [(last, field_name, field_code), (last, ref_field, ref_code)]

    response = api.post(endpoint.url, batch, format="json")

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["type"] == "validation_error"
    got = [(e["index"], e["field"], e["code"]) for e in body["errors"]]
    assert sorted(got) == sorted(expected)
    assert [e["index"] for e in body["errors"]] == sorted(e["index"] for e in body["errors"])
    assert endpoint.model.objects.count() == before
    assert Customer.objects.count() == 1
    assert TeamMember.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("name", [n for n, e in ENDPOINTS.items() if len(e.bad_refs) > 1])
def test_every_unknown_reference_is_reported_on_a_clean_batch(api: APIClient, name: str) -> None:
    """Without field errors the service resolves the references: all kinds, one response."""
    CustomerFactory.create(customer_id="c1")
    FeatureFactory.create(feature_id="feat_a")
    endpoint = ENDPOINTS[name]
    batch = [endpoint.item(0)]
    expected: list[Error] = []
    for ref_field, ref_value, ref_code in endpoint.bad_refs:
        expected.append((len(batch), ref_field, ref_code))
        batch.append({**endpoint.item(len(batch)), ref_field: ref_value})
    response = api.post(endpoint.url, batch, format="json")
    assert response.status_code == 400, response.content
    assert [(e["index"], e["field"], e["code"]) for e in response.json()["errors"]] == expected
    assert not endpoint.model.objects.exists()
