"""Django-level 404/500 in the API's error shape for /api/ paths; HTML elsewhere."""

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults


def _error(code: str, detail: str, status: int) -> JsonResponse:
    kind = "client_error" if status < 500 else "server_error"
    body = {"type": kind, "errors": [{"code": code, "detail": detail, "attr": None}]}
    return JsonResponse(body, status=status)


def api_not_found(request: HttpRequest, exception: Any) -> HttpResponse:
    if request.path.startswith("/api/"):
        return _error("not_found", "No such endpoint.", 404)
    return defaults.page_not_found(request, exception)


def api_server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return _error("error", "Server Error (500)", 500)
    return defaults.server_error(request)


def api_bad_request(request: HttpRequest, exception: Any) -> HttpResponse:
    """Django-level 400s (a Host not in ALLOWED_HOSTS, other SuspiciousOperation)."""
    if request.path.startswith("/api/"):
        return _error("bad_request", "Bad request.", 400)
    return defaults.bad_request(request, exception)


def api_permission_denied(request: HttpRequest, exception: Any) -> HttpResponse:
    """A PermissionDenied raised outside DRF's views."""
    if request.path.startswith("/api/"):
        return _error("permission_denied", "Permission denied.", 403)
    return defaults.permission_denied(request, exception)
