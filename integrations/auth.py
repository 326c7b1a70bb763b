"""Machine authentication (`Authorization: Api-Key <prefix.secret>`) and scope checks.

Unknown, revoked and expired keys are refused with 401 by authentication; a valid key that
lacks the view's `<domain>:read|write` scope is refused with 403 by the permission class.
Staff users signed in to the admin may use every endpoint from the browsable API.
"""

from typing import Any, cast

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions
from rest_framework.request import Request

from .models import ApiKey

KEYWORD = "Api-Key"


class ApiClient:
    """The principal behind a request authenticated by an API key."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_active = True

    def __init__(self, key: ApiKey) -> None:
        self.key = key
        self.pk = key.prefix

    def __str__(self) -> str:
        return f"api-key:{self.key.name}"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[ApiClient, ApiKey] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        keyword, _, raw = header.partition(" ")
        if keyword != KEYWORD:
            return None
        raw = raw.strip()
        if not raw or " " in raw or len(raw) > 200:
            raise exceptions.AuthenticationFailed("Malformed API key.")
        try:
            key = cast(ApiKey, ApiKey.objects.get_from_key(raw))
        except ApiKey.DoesNotExist:
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.") from None
        if key.has_expired:
            raise exceptions.AuthenticationFailed("This API key has expired.")
        return ApiClient(key), key

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD


def client_identity(request: Request) -> str:
    """A stable identity for per-client state (idempotency keys, throttles)."""
    if isinstance(request.auth, ApiKey):
        return f"key:{request.auth.prefix}"
    return f"user:{request.user.pk}"


class HasDomainScope(permissions.BasePermission):
    """Require `<view.scope_domain>:read` for safe methods and `:write` for the rest."""

    message = "This API key lacks the scope this endpoint needs."

    def has_permission(self, request: Request, view: Any) -> bool:
        if isinstance(request.auth, ApiKey):
            scope = required_scope(view, request.method or "GET")
            if scope is None:
                return True
            if request.auth.has_scope(scope):
                return True
            self.message = f"This API key lacks the `{scope}` scope."
            return False
        user = request.user
        return bool(user and user.is_authenticated and user.is_staff)


def required_scope(view: Any, method: str) -> str | None:
    domain = getattr(view, "scope_domain", None)
    if domain is None:
        return None
    action = "read" if method in permissions.SAFE_METHODS else "write"
    return f"{domain}:{action}"


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "integrations.auth.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <prefix.secret>`, created with `manage.py create_api_key`.",
        }
