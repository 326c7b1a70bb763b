"""Key and email filters match the value as given: a trailing newline or space is a 400
`invalid` (the key pattern / a valid email), never trimmed into the exact value's rows.
Every list documenting `customer_id` is covered (read from the published schema)."""

from typing import Any

import pytest
from rest_framework.test import APIClient

from integrations.api.query_params import documented_query_params
from integrations.ids import KEY_MESSAGE
from tests.customers.factories import CustomerFactory, TeamMemberFactory
from tests.operations.factories import TaskFactory

pytestmark = pytest.mark.django_db

WITH_CUSTOMER_ID = sorted(
    path
    for (path, method), params in documented_query_params().items()
    if method == "GET" and "customer_id" in params and "{" not in path
)
PADDED = ("{}\n", "{} ", " {}", "{}\t")


def _errors(response: Any) -> list[tuple[str, str]]:
    return [(e["attr"], e["code"]) for e in response.json()["errors"]]


def test_the_covered_lists() -> None:
    assert "/api/v1/cs-ops/tasks" in WITH_CUSTOMER_ID
    assert "/api/v1/events" in WITH_CUSTOMER_ID
    assert len(WITH_CUSTOMER_ID) >= 8


@pytest.mark.parametrize("path", WITH_CUSTOMER_ID)
def test_a_padded_customer_id_is_400(api: APIClient, path: str) -> None:
    CustomerFactory(customer_id="cust_1")
    assert api.get(path, {"customer_id": "cust_1"}).status_code == 200
    for padded in PADDED:
        response = api.get(path, {"customer_id": padded.format("cust_1")})
        assert response.status_code == 400, (path, padded)
        assert _errors(response) == [("customer_id", "invalid")]
        assert response.json()["errors"][0]["detail"] == KEY_MESSAGE


def test_a_padded_feature_id_is_400(api: APIClient) -> None:
    response = api.get("/api/v1/cs-product/usage", {"feature_id": "feat_1\n"})
    assert response.status_code == 400
    assert _errors(response) == [("feature_id", "invalid")]


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/api/v1/customers", "success_manager"),
        ("/api/v1/cs-ops/tasks", "owner_email"),
        ("/api/v1/cs-ops/alerts", "owner_email"),
    ],
)
def test_a_padded_email_is_400_and_the_exact_one_matches(
    api: APIClient, path: str, param: str
) -> None:
    csm = TeamMemberFactory(email="aisha.kim@company.com")
    customer = CustomerFactory(customer_id="cust_1", success_manager=csm)
    TaskFactory(customer=customer, owner=csm)
    exact = api.get(path, {param: "aisha.kim@company.com"})
    assert exact.status_code == 200
    if path != "/api/v1/cs-ops/alerts":
        assert len(exact.json()["results"]) == 1
    # (case-insensitive as before)
    assert api.get(path, {param: "Aisha.Kim@company.com"}).status_code == 200
    for padded in PADDED:
        response = api.get(path, {param: padded.format("aisha.kim@company.com")})
        assert response.status_code == 400, (path, padded)
        assert _errors(response) == [(param, "invalid")]


def test_exact_text_filters_are_not_trimmed(api: APIClient) -> None:
    # No pattern to refuse against: the padded value is a different value, so no rows.
    from integrations.events import publish

    publish("customer.created", customer_id=None, data={})
    assert len(api.get("/api/v1/events", {"type": "customer.created"}).json()["results"]) == 1
    padded = api.get("/api/v1/events", {"type": "customer.created\n"})
    assert padded.status_code == 200
    assert padded.json()["results"] == []
