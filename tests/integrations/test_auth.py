from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from customers.models import Customer
from integrations.models import ApiKey
from tests.conftest import MakeClient
from tests.support.errors import assert_error

URL = "/api/v1/customers"


def _error_code(response: Any) -> str:
    return response.json()["errors"][0]["code"]


@pytest.mark.django_db
def test_no_credentials_is_401_with_challenge() -> None:
    response = APIClient().get(URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"
    assert response.json()["type"] == "client_error"


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["Api-Key nope.nope", "Api-Key ", "Api-Key a b", "Api-Key x"])
def test_unknown_or_malformed_key_is_401(header: str) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(URL)
    assert response.status_code == 401
    assert _error_code(response) == "authentication_failed"


def test_revoked_key_is_401(make_client: MakeClient) -> None:
    client = make_client("customers:read")
    assert client.get(URL).status_code == 200
    ApiKey.objects.update(revoked=True)
    assert client.get(URL).status_code == 401


def test_expired_key_is_401(make_client: MakeClient) -> None:
    client = make_client("customers:read", expiry_date=timezone.now() - timedelta(seconds=1))
    response = client.get(URL)
    assert response.status_code == 401
    assert "expired" in response.json()["errors"][0]["detail"]


def test_read_scope_cannot_write(make_client: MakeClient) -> None:
    client = make_client("customers:read")
    assert client.get(URL).status_code == 200
    response = client.post(
        URL, {"customer_id": "c1", "name": "C", "segment": "enterprise"}, format="json"
    )
    assert response.status_code == 403
    assert "customers:write" in response.json()["errors"][0]["detail"]


def test_write_scope_alone_cannot_read(make_client: MakeClient) -> None:
    client = make_client("customers:write")
    assert client.get(URL).status_code == 403


def test_other_domain_scope_is_403(make_client: MakeClient) -> None:
    client = make_client("product:read", "product:write")
    assert client.get(URL).status_code == 403
    assert client.get("/api/v1/events").status_code == 403


@pytest.mark.django_db
def test_staff_session_may_use_the_api_but_other_users_may_not() -> None:
    user_model = get_user_model()
    staff = user_model.objects.create_user("staff", password="pw-123456", is_staff=True)
    plain = user_model.objects.create_user("plain", password="pw-123456")
    client = APIClient()
    client.force_login(plain)
    assert client.get(URL).status_code == 403
    client.force_login(staff)
    assert client.get(URL).status_code == 200


@pytest.mark.django_db
def test_a_staff_session_writes_through_the_api_only_as_a_superuser() -> None:
    """A CSM's admin session must not write what the admin forbids it (a contract, say):
    writes through the API take a key or a superuser; the admin keeps its permissions."""
    user_model = get_user_model()
    csm = user_model.objects.create_user("csm", password="pw-123456", is_staff=True)
    boss = user_model.objects.create_superuser("boss", "boss@example.com", "pw-123456")
    body = {"customer_id": "cust_staff_1", "name": "Staff Write", "segment": "enterprise"}
    client = APIClient()
    client.force_login(csm)
    error = assert_error(client.post(URL, body, format="json"), 403, "permission_denied")
    assert "superuser" in error["detail"]
    assert not Customer.objects.filter(customer_id="cust_staff_1").exists()
    client.force_login(boss)
    created = client.post(URL, body, format="json")
    assert created.status_code == 201, created.content
    assert Customer.objects.filter(customer_id="cust_staff_1").exists()


def test_per_key_throttle_gives_429_with_retry_after(make_client: MakeClient) -> None:
    cache.clear()
    client = make_client("customers:read", throttle_rate="2/min")
    other = make_client("customers:read", throttle_rate="2/min")
    assert client.get(URL).status_code == 200
    assert client.get(URL).status_code == 200
    response = client.get(URL)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert _error_code(response) == "throttled"
    assert other.get(URL).status_code == 200  # limits are per key


@pytest.mark.django_db
def test_create_api_key_command_prints_a_working_key(capsys: Any) -> None:
    call_command("create_api_key", "--name", "crm", "--scopes", "customers:read,product:write")
    raw = capsys.readouterr().out.strip()
    key = ApiKey.objects.get(prefix=raw.split(".")[0])
    assert key.scopes == ["customers:read", "product:write"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert client.get(URL).status_code == 200
    assert raw not in key.hashed_key  # only a hash is stored


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", "x", "--scopes", "customers:admin"], "Unknown scope"),
        (["--name", "x", "--scopes", ""], "At least one scope"),
        (["--name", "", "--scopes", "customers:read"], "--name"),
        (["--name", "x", "--scopes", "*", "--rate", "fast"], "--rate"),
        (["--name", "x", "--scopes", "*", "--expires-in-days", "0"], "positive"),
    ],
)
def test_create_api_key_rejects_bad_arguments(args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("create_api_key", *args)
    assert not ApiKey.objects.exists()
