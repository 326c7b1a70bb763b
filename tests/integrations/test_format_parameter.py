"""`?format=` is not a documented parameter: refused like any other (issue 9, follow-up).
A staff browser gets the browsable HTML through its Accept header instead."""

import pytest
from rest_framework.test import APIClient

from integrations.api.query_params import documented_query_params

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["api", "json"])
@pytest.mark.parametrize("path", ["/api/v1/customers", "/api/v1/events"])
def test_format_is_an_unknown_parameter(api: APIClient, path: str, value: str) -> None:
    response = api.get(path, {"format": value})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert [(e["code"], e["attr"]) for e in response.json()["errors"]] == [
        ("unknown_parameter", "format")
    ]


def test_no_operation_documents_format() -> None:
    assert not [op for op, params in documented_query_params().items() if "format" in params]


def test_the_schema_keeps_its_format_switch(api: APIClient) -> None:
    response = api.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    assert response.json()["openapi"].startswith("3.")
    yaml = api.get("/api/schema/", {"format": "yaml"})
    assert yaml["Content-Type"].startswith("application/vnd.oai.openapi;")
