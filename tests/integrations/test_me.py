"""GET /api/v1/me: who the API sees (the benchmark's framework floor, and a key set-up check)."""

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.test import APIClient

from integrations.models import ApiKey
from integrations.scopes import ALL_SCOPES
from tests.conftest import MakeClient

URL = "/api/v1/me"


def test_a_key_sees_its_name_prefix_and_scopes(make_client: MakeClient) -> None:
    expiry = timezone.now() + timedelta(days=3)
    client = make_client("sales:read", "customers:write", expiry_date=expiry)
    key = ApiKey.objects.get()
    response = client.get(URL)
    assert response.status_code == 200
    assert response.json() == {
        "kind": "api_key",
        "client": "test",
        "key_prefix": key.prefix,
        # In the catalogue's order, whatever order they were given in.
        "scopes": ["customers:write", "sales:read"],
        "expires_at": expiry.isoformat().replace("+00:00", "Z"),
    }
    assert client.raw_key.startswith(f"{key.prefix}.")


def test_any_single_scope_is_enough(make_client: MakeClient) -> None:
    response = make_client("webhooks:write").get(f"{URL}/")
    assert response.status_code == 200
    assert response.json()["scopes"] == ["webhooks:write"]
    assert response.json()["expires_at"] is None


@pytest.mark.django_db
def test_no_key_is_401_with_the_challenge() -> None:
    response = APIClient().get(URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"
    assert response.json()["errors"][0]["code"] == "not_authenticated"


def test_a_revoked_key_is_401(make_client: MakeClient) -> None:
    client = make_client("customers:read")
    ApiKey.objects.update(revoked=True)
    response = client.get(URL)
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "authentication_failed"


def test_writes_are_405(make_client: MakeClient) -> None:
    assert make_client().post(URL, {}, format="json").status_code == 405


def test_a_superuser_session_sees_every_scope(staff: Any, admin_user: Any) -> None:
    response = staff.get(URL, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json() == {
        "kind": "staff_user",
        "client": admin_user.get_username(),
        "key_prefix": None,
        "scopes": list(ALL_SCOPES),
        "expires_at": None,
    }


def test_it_reads_nothing_past_authentication(
    make_client: MakeClient, django_assert_max_num_queries: Any
) -> None:
    client = make_client("customers:read")
    with django_assert_max_num_queries(1):  # the key lookup
        assert client.get(URL).status_code == 200


def test_documented_in_the_schema(make_client: MakeClient) -> None:
    schema = make_client().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/me"]["get"]
    assert set(operation["responses"]) >= {"200", "401"}
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    properties = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"]
    assert set(properties) == {"kind", "client", "key_prefix", "scopes", "expires_at"}


@pytest.mark.django_db
def test_other_staff_sessions_see_the_read_scopes_only(client: Any) -> None:
    """A CSM signed in to the admin may read through the API; writes need a superuser."""
    csm = get_user_model().objects.create_user("csm", password="pw-123456", is_staff=True)
    client.force_login(csm)
    body = client.get(URL, HTTP_ACCEPT="application/json").json()
    assert body["kind"] == "staff_user"
    assert body["scopes"] == [s for s in ALL_SCOPES if s.endswith(":read")]
    assert len(body["scopes"]) == len(ALL_SCOPES) // 2
