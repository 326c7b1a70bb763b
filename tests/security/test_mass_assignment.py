"""Mass assignment: the read-only fields of a write's response, posted back, are refused.

The API's convention is to refuse what a write does not take (`unknown_field`, 400; DRF
would quietly drop it), so an id, a timestamp, a computed score or a secret sent by a client
is neither stored nor ignored in silence. The operations and their read-only fields come
from the published schema: every write with a JSON body, and every property its success
response has that its request body does not (ids, created_at, computed values, secrets).
Each is sent twice: alone, and inside a body that is otherwise valid (the bodies of
tests/test_schema_responses.py), which must then be refused whole and store nothing; the
valid body without them is accepted, so the refusal is the hostile fields' doing.
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
