"""Mass assignment: the read-only fields of a write's response, posted back, are refused.

The API's convention is to refuse what a write does not take (`unknown_field`, 400; DRF
would quietly drop it), so an id, a timestamp, a computed score or a secret sent by a client
is neither stored nor ignored in silence. The operations and their read-only fields come
from the published schema: every write with a JSON body, and every property its success
response has that its request body does not (ids, created_at, computed values, secrets).
Each is sent twice: alone, and inside a body that is otherwise valid (the bodies of
tests/test_schema_responses.py), which must then be refused whole and store nothing; the
valid body without them is accepted, so the refusal is the hostile fields' doing.
The same holds inside nested objects (the second half of the file).
"""

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from customers.models import Customer, Stakeholder, TeamMember
from finance.models import Forecast
from marketing.models import Campaign
from operations.models import WorkflowRun
from product.models import Feedback
from sales.models import Handoff
from tests.test_schema_responses import (
    BODIES,
    PATH_VALUES,
    QUERY_VALUES,
    _customer,
    _param,
    _seed_webhooks,
)
from webhooks.models import WebhookEndpoint

from .schema_ops import operations, schema

# Rows a write could create; their counts must not move when a write is refused.
WATCHED = (Customer, Stakeholder, TeamMember, Forecast, Handoff, Feedback, WorkflowRun, Campaign)


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    components = schema()["components"]["schemas"]
    while "$ref" in node:
        node = components[node["$ref"].rsplit("/", 1)[-1]]
    return node


def read_only_fields(method: str, path: str) -> tuple[bool, dict[str, dict[str, Any]]] | None:
    """(the body is a list of items, {read-only field: its schema}); None without a JSON
    body."""
    operation = schema()["paths"][path][method.lower()]
    body = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if body is None:
        return None
    request = _resolve(body["schema"])
    is_list = request.get("type") == "array"
    if is_list:
        request = _resolve(request["items"])
    success = next(code for code in ("200", "201", "202") if code in operation["responses"])
    response = _resolve(operation["responses"][success]["content"]["application/json"]["schema"])
    writable = {
        name
        for name, field in request.get("properties", {}).items()
        if not _resolve(field).get("readOnly")
    }
    fields = {
        name: _resolve(field)
        for name, field in response.get("properties", {}).items()
        if name not in writable
    }
    return is_list, fields


def hostile(field: dict[str, Any]) -> Any:
    kind = field.get("type")
    if field.get("format") == "date-time":
        return "2000-01-01T00:00:00Z"
    return {"integer": 999999, "number": 999999.5, "boolean": True, "array": ["x"]}.get(
        str(kind), {"hostile": True} if kind == "object" else "hostile_value"
    )


WRITES = [
    (method, path, found)
    for method, path in operations()
    if method != "GET" and (found := read_only_fields(method, path)) is not None
]


def test_the_writes_are_found() -> None:
    covered = {(m, p) for m, p, _ in WRITES}
    for op in (
        ("POST", "/api/v1/webhooks/endpoints"),
        ("PATCH", "/api/v1/webhooks/endpoints/{endpoint_id}"),
        ("POST", "/api/v1/customers"),
        ("PATCH", "/api/v1/customers/{customer_id}"),
        ("POST", "/api/v1/customers/bulk"),
        ("POST", "/api/v1/cs-finance/forecast"),
        ("POST", "/api/v1/cs-sales/handoff/{customer_id}"),
        ("POST", "/api/v1/cs-marketing/campaigns"),
        ("POST", "/api/v1/cs-marketing/journey/{customer_id}"),
    ):
        assert op in covered, op
    fields = {(m, p): f[1] for m, p, f in WRITES}
    assert {"endpoint_id", "secret", "created_at"} <= set(
        fields[("POST", "/api/v1/webhooks/endpoints")]
    )
    assert {"forecast_id", "version", "computed_metrics"} <= set(
        fields[("POST", "/api/v1/cs-finance/forecast")]
    )
    assert {"handoff_id", "completed_at"} <= set(
        fields[("POST", "/api/v1/cs-sales/handoff/{customer_id}")]
    )
    assert {"campaign_id", "estimated_impact", "status"} <= set(
        fields[("POST", "/api/v1/cs-marketing/campaigns")]
    )
    assert {"changed", "changed_at", "touchpoints", "cancelled"} <= set(
        fields[("POST", "/api/v1/cs-marketing/journey/{customer_id}")]
    )
    assert all(f for _, _, (_, f) in WRITES), "every write's response has a read-only field"


def _url(method: str, path: str) -> str:
    operation = schema()["paths"][path][method.lower()]
    url = path
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            name = parameter["name"]
            value = PATH_VALUES.get((method.lower(), path)) or _param(path, name)
            url = url.replace(f"{{{name}}}", value)
    query = {
        p["name"]: QUERY_VALUES[p["name"]]()
        for p in operation.get("parameters", [])
        if p["in"] == "query" and p.get("required")
    }
    return url + ("?" + urlencode(query) if query else "")


def _send(api: APIClient, method: str, url: str, body: Any) -> Any:
    return api.generic(method, url, json.dumps(body), content_type="application/json")


def _counts() -> dict[str, int]:
    counts = {model.__name__: model.objects.count() for model in WATCHED}
    counts["WebhookEndpoint"] = WebhookEndpoint.objects.count()
    return counts


def _refused_fields(response: Any) -> set[str]:
    return {
        str(e.get("field") or e["attr"]).rsplit(".", 1)[-1]
        for e in response.json()["errors"]
        if e["code"] == "unknown_field"
    }


@pytest.mark.django_db
def test_read_only_fields_are_refused_on_every_write(api: APIClient) -> None:
    call_command("seed_demo", "--customers", "8", "--health-weeks", "2", "--no-progress")
    _seed_webhooks(api)
    failures: list[str] = []
    for method, path, (is_list, fields) in WRITES:
        url = _url(method, path)
        extra = {name: hostile(field) for name, field in fields.items()}
        valid = BODIES[(method.lower(), path)](_customer().customer_id)
        if is_list:
            with_extra: Any = [{**valid[0], **extra}, *valid[1:]]
        else:
            with_extra = {**valid, **extra}
        for label, body in (("alone", [extra] if is_list else extra), ("valid", with_extra)):
            before = _counts()
            response = _send(api, method, url, body)
            if response.status_code != 400:
                failures.append(f"{method} {path} ({label}): {response.status_code}")
            elif missing := set(fields) - _refused_fields(response):
                failures.append(f"{method} {path} ({label}): accepted {sorted(missing)}")
            if _counts() != before:
                failures.append(f"{method} {path} ({label}): stored rows")
        accepted = _send(api, method, url, valid)
        if accepted.status_code >= 300:
            failures.append(f"{method} {path}: the valid body alone got {accepted.status_code}")
    assert not failures, "\n".join(failures)


# --- Nested objects (issue 16, helper W) -------------------------------------------------
# The same rule one level down: inside a nested object of a write's body (an object property,
# or the items of an array property), the fields its counterpart in the success response has
# and the request does not are refused with `unknown_field` at their full path
# (`customer_forecasts.0.arr`); a nested object whose response counterpart adds nothing gets
# `id` and `created_at`, the usual mass-assignment targets, which it does not take either.
# Paths come from the schema, so a nested serializer added later is covered.

CANARY = {"id": {"type": "integer"}, "created_at": {"type": "string", "format": "date-time"}}


def _objects(node: dict[str, Any], path: tuple[str, ...], out: dict[tuple[str, ...], Any]) -> None:
    """Every object schema under `node`, by its path ("0" for an array's items)."""
    node = _resolve(node)
    if node.get("type") == "array" and "items" in node:
        _objects(node["items"], (*path, "0"), out)
        return
    for key in ("oneOf", "anyOf", "allOf"):
        for sub in node.get(key, []):
            _objects(sub, path, out)
    if "properties" in node:
        out[path] = node
        for name, field in node["properties"].items():
            _objects(field, (*path, name), out)


def nested_read_only_fields(method: str, path: str) -> dict[tuple[str, ...], dict[str, Any]]:
    """{nested path: {read-only field: its schema}} for every nested object of the body."""
    operation = schema()["paths"][path][method.lower()]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    success = next(code for code in ("200", "201", "202") if code in operation["responses"])
    requests: dict[tuple[str, ...], Any] = {}
    responses: dict[tuple[str, ...], Any] = {}
    _objects(body, (), requests)
    _objects(
        operation["responses"][success]["content"]["application/json"]["schema"], (), responses
    )
    found = {}
    for where, node in requests.items():
        if all(part == "0" for part in where):
            continue  # the body itself, or a list body's items: the top-level test
        writable = set(node.get("properties", {}))
        answer = responses.get(where, {}).get("properties", {})
        extra = {n: _resolve(f) for n, f in answer.items() if n not in writable}
        found[where] = extra or {n: f for n, f in CANARY.items() if n not in writable}
    return found


NESTED = [
    (method, path, where, fields)
    for method, path, _ in WRITES
    for where, fields in nested_read_only_fields(method, path).items()
]


def test_the_nested_objects_are_found() -> None:
    found = {(m, p, ".".join(w)): set(f) for m, p, w, f in NESTED}
    forecast = found[("POST", "/api/v1/cs-finance/forecast", "customer_forecasts.0")]
    assert {"arr", "model_renewal_probability", "expected_renewal_revenue"} <= forecast
    for where in ("handoff_data", "success_initiation"):
        assert ("POST", "/api/v1/cs-sales/handoff/{customer_id}", where) in found
    assert ("POST", "/api/v1/cs-product/feedback", "feedback") in found


def _put(body: Any, where: tuple[str, ...], extra: dict[str, Any]) -> Any:
    """`body` with `extra` merged into the object at `where` (created if the valid body has
    none there)."""
    if not where:
        return {**body, **extra} if isinstance(body, dict) else extra
    head, rest = where[0], where[1:]
    if head == "0":
        items = list(body) if isinstance(body, list) and body else [{}]
        return [_put(items[0], rest, extra), *items[1:]]
    out = dict(body) if isinstance(body, dict) else {}
    out[head] = _put(out.get(head), rest, extra)
    return out


def _error_path(error: dict[str, Any], where: tuple[str, ...]) -> str | None:
    """The full path an `unknown_field` error names. Serializer errors carry it in `attr`;
    the bulk-shaped ones (the forecast's lines) give the item's `index` in the nested list and
    the `field` inside it."""
    if error["code"] != "unknown_field":
        return None
    if error.get("index") is None:
        return str(error.get("field") or error.get("attr"))
    if where and where[-1] == "0" and error["index"] == 0:
        return ".".join((*where, str(error["field"])))
    return f"{error['index']}.{error['field']}"


@pytest.mark.django_db
def test_read_only_fields_in_nested_objects_are_refused(api: APIClient) -> None:
    call_command("seed_demo", "--customers", "8", "--health-weeks", "2", "--no-progress")
    _seed_webhooks(api)
    failures: list[str] = []
    for method, path, where, fields in NESTED:
        url = _url(method, path)
        extra = {name: hostile(field) for name, field in fields.items()}
        valid = BODIES[(method.lower(), path)](_customer().customer_id)
        prefix = ".".join(where)
        before = _counts()
        response = _send(api, method, url, _put(valid, where, extra))
        label = f"{method} {path} at {prefix}"
        if response.status_code != 400:
            failures.append(f"{label}: {response.status_code}")
        else:
            refused = {_error_path(e, where) for e in response.json()["errors"]}
            if missing := {f"{prefix}.{name}" for name in fields} - refused:
                failures.append(f"{label}: accepted {sorted(missing)} (refused {refused})")
        if _counts() != before:
            failures.append(f"{label}: stored rows")
    assert not failures, "\n".join(failures)
