"""Django's own errors on /api/ paths (raised before or outside DRF) use the API's JSON error
shape under DEBUG off, e.g. a Host header not in ALLOWED_HOSTS; other paths keep HTML."""

import json
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory, override_settings
from django.urls import get_resolver


@pytest.mark.django_db
@override_settings(DEBUG=False, ALLOWED_HOSTS=["api.example"])
def test_a_host_not_allowed_is_a_json_400_on_api_paths() -> None:
    client = Client()
    response = client.get("/api/v1/customers", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert body["type"] == "client_error"
    assert [e["code"] for e in body["errors"]] == ["bad_request"]
    # not an /api/ path: Django's page
    response = client.get("/admin/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(("status", "code"), [(400, "bad_request"), (403, "permission_denied")])
def test_the_400_and_403_handlers_answer_json_on_api_paths(status: int, code: str) -> None:
    handler: Any = get_resolver().resolve_error_handler(status)
    request = RequestFactory().get("/api/v1/anything")
    response = handler(request, PermissionDenied())
    assert response.status_code == status
    assert [e["code"] for e in json.loads(response.content)["errors"]] == [code]


def test_the_500_handler_answers_json_on_api_paths() -> None:
    response = get_resolver().resolve_error_handler(500)(RequestFactory().get("/api/v1/x"))
    assert response.status_code == 500
    assert json.loads(response.content)["type"] == "server_error"
