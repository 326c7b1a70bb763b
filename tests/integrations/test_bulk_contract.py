"""The bulk ingestion contract (README: bulk), once, over every bulk endpoint: all or
nothing, every bad item reported with index, field and code, a re-sent batch changes
nothing, and more than CS_HUB_BULK_MAX_ITEMS items are refused before any item is read.
Resource-specific rules stay in each app's tests."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db.models import Model
from rest_framework.test import APIClient

from customers.models import Customer
from finance.models import Contract, ExpansionOpportunity, Invoice, ValueRecord
from operations.models import SupportTicket, SurveyResponse, Task
from product.models import Feature, FeatureUsage
from tests.customers.factories import CustomerFactory
from tests.integrations.test_bulk_docs import BULK
from tests.product.factories import FeatureFactory
from tests.support.errors import assert_error

Item = Callable[[int], dict[str, Any]]


@dataclass(frozen=True)
class Endpoint:
    url: str
    model: type[Model]
    item: Item  # a valid item, distinct per i
    bad_field: str  # set to a malformed key: an `invalid` item error

    def __str__(self) -> str:
        return self.url.rsplit("/v1/", 1)[1]


ENDPOINTS = [
    Endpoint(
        "/api/v1/customers/bulk",
        Customer,
        lambda i: {"customer_id": f"cust_{i}", "name": "Acme", "segment": "enterprise"},
        "customer_id",
    ),
    Endpoint(
        "/api/v1/cs-product/features",
        Feature,
        lambda i: {"feature_id": f"feat_{i}", "name": "Analytics"},
        "feature_id",
    ),
    Endpoint(
        "/api/v1/cs-product/usage",
        FeatureUsage,
        lambda i: {
            "customer_id": "c1",
            "feature_id": "feat_a",
            "date": f"2025-01-{i + 1:02d}",
            "events": 5,
            "active_users": 2,
        },
        "customer_id",
    ),
    Endpoint(
        "/api/v1/cs-ops/tickets",
        SupportTicket,
        lambda i: {
            "ticket_id": f"TCK-{i}",
            "customer_id": "c1",
            "opened_at": "2025-03-01T09:00:00Z",
            "priority": "normal",
            "status": "open",
        },
        "ticket_id",
    ),
    Endpoint(
        "/api/v1/cs-ops/surveys",
        SurveyResponse,
        lambda i: {
            "response_id": f"nps_{i}",
            "customer_id": "c1",
            "respondent_email": "pat@client.com",
            "kind": "nps",
            "score": 9,
            "answered_at": "2025-03-01T09:00:00Z",
        },
        "response_id",
    ),
    Endpoint(
        "/api/v1/cs-ops/tasks",
        Task,
        lambda i: {"task_id": f"task_{i}", "customer_id": "c1", "kind": "call", "title": "Call"},
        "task_id",
    ),
    Endpoint(
        "/api/v1/cs-finance/contracts",
        Contract,
        lambda i: {
            "contract_id": f"ctr_{i}",
            "customer_id": "c1",
            "start_date": "2025-01-01",
            "end_date": "2025-12-31",
            "value": 1200,
            "term": "1_year",
        },
        "contract_id",
    ),
    Endpoint(
        "/api/v1/cs-finance/invoices",
        Invoice,
        lambda i: {
            "invoice_id": f"inv_{i}",
            "customer_id": "c1",
            "issued_on": "2025-01-01",
            "due_on": "2025-02-01",
            "amount": 100,
        },
        "invoice_id",
    ),
    Endpoint(
        "/api/v1/cs-finance/opportunities",
        ExpansionOpportunity,
        lambda i: {
            "opportunity_id": f"opp_{i}",
            "customer_id": "c1",
            "type": "upsell",
            "product": "feat_a",
            "value": 1000,
            "probability": 0.5,
            "expected_close": "q3_2025",
            "source": "cs",
        },
        "opportunity_id",
    ),
    Endpoint(
        "/api/v1/cs-finance/value-records",
        ValueRecord,
        lambda i: {
            "record_id": f"val_{i}",
            "customer_id": "c1",
            "date": "2025-01-01",
            "category": "cost_saving",
            "amount": 100,
            "recorded_by": "sam@company.com",
        },
        "record_id",
    ),
]


@pytest.fixture(params=ENDPOINTS, ids=str)
def endpoint(request: pytest.FixtureRequest, db: None) -> Endpoint:
    CustomerFactory.create(customer_id="c1")
    FeatureFactory.create(feature_id="feat_a")
    chosen: Endpoint = request.param
    return chosen


def _rows(endpoint: Endpoint) -> int:
    return endpoint.model._default_manager.count()


def test_one_bad_item_rejects_the_batch_and_every_error_is_reported(
    api: APIClient, endpoint: Endpoint
) -> None:
    before = _rows(endpoint)
    batch = [endpoint.item(0), endpoint.item(1), endpoint.item(2), endpoint.item(3)]
    batch[1][endpoint.bad_field] = "not a key!"
    batch[3]["unexpected"] = 1
    response = api.post(endpoint.url, batch, format="json")
    first = assert_error(response, 400, "invalid", f"1.{endpoint.bad_field}")
    assert (first["index"], first["field"]) == (1, endpoint.bad_field)
    assert_error(response, 400, "unknown_field", "3.unexpected", position=1)
    assert len(response.json()["errors"]) == 2
    assert _rows(endpoint) == before  # all or nothing


def test_a_resent_batch_changes_nothing(api: APIClient, endpoint: Endpoint) -> None:
    batch = [endpoint.item(0), endpoint.item(1)]
    first = api.post(endpoint.url, batch, format="json")
    assert first.status_code == 200, first.json()
    assert first.json() == {"created": 2, "updated": 0, "unchanged": 0}
    again = api.post(endpoint.url, batch, format="json")
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 2}


def test_10_001_items_are_refused(api: APIClient, endpoint: Endpoint) -> None:
    before = _rows(endpoint)
    batch = [endpoint.item(0)] * 10_001
    response = api.post(endpoint.url, batch, format="json")
    error = assert_error(response, 400, "too_many_items")
    assert (error["index"], error["field"]) == (None, None)
    assert _rows(endpoint) == before


def test_every_bulk_endpoint_is_covered() -> None:
    # test_bulk_docs checks that BULK names every bulk POST the published schema has.
    assert {e.url for e in ENDPOINTS} == set(BULK)
