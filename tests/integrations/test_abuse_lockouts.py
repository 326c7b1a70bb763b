"""Failed API-key authentications and failed admin logins lock the client address out."""

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from integrations import throttling
from integrations.models import ApiKey
from integrations.throttling import client_address
from tests.conftest import MakeClient

URL = "/api/v1/customers"
WINDOW = 60


class Clock:
    """Stands in for time.time() in integrations.throttling; tests move it forward."""

    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch, settings: Any) -> Clock:
    settings.CS_HUB_AUTH_FAILURE_LIMIT = 3
    settings.CS_HUB_AUTH_FAILURE_WINDOW_SECONDS = WINDOW
    clock = Clock()
    monkeypatch.setattr(throttling, "_now", clock)
    return clock


def _client(address: str, header: str) -> APIClient:
    cache.delete_many([f"auth-failures:{address}", f"auth-failures:{address}:until"])
    client = APIClient(REMOTE_ADDR=address)
    client.credentials(HTTP_AUTHORIZATION=header)
    return client


def _code(response: Any) -> str:
    return response.json()["errors"][0]["code"]


def test_failed_key_authentications_lock_the_address_out_until_the_window_ends(
    make_client: MakeClient, clock: Clock
) -> None:
    valid = make_client("customers:read").raw_key
    attacker = _client("203.0.113.7", "Api-Key nope.nope")
    for _ in range(3):
        assert attacker.get(URL).status_code == 401

    locked = attacker.get(URL)
    assert locked.status_code == 429
    assert _code(locked) == "too_many_failed_authentications"
    assert locked.json()["type"] == "client_error"
    assert int(locked["Retry-After"]) == WINDOW
    # Even the right key is refused from that address, and the key is not even looked up.
    attacker.credentials(HTTP_AUTHORIZATION=f"Api-Key {valid}")
    with CaptureQueriesContext(connection) as queries:
        assert attacker.get(URL).status_code == 429
    assert not any(ApiKey._meta.db_table in q["sql"] for q in queries.captured_queries)

    # The same valid key from another address is unaffected.
    assert _client("198.51.100.20", f"Api-Key {valid}").get(URL).status_code == 200

    clock.now += WINDOW - 10
    assert int(attacker.get(URL)["Retry-After"]) == 10
    clock.now += 10
    assert attacker.get(URL).status_code == 200  # the lock-out expired with its window
    # A new window starts from zero.
    attacker.credentials(HTTP_AUTHORIZATION="Api-Key nope.nope")
    assert [attacker.get(URL).status_code for _ in range(4)] == [401, 401, 401, 429]


def test_revoked_expired_and_malformed_keys_count_as_failures(
    make_client: MakeClient, clock: Clock
) -> None:
    revoked = make_client("customers:read", revoked=True).raw_key
    expired = make_client(
        "customers:read", expiry_date=timezone.now() - timedelta(seconds=1)
    ).raw_key
    client = _client("203.0.113.8", "")
    for header in (f"Api-Key {revoked}", f"Api-Key {expired}", "Api-Key a b"):
        client.credentials(HTTP_AUTHORIZATION=header)
        assert client.get(URL).status_code == 401
    assert _code(client.get(URL)) == "too_many_failed_authentications"


def test_failures_spread_over_more_than_a_window_do_not_add_up(db: None, clock: Clock) -> None:
    client = _client("203.0.113.9", "Api-Key nope.nope")
    assert [client.get(URL).status_code for _ in range(2)] == [401, 401]
    clock.now += WINDOW
    assert [client.get(URL).status_code for _ in range(3)] == [401, 401, 401]
    assert client.get(URL).status_code == 429


def test_forwarded_for_is_only_believed_behind_a_declared_proxy(settings: Any, rf: Any) -> None:
    request = rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.50")
    settings.CS_HUB_TRUSTED_PROXY = False
    assert client_address(request) == "10.0.0.5"  # a client cannot choose its address
    settings.CS_HUB_TRUSTED_PROXY = True
    assert client_address(request) == "203.0.113.50"  # the entry our proxy appended
    junk = rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4, not-an-ip")
    assert client_address(junk) == "10.0.0.5"
    assert client_address(rf.get("/", REMOTE_ADDR="")) is None  # axes stores NULL, not junk


def test_spoofed_forwarded_for_does_not_escape_the_lock_out(db: None, clock: Clock) -> None:
    client = _client("203.0.113.10", "Api-Key nope.nope")
    for n in range(3):
        assert client.get(URL, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code == 401
    assert client.get(URL, HTTP_X_FORWARDED_FOR="192.0.2.99").status_code == 429


@pytest.mark.django_db
def test_bearer_token_gets_a_401_naming_the_api_key_scheme() -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer abc.def")
    response = client.get(URL)
    assert response.status_code == 401
    assert _code(response) == "authentication_failed"
    assert "Authorization: Api-Key <key>" in response.json()["errors"][0]["detail"]


@pytest.mark.parametrize("scheme", ["api-key", "API-KEY", "Api-key"])
def test_the_scheme_is_case_insensitive_as_http_says(make_client: MakeClient, scheme: str) -> None:
    raw = make_client("customers:read").raw_key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{scheme} {raw}")
    assert client.get(URL).status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"{scheme} nope.nope")  # still checked
    assert client.get(URL).status_code == 401


@pytest.mark.django_db
def test_a_non_staff_session_is_told_staff_access_is_required_not_about_keys() -> None:
    user = get_user_model().objects.create_user("plain", password="pw-123456")
    client = APIClient()
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 403
    detail = response.json()["errors"][0]["detail"]
    assert detail == "Staff access required."
    assert "key" not in detail.lower()


# -- the admin login (django-axes) ---------------------------------------------------------


@pytest.fixture
def staff(db: None, settings: Any) -> Any:
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=1)
    return get_user_model().objects.create_user(
        "ops", password="right-pw-123456", is_staff=True, is_superuser=True
    )


def _login(address: str, password: str) -> Any:
    client = Client(REMOTE_ADDR=address)
    response = client.post("/admin/login/?next=/admin/", {"username": "ops", "password": password})
    return client, response


def test_admin_login_locks_the_address_out_after_failures_and_lets_it_in_after_the_cool_off(
    staff: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(2):
        _, response = _login("203.0.113.30", "wrong")
        assert response.status_code == 200  # the form again, with its error
        assert b"Please enter the correct username and password" in response.content
    _, response = _login("203.0.113.30", "wrong")
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert b"Too many failed logins" in response.content

    client, response = _login("203.0.113.30", "right-pw-123456")
    assert response.status_code == 429  # the right password does not get through either
    assert client.get("/admin/").status_code == 302  # not signed in

    other, response = _login("198.51.100.31", "right-pw-123456")
    assert response.status_code == 302  # another address is unaffected
    assert other.get("/admin/").status_code == 200

    from axes.handlers import proxy

    later = timezone.now() + timedelta(minutes=1, seconds=5)
    monkeypatch.setattr(proxy, "now", lambda: later)
    client, response = _login("203.0.113.30", "right-pw-123456")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_logins_without_a_request_still_work(staff: Any) -> None:
    assert Client().login(username="ops", password="right-pw-123456")


def test_bad_keys_still_get_401_when_the_cache_redis_is_down(db: None, settings: Any) -> None:
    from django.core.cache import caches

    if "django_redis" not in settings.CACHES["default"]["BACKEND"]:
        pytest.skip("the cache is Redis only when REDIS_URL is set (CI's Redis run)")
    settings.CS_HUB_AUTH_FAILURE_LIMIT = 1
    dead = {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}
    settings.CACHES = {"default": dead}
    try:
        client = APIClient(REMOTE_ADDR="203.0.113.40")
        client.credentials(HTTP_AUTHORIZATION="Api-Key nope.nope")
        # Counting fails open, like the per-key throttle: refused as unknown, never a 500.
        assert [client.get(URL).status_code for _ in range(3)] == [401, 401, 401]
    finally:
        caches["default"].close()
