"""Refuses requests no view should see, before any of them runs (admin included).

- NUL anywhere in the path, query string or a header: PostgreSQL cannot store or compare it,
  so an id or a filter holding one would reach the database as an error (a 500). No id
  contains NUL, so such a path is 404; such a query or header is 400.
- A body that stops arriving (config/wsgi.py bounds each read under gunicorn): 408 wherever it
  is read, the admin's forms included (the API's views answer the same themselves).
- A body whose length is unknown: `Content-Length: abc` is 400, and a chunked body without
  Content-Length is 411. Django would read either as an empty body and answer as if the
  client had sent nothing.
"""

from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.request import UnreadablePostError

_NUL = "\x00"


def _error(request: HttpRequest, status: int, code: str, detail: str) -> HttpResponse:
    if request.path_info.startswith("/api/"):
        body = {"type": "client_error", "errors": [{"code": code, "detail": detail, "attr": None}]}
        return JsonResponse(body, status=status)
    return HttpResponse(detail, status=status, content_type="text/plain; charset=utf-8")


class HostileInputMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = self.refusal(request)
        return refusal if refusal is not None else self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if isinstance(exc, UnreadablePostError):
            return _error(
                request, 408, "request_timeout", "The request body did not arrive in time."
            )
        return None

    @staticmethod
    def refusal(request: HttpRequest) -> HttpResponse | None:
        meta = request.META
        if _NUL in request.path_info:
            return _error(request, 404, "not_found", "Not found.")
        if b"\x00" in unquote_to_bytes(meta.get("QUERY_STRING", "")):
            return _error(
                request, 400, "invalid_characters", "The query string must not contain NUL."
            )
        if any(k.startswith("HTTP_") and _NUL in str(v) for k, v in meta.items()):
            return _error(request, 400, "invalid_characters", "Headers must not contain NUL.")
        length = meta.get("CONTENT_LENGTH")
        if length and not (length.isascii() and length.isdigit()):
            return _error(
                request, 400, "invalid_content_length", "Content-Length must be a whole number."
            )
        chunked = "chunked" in meta.get("HTTP_TRANSFER_ENCODING", "").lower()
        if chunked and not length:
            return _error(
                request,
                411,
                "length_required",
                "Send the body with a Content-Length header; chunked bodies are not read.",
            )
        return None
