"""Unknown query parameters are refused: a typo (`?segmnet=enterprise`) must not silently
return the unfiltered list.

The allowed names of an operation are exactly the query parameters the published schema
documents for it (filters, `cursor`, `page_size`, the view's own), read from the same
generator that serves /api/schema/, so the check and the documentation cannot drift apart
and a new endpoint is covered without a list to maintain.
"""

import functools
import re
import threading

from drf_spectacular.generators import SchemaGenerator
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.request import Request

_CONVERTER = re.compile(r"<(?:[^>:]+:)?([^>]+)>")
_LOCK = threading.Lock()


def documented_query_params() -> dict[tuple[str, str], frozenset[str]]:
    """(schema path, METHOD) -> the query parameter names the schema documents. Built once
    per process (about half a second), on the first request that has a query string."""
    with _LOCK:
        return {op: frozenset(params) for op, params in _documented_query_params().items()}


def documented_list_params() -> dict[tuple[str, str], frozenset[str]]:
    """(schema path, METHOD) -> the query parameters documented as lists (may repeat)."""
    with _LOCK:
        return {
            op: frozenset(name for name, is_list in params.items() if is_list)
            for op, params in _documented_query_params().items()
        }


@functools.cache
def _documented_query_params() -> dict[tuple[str, str], dict[str, bool]]:
    """(schema path, METHOD) -> {query parameter name: documented as an array}."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        (path, method.upper()): {
            p["name"]: p.get("schema", {}).get("type") == "array"
            for p in operation.get("parameters", [])
            if p["in"] == "query"
        }
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    }


def schema_path(route: str) -> str:
    """`api/v1/customers/<str:customer_id>/` -> `/api/v1/customers/{customer_id}`."""
    return "/" + _CONVERTER.sub(r"{\1}", route).rstrip("/")


def check_query_params(request: Request) -> None:
    match = request._request.resolver_match
    method = (request.method or "GET").upper()
    if match is None or method not in ("GET", "HEAD") or not request.query_params:
        return
    allowed = documented_query_params().get((schema_path(match.route), "GET"))
    if allowed is None:  # not a documented operation (nothing to check against)
        return
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        listed = ", ".join(sorted(allowed)) or "none"
        detail = f"Unknown query parameter. Allowed: {listed}."
        raise ValidationError(
            {name: [ErrorDetail(detail, code="unknown_parameter")] for name in unknown}
        )
    # ?weeks=52&weeks=1 would silently use the last value: given twice, it is ambiguous.
    lists = documented_list_params()[(schema_path(match.route), "GET")]
    repeated = sorted(
        name
        for name, values in request.query_params.lists()
        if len(values) > 1 and name not in lists
    )
    if repeated:
        detail = "Given more than once; this parameter takes one value."
        raise ValidationError(
            {name: [ErrorDetail(detail, code="repeated_parameter")] for name in repeated}
        )
