"""Cursors are signed: on every list (derived from the published schema) a cursor the server
did not issue is 400 `invalid_cursor`, whatever the list is ordered by; issued ones page."""

import base64
import re
from typing import Any
from urllib.parse import unquote

import pytest
from rest_framework.test import APIClient

from integrations.api.query_params import documented_query_params
from tests.customers.factories import CustomerFactory
from tests.marketing.campaign_support import campaign_named
from tests.product.factories import FeatureFactory
from tests.webhooks.factories import endpoint_for

pytestmark = pytest.mark.django_db

LISTS = sorted(
    path
    for (path, method), params in documented_query_params().items()
    if method == "GET" and "cursor" in params
)
# DRF's own, unsigned cursors: base64 of a position that is valid text for a string key.
CRAFTED = [
    base64.b64encode(text.encode()).decode() for text in ("p=garbage", "o=1", "r=1&p=zzz", "")
]


def _url(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "c1", path)


@pytest.mark.parametrize("path", LISTS)
def test_a_cursor_the_server_did_not_issue_is_400(api: APIClient, path: str) -> None:
    CustomerFactory(customer_id="c1")
    FeatureFactory(feature_id="c1")
    endpoint_for(api, "c1")
    campaign_named("c1")
    for cursor in CRAFTED:
        response = api.get(_url(path), {"cursor": cursor})
        assert response.status_code == 400, (path, cursor)
        assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [
            ("cursor", "invalid_cursor")
        ]


def test_issued_cursors_page_and_a_tampered_one_is_refused(api: APIClient) -> None:
    for i in range(3):
        CustomerFactory(customer_id=f"cust_{i}")
    seen: list[str] = []
    url: Any = "/api/v1/customers?page_size=1"
    while url:
        body = api.get(url).json()
        seen += [c["customer_id"] for c in body["results"]]
        url = body["next"]
        if url:
            cursor = re.search(r"cursor=([^&]+)", url)
            assert cursor is not None
            forged = cursor.group(1)[:-1] + ("A" if cursor.group(1)[-1] != "A" else "B")
            response = api.get("/api/v1/customers", {"cursor": forged, "page_size": "1"})
            assert response.status_code == 400
    assert seen == ["cust_0", "cust_1", "cust_2"]


# A cursor belongs to its list and its filters ------------------------------------------


def _next_cursor(api: APIClient, path: str, params: dict[str, Any] | None = None) -> str:
    body = api.get(path, {"page_size": 1, **(params or {})}).json()
    found = re.search(r"cursor=([^&]+)", body["next"] or "")
    assert found is not None, (path, body)
    return unquote(found.group(1))


def _issued_cursors(api: APIClient) -> dict[str, str]:
    """Real cursors from three lists with rows (customers, tickets, events)."""
    from integrations.events import publish
    from tests.operations.factories import SupportTicketFactory, TaskFactory

    c1 = CustomerFactory(customer_id="c1")
    CustomerFactory(customer_id="c2")
    FeatureFactory(feature_id="c1")
    endpoint_for(api, "c1")
    campaign_named("c1")
    SupportTicketFactory.create_batch(2, customer=c1)
    TaskFactory.create_batch(2, customer=c1)
    for _ in range(2):
        publish("customer.created", customer_id="c1", data={})
    return {
        path: _next_cursor(api, path)
        for path in ("/api/v1/customers", "/api/v1/cs-ops/tickets", "/api/v1/events")
    }


def test_a_cursor_from_one_list_is_refused_on_every_other_list(api: APIClient) -> None:
    issued = _issued_cursors(api)
    for source, cursor in issued.items():
        # (the cursor pages on its own list)
        assert api.get(source, {"cursor": cursor, "page_size": "1"}).status_code == 200
        for path in LISTS:
            if path == source:
                continue
            response = api.get(_url(path), {"cursor": cursor})
            assert response.status_code == 400, (source, path)
            assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [
                ("cursor", "invalid_cursor")
            ]
    # the issue's pair: a tickets cursor on the tasks list
    tasks = api.get("/api/v1/cs-ops/tasks", {"cursor": issued["/api/v1/cs-ops/tickets"]})
    assert tasks.status_code == 400


def test_a_cursor_with_other_filters_is_refused(api: APIClient) -> None:
    for i in range(4):
        CustomerFactory(customer_id=f"cust_{i}", status="active" if i % 2 else "churned")
    cursor = _next_cursor(api, "/api/v1/customers", {"status": "active"})
    ok = api.get("/api/v1/customers", {"status": "active", "cursor": cursor, "page_size": "1"})
    assert [c["customer_id"] for c in ok.json()["results"]] == ["cust_3"]
    for params in ({"status": "churned"}, {}, {"status": "active", "segment": "enterprise"}):
        response = api.get("/api/v1/customers", {**params, "cursor": cursor})
        assert response.status_code == 400, params
        assert response.json()["errors"][0]["code"] == "invalid_cursor"


def test_a_cursor_keeps_working_when_the_page_size_changes(api: APIClient) -> None:
    for i in range(5):
        CustomerFactory(customer_id=f"cust_{i}")
    cursor = _next_cursor(api, "/api/v1/customers")
    response = api.get("/api/v1/customers", {"cursor": cursor, "page_size": "3"})
    assert response.status_code == 200
    assert [c["customer_id"] for c in response.json()["results"]] == ["cust_1", "cust_2", "cust_3"]
