"""Machine authentication (`Authorization: Api-Key <prefix.secret>`) and scope checks.

Unknown, revoked and expired keys are refused with 401 by authentication; a valid key that
lacks the view's `<domain>:read|write` scope is refused with 403 by the permission class.
An address with too many failed key authentications is refused with 429 until its window
ends. Staff users signed in to the admin may use every endpoint from the browsable API.
"""

from typing import Any, cast

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions
from rest_framework.request import Request

from .models import ApiKey
from .scopes import ALL_SCOPES
from .throttling import auth_lockout_seconds, client_address, record_failed_authentication

KEYWORD = "Api-Key"


class TooManyFailedAuthentications(exceptions.Throttled):
    default_detail = "Too many failed authentications from this address."
    default_code = "too_many_failed_authentications"
    extra_detail_singular = "Try again in {wait} second."
    extra_detail_plural = "Try again in {wait} seconds."


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
        if keyword.lower() == "bearer":
            raise exceptions.AuthenticationFailed(
                f"Send the API key as `Authorization: {KEYWORD} <key>`, not as a Bearer token."
            )
        if keyword.lower() != KEYWORD.lower():  # a scheme is case-insensitive (RFC 9110)
            return None
        address = client_address(request) or "unknown"
        wait = auth_lockout_seconds(address)
        if wait is not None:  # refused before the key is even looked at
            raise TooManyFailedAuthentications(wait=wait)
        try:
            key = self._key(raw.strip())
        except exceptions.AuthenticationFailed:
            record_failed_authentication(address)
            raise
        return ApiClient(key), key

    @staticmethod
    def _key(raw: str) -> ApiKey:
        if not raw or " " in raw or len(raw) > 200:
            raise exceptions.AuthenticationFailed("Malformed API key.")
        try:
            key = cast(ApiKey, ApiKey.objects.get_from_key(raw))
        except ApiKey.DoesNotExist:
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.") from None
        if key.has_expired:
            raise exceptions.AuthenticationFailed("This API key has expired.")
        return key

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
        self.message = type(self).message
        if isinstance(request.auth, ApiKey):
            scope = required_scope(view, request.method or "GET")
            if scope is None:
                return True
            if request.auth.has_scope(scope):
                return True
            self.message = f"This API key lacks the `{scope}` scope."
            return False
        user = request.user
        if not (user and user.is_authenticated and user.is_staff):
            if user and user.is_authenticated:
                self.message = "Staff access required."
            return False
        if request.method in permissions.SAFE_METHODS or user.is_superuser:
            return True
        # An admin session writes through the admin, where its model permissions apply (a CSM
        # may complete tasks, not add contracts); the API's writes take a key or a superuser.
        self.message = (
            "Writing through the API with an admin session needs a superuser; "
            "send an API key with the write scope instead."
        )
        return False


def session_scopes(user: Any) -> list[str]:
    """What an admin session may do through the API: every read; every write for a superuser."""
    return [s for s in ALL_SCOPES if user.is_superuser or s.endswith(":read")]


def required_scope(view: Any, method: str) -> str | None:
    domain = getattr(view, "scope_domain", None)
    if domain is None:
        return None
    action = "read" if method in permissions.SAFE_METHODS else "write"
    return f"{domain}:{action}"


class LoginLockoutBackend(AxesStandaloneBackend):
    """django-axes' lock-out check for the admin login (listed first in AUTHENTICATION_BACKENDS).

    A login without a request (the test client's `login()`, a shell) has no client address
    to count against and is left to the next backend instead of being refused outright.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def admin_lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict[str, Any] | None
) -> HttpResponse:
    """The page a locked-out admin login gets: 429 with Retry-After (AXES_LOCKOUT_CALLABLE)."""
    cool_off = get_cool_off(request)
    seconds = int(cool_off.total_seconds()) if cool_off else None
    response = render(
        request,
        "admin/login_locked_out.html",
        {
            **admin.site.each_context(request),
            "is_nav_sidebar_enabled": False,
            "title": "Too many failed logins",
            "cool_off_minutes": max(1, (seconds or 0) // 60),
        },
        status=429,
    )
    if seconds:
        response["Retry-After"] = str(seconds)
    return response


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
