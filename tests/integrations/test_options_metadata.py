"""OPTIONS describes the endpoint and points at the schema; it never guesses a request body
from the response serializer (DRF's default listed `campaign_id`, `status`, ... as POST
input of /cs-marketing/campaigns)."""

from typing import Any

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/api/v1/cs-marketing/campaigns", {"GET", "POST"}),
        ("/api/v1/customers", {"GET", "POST"}),
        ("/api/v1/cs-sales/expansion", {"GET"}),
    ],
)
def test_options_points_at_the_schema(api: Any, path: str, methods: set[str]) -> None:
    response = api.options(path)
    assert response.status_code == 200
    body = response.json()
    assert "actions" not in body
    assert body["schema"] == "/api/schema/"
    assert set(body["allowed_methods"]) == methods


def test_options_needs_a_key(client: Any) -> None:
    assert client.options("/api/v1/cs-marketing/campaigns").status_code == 401
