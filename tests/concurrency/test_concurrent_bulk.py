"""Bulk upserts racing on PostgreSQL: two batches with overlapping new keys sent at once both
succeed, the counts add up, and each new row (with its history and events) exists once."""

from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from django.db.models import Model
from rest_framework.test import APIClient

from customers.models import Customer, LifecycleChange
from finance.models import Contract, ExpansionOpportunity, Invoice, ValueRecord
from integrations.clock import today
from integrations.models import Event
from operations.models import SupportTicket, SurveyResponse, Task
from product.models import Feature, FeatureUsage
from tests.conftest import MakeClient
from tests.customers.factories import CustomerFactory, TeamMemberFactory
from tests.product.factories import FeatureFactory

from .test_concurrent_writes import ROUNDS, race, statuses

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SIZE = 30  # keys per batch; the two batches share half of them


def _customer(key: str) -> dict[str, Any]:
    return {"customer_id": key, "name": f"Customer {key}", "segment": "enterprise"}


def _contract(key: str) -> dict[str, Any]:
    return {
        "contract_id": key,
        "customer_id": "c1",
        "start_date": "2025-01-01",
        "end_date": "2025-12-31",
        "value": 1200,
        "term": "1_year",
        "status": "active",
    }


def _invoice(key: str) -> dict[str, Any]:
    return {
        "invoice_id": key,
        "customer_id": "c1",
        "issued_on": "2025-01-01",
        "due_on": "2025-01-31",
        "amount": 100,
    }


def _opportunity(key: str) -> dict[str, Any]:
    return {
        "opportunity_id": key,
        "customer_id": "c1",
        "type": "upsell",
        "product": "feat_a",
        "value": 1000,
        "probability": 1.0,
        "expected_close": "q1_2025",
        "status": "won",
        "closed_value": 900,
        "closed_on": "2025-02-01",
        "source": "cs",
    }


def _value_record(key: str) -> dict[str, Any]:
    return {
        "record_id": key,
        "customer_id": "c1",
        "date": "2025-02-01",
        "category": "cost_saving",
        "amount": 500,
        "recorded_by": "sam@company.com",
    }


def _survey(key: str) -> dict[str, Any]:
    return {
        "response_id": key,
        "customer_id": "c1",
        "respondent_email": "pat@client.example",
        "kind": "nps",
        "score": 9,
        "answered_at": "2025-05-01T10:00:00Z",
    }


def _task(key: str) -> dict[str, Any]:
    return {
        "task_id": key,
        "customer_id": "c1",
        "kind": "check_in",
        "owner_email": "sam@company.com",
        "title": "Check in",
        "due_at": "2025-04-01T15:00:00Z",
    }


def _ticket(key: str) -> dict[str, Any]:
    return {
        "ticket_id": key,
        "customer_id": "c1",
        "opened_at": "2025-03-01T09:00:00Z",
        "priority": "normal",
        "status": "open",
    }


def _feature(key: str) -> dict[str, Any]:
    return {"feature_id": key, "name": f"Feature {key}"}


def _usage(key: str) -> dict[str, Any]:
    n, i = (int(part) for part in key[1:].split("_"))
    # One (customer, feature, date) key per item, up to 645 days back: within retention (a
    # fixed day would fall out of it as time passes, and ingestion refuses such days).
    day = today() - timedelta(days=n * 50 + i)
    return {
        "customer_id": "c1",
        "feature_id": "feat_a",
        "date": day.isoformat(),
        "events": 3,
        "active_users": 1,
    }


ENDPOINTS: dict[str, tuple[str, Callable[[str], dict[str, Any]], type[Model]]] = {
    "customers": ("/api/v1/customers/bulk", _customer, Customer),
    "contracts": ("/api/v1/cs-finance/contracts", _contract, Contract),
    "invoices": ("/api/v1/cs-finance/invoices", _invoice, Invoice),
    "opportunities": ("/api/v1/cs-finance/opportunities", _opportunity, ExpansionOpportunity),
    "value_records": ("/api/v1/cs-finance/value-records", _value_record, ValueRecord),
    "surveys": ("/api/v1/cs-ops/surveys", _survey, SurveyResponse),
    "tasks": ("/api/v1/cs-ops/tasks", _task, Task),
    "tickets": ("/api/v1/cs-ops/tickets", _ticket, SupportTicket),
    "features": ("/api/v1/cs-product/features", _feature, Feature),
    "usage": ("/api/v1/cs-product/usage", _usage, FeatureUsage),
}


@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_racing_batches_with_overlapping_new_keys_both_succeed(
    name: str, make_client: MakeClient
) -> None:
    url, build, model = ENDPOINTS[name]
    CustomerFactory.create(customer_id="c1")
    TeamMemberFactory.create(email="sam@company.com")
    FeatureFactory.create(feature_id="feat_a")
    before = model._default_manager.count()
    a: APIClient = make_client()
    b: APIClient = make_client()
    for n in range(ROUNDS):
        first = [build(f"k{n}_{i}") for i in range(SIZE)]
        # The second batch lists its keys in reverse: the inserts must not deadlock.
        second = [build(f"k{n}_{i}") for i in reversed(range(SIZE // 2, SIZE + SIZE // 2))]
        responses = race(
            partial(a.post, url, first, format="json"),
            partial(b.post, url, second, format="json"),
        )
        assert statuses(responses) == [200, 200], [r.json() for r in responses]
        counts = [r.json() for r in responses]
        for body, batch in zip(counts, (first, second), strict=True):
            assert body["created"] + body["updated"] + body["unchanged"] == len(batch)
            assert body["updated"] == 0  # both batches carry the same values
        distinct = SIZE + SIZE // 2
        assert sum(body["created"] for body in counts) == distinct, counts
        assert model._default_manager.count() == before + distinct * (n + 1)
    if name == "customers":  # one history row and one creation event per new customer
        created = Customer.objects.exclude(customer_id="c1").count()
        assert LifecycleChange.objects.count() == created
        assert Event.objects.filter(type="customer.created").count() == created
    if name == "opportunities":  # created as won: one opportunity.won each, never twice
        won = ExpansionOpportunity.objects.count()
        assert Event.objects.filter(type="opportunity.won").count() == won
