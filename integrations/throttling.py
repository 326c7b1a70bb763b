"""Per-key throttling and the per-address lock-out after failed authentications.

The cache is Redis when REDIS_URL is set, so limits hold across processes; otherwise each
process counts for itself (fine for the embedded default). With Redis down both fail open.
"""

import ipaddress
import math
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiKey


class ApiKeyRateThrottle(SimpleRateThrottle):
    scope = "api_key"

    def get_rate(self) -> str:
        return str(settings.CS_HUB_API_KEY_DEFAULT_RATE)

    def allow_request(self, request: Request, view: Any) -> bool:
        if isinstance(request.auth, ApiKey) and request.auth.throttle_rate:
            self.rate = request.auth.throttle_rate
            self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if isinstance(request.auth, ApiKey):
            return self.cache_format % {"scope": self.scope, "ident": request.auth.prefix}
        return None  # staff sessions are not throttled


def client_address(request: HttpRequest | Request) -> str | None:
    """The address failed logins and failed API-key authentications are counted against.

    REMOTE_ADDR, unless a trusted reverse proxy is declared (DJANGO_TRUSTED_PROXY): then the
    last X-Forwarded-For entry, the one that proxy appended. Without a trusted proxy the header
    is client-controlled and ignored. None when the request has no usable address (a request
    made up in-process, such as the test client's `force_login`).
    """
    remote = str(request.META.get("REMOTE_ADDR") or "")
    if settings.CS_HUB_TRUSTED_PROXY:
        forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR") or "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        if _is_ip(last):
            return last
    return remote if _is_ip(remote) else None


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _now() -> float:
    return time.time()


def _keys(address: str) -> tuple[str, str]:
    return f"auth-failures:{address}", f"auth-failures:{address}:until"


def auth_lockout_seconds(address: str) -> int | None:
    """Seconds until `address` may authenticate again, or None when it is not locked out."""
    count_key, until_key = _keys(address)
    values = cache.get_many([count_key, until_key])
    until, count = values.get(until_key), values.get(count_key)
    if until is None or count is None or count < settings.CS_HUB_AUTH_FAILURE_LIMIT:
        return None
    remaining = until - _now()
    return math.ceil(remaining) if remaining > 0 else None


def record_failed_authentication(address: str) -> None:
    """Count one failure in the address's window, which starts at its first failure."""
    count_key, until_key = _keys(address)
    window = settings.CS_HUB_AUTH_FAILURE_WINDOW_SECONDS
    now = _now()
    until = cache.get(until_key)
    if until is None or until <= now:
        cache.set_many({until_key: now + window, count_key: 0}, timeout=window)
    try:
        cache.incr(count_key)
    except ValueError:  # expired between the two calls
        cache.set(count_key, 1, timeout=window)
