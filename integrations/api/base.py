"""Base views: every API view inherits the body limit and POST idempotency from here."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import HttpRequest
from django.http.request import UnreadablePostError
from django.http.response import HttpResponseBase
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import generics, viewsets
from rest_framework.request import Request
from rest_framework.views import APIView

from .. import idempotency
from ..auth import client_identity
from ..errors import PayloadTooLarge, RequestTimeout
from ..replica import replica_reads
from .query_params import check_query_params

_BODY_METHODS = {"POST", "PUT", "PATCH"}


class PlatformMixin:
    # Reads (and bounds) the body up front, then runs POSTs under their Idempotency-Key.
    # DRF's dispatch is reproduced so the idempotency claim happens after authentication,
    # permissions and throttling, and the handler plus the stored response share a
    # transaction. No docstring: the schema would show it as every view's description.

    scope_domain: str | None = None
    # True: GET runs in a replica_reads() scope (README "Read replica"). Only for views whose
    # GET reads (a write it does anyway pins the rest of it to the primary) and whose reader
    # can take the replica's lag: lists and read-outs, not a record a client reads back right
    # after creating it.
    read_replica: bool = False

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        view: Any = self
        view.args, view.kwargs = args, kwargs
        drf_request = view.initialize_request(request, *args, **kwargs)
        view.request = drf_request
        view.headers = view.default_response_headers
        try:
            view.initial(drf_request, *args, **kwargs)
            check_query_params(drf_request)
            response = self._run(drf_request, *args, **kwargs)
        except Exception as exc:
            response = view.handle_exception(exc)
        view.response = view.finalize_response(drf_request, response, *args, **kwargs)
        return view.response

    def _run(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        view: Any = self
        method = (request.method or "GET").upper()
        body = _read_body(request) if method in _BODY_METHODS else b""
        handler = getattr(view, method.lower(), None)
        if method.lower() not in view.http_method_names or handler is None:
            handler = view.http_method_not_allowed
        if method in ("GET", "HEAD") and view.read_replica:
            with replica_reads():
                return handler(request, *args, **kwargs)
        key = request.headers.get(idempotency.HEADER)
        if method != "POST" or key is None:
            return handler(request, *args, **kwargs)

        claim = idempotency.idempotency_claim(
            client=client_identity(request),
            key=idempotency.validate_key(key),
            # The query string is part of the request (e.g. a replay's `since`): the same key
            # with another query is a different request, refused as a reused key.
            fingerprint=idempotency.request_fingerprint(method, request.get_full_path(), body),
            method=method,
            path=request.path,
        )
        if claim.replay:
            return idempotency.replay_response(claim.record)
        completed = False
        try:
            with transaction.atomic():
                try:
                    response = handler(request, *args, **kwargs)
                except Exception as exc:
                    response = view.handle_exception(exc)
                if idempotency.is_storable(response):
                    idempotency.idempotency_complete(record=claim.record, response=response)
                    completed = True
                else:
                    transaction.set_rollback(True)
        finally:
            if not completed:
                idempotency.idempotency_release(record=claim.record)
        return response


def _read_body(request: Request) -> bytes:
    django_request = request._request
    length = django_request.META.get("CONTENT_LENGTH") or "0"
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if length.isdigit() and limit is not None and int(length) > limit:
        raise PayloadTooLarge(f"The request body is larger than {limit} bytes.")
    try:
        return django_request.body
    except RequestDataTooBig:
        raise PayloadTooLarge(f"The request body is larger than {limit} bytes.") from None
    except UnreadablePostError:
        # The client stopped sending (config/wsgi.py bounds each read on the socket).
        raise RequestTimeout() from None


class PlatformAPIView(PlatformMixin, APIView):
    __doc__ = ""


def asks_no_filter(view: Any, request: Request) -> bool:
    """Whether `request` names none of the view's FilterSet parameters (and none is
    required): the FilterSet would then filter nothing, and building and validating its form
    costs about a millisecond a request (the expansion list's page, issue 17). An empty
    value (`?segment=`) is a parameter named: the FilterSet sees it as before."""
    filterset_class = getattr(view, "filterset_class", None)
    if filterset_class is None or list(view.filter_backends) != [DjangoFilterBackend]:
        return False
    filters = filterset_class.base_filters
    return not any(name in request.query_params for name in filters) and not any(
        f.extra.get("required") for f in filters.values()
    )


class _UnaskedFiltersSkipped:
    def filter_queryset(self, queryset: Any) -> Any:
        if asks_no_filter(self, self.request):  # type: ignore[attr-defined]
            return queryset
        return super().filter_queryset(queryset)  # type: ignore[misc]


class PlatformGenericAPIView(_UnaskedFiltersSkipped, PlatformMixin, generics.GenericAPIView):
    __doc__ = ""

    def list_response(self, transform: Callable[[list[Any]], list[Any]] | None = None) -> Any:
        """Filter, paginate and serialize `get_queryset()`: every list endpoint's GET.

        `transform` turns the page's objects into what the serializer reads, for lists whose
        rows are computed per page (one set-based call for the page, not one per row)."""
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        rows = transform(list(page or [])) if transform else page
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)


class PlatformGenericViewSet(_UnaskedFiltersSkipped, PlatformMixin, viewsets.GenericViewSet):
    __doc__ = ""
