"""Every published operation enforces its `<domain>:read|write` scope, generated from the schema.

For each operation (method x path): a key holding every scope but the one it needs gets 403,
a key holding only the other domains' scopes (read and write) gets 403; a revoked key, an
expired key and no key get 401. Path parameters name no row: the check must come before
any lookup (a 404 would tell a key without the scope what exists). An operation whose
scope cannot be determined fails `test_every_operation_has_a_scope`, and a route left out
of the schema without a scope fails `test_no_route_outside_the_schema_goes_without_a_scope`:
a new endpoint cannot ship without one.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from integrations.models import ApiKey
from integrations.scopes import ALL_SCOPES
from tests.support.errors import assert_error

from .schema_ops import concrete, operations, routes, scope_of

OPERATIONS = operations()
# Operations any valid key may call, whatever its scopes: asking who it is (`GET /api/v1/me`,
# for checking a key's set-up). Every other operation needs its domain's scope.
KEY_ONLY = {("GET", "/api/v1/me")}
SCOPED = [op for op in OPERATIONS if op not in KEY_ONLY]


def _call(client: APIClient, method: str, path: str) -> object:
    url = concrete(path)
    if method == "GET":
        return client.get(url)
    return client.generic(method, url, "{}", content_type="application/json")


def test_the_matrix_covers_the_published_api() -> None:
    # A floor, so an empty or broken schema read cannot pass the matrix vacuously.
    assert len(OPERATIONS) >= 80
    assert ("DELETE", "/api/v1/webhooks/endpoints/{endpoint_id}") in OPERATIONS
    assert scope_of("GET", "/api/v1/customers") == "customers:read"
    assert scope_of("POST", "/api/v1/cs-sales/handoff/{customer_id}") == "sales:write"
    assert scope_of("POST", "/api/v1/cs-marketing/campaigns") == "marketing:write"
    assert scope_of("GET", "/api/v1/cs-marketing/campaigns/{campaign_id}/members") == (
        "marketing:read"
    )


def test_every_operation_has_a_scope() -> None:
    missing = [f"{m} {p}" for m, p in SCOPED if scope_of(m, p) not in ALL_SCOPES]
    assert not missing, f"operations without a determinable scope: {missing}"
    assert set(OPERATIONS) >= KEY_ONLY
    assert all(scope_of(m, p) is None for m, p in KEY_ONLY)


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), sorted(KEY_ONLY))
def test_key_only_operations_answer_any_valid_key(make_client, method: str, path: str) -> None:
    for scope in ("customers:read", "webhooks:write"):
        response = _call(make_client(scope), method, path)
        assert response.status_code == 200, response.content  # type: ignore[attr-defined]
        assert response.json()["scopes"] == [scope]  # type: ignore[attr-defined]


# Routes that answer without a key, on purpose: probes, the published schema and its docs,
# and the JSON 404 for any other `/api/` path.
PUBLIC_ROUTES = {"healthz", "readyz", "api/schema/", "api/docs/", "api/redoc/", "^api/"}
KEY_ONLY_ROUTES = {"api/v1/me", "api/v1/me/"}  # KEY_ONLY's (both slash forms)


def test_no_route_outside_the_schema_goes_without_a_scope() -> None:
    """A view left out of the schema would escape the matrix: every route but the public
    ones is a view declaring its `scope_domain`."""
    found = routes()
    assert len(found) >= len({p for _, p in OPERATIONS})
    unscoped = {route for route, view in found if getattr(view, "scope_domain", None) is None}
    assert unscoped == PUBLIC_ROUTES | KEY_ONLY_ROUTES, (
        f"routes without a scope: {sorted(unscoped)}"
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), SCOPED)
def test_every_scope_but_the_needed_one_is_403(make_client, method: str, path: str) -> None:
    needed = scope_of(method, path)
    client = make_client(*[s for s in ALL_SCOPES if s != needed])
    assert_error(_call(client, method, path), 403, "permission_denied")


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), SCOPED)
def test_other_domains_scopes_are_403(make_client, method: str, path: str) -> None:
    domain = str(scope_of(method, path)).split(":")[0]
    client = make_client(*[s for s in ALL_SCOPES if not s.startswith(f"{domain}:")])
    assert_error(_call(client, method, path), 403, "permission_denied")


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_a_revoked_or_expired_key_is_401(make_client, method: str, path: str) -> None:
    expired = make_client(expiry_date=timezone.now() - timedelta(seconds=1))
    assert_error(_call(expired, method, path), 401, "authentication_failed")
    revoked = make_client()
    ApiKey.objects.update(revoked=True)
    assert_error(_call(revoked, method, path), 401, "authentication_failed")


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_no_key_is_401(method: str, path: str) -> None:
    assert_error(_call(APIClient(), method, path), 401, "not_authenticated")
