"""Cursors are signed: on every list (derived from the published schema) a cursor the server
did not issue is 400 `invalid_cursor`, whatever the list is ordered by; issued ones page."""

import base64
import re
from typing import Any

import pytest
from rest_framework.test import APIClient

from integrations.api.query_params import documented_query_params
from tests.customers.factories import CustomerFactory
from tests.product.factories import FeatureFactory

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
            response = api.get("/api/v1/customers", {"cursor": forged, "page_size": 1})
            assert response.status_code == 400
    assert seen == ["cust_0", "cust_1", "cust_2"]
