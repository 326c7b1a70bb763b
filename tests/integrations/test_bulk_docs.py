"""The published bulk request docs are generated from each BulkSchema: every field, its type,
bounds, pattern, choices, nullability and whether it is required, as the validator checks
them; and each request example is the array itself (not wrapped in another array)."""

from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator

from customers.bulk_schema import CUSTOMER_BULK_SCHEMA
from finance.bulk_schema import (
    CONTRACT_SCHEMA,
    INVOICE_SCHEMA,
    OPPORTUNITY_SCHEMA,
    VALUE_RECORD_SCHEMA,
)
from integrations.bulk import BulkSchema
from integrations.ids import KEY_PATTERN
from operations.bulk_schema import SURVEY_SCHEMA, TASK_SCHEMA, TICKET_SCHEMA
from product.bulk_schema import FEATURE_SCHEMA, USAGE_SCHEMA

BULK = {
    "/api/v1/customers/bulk": CUSTOMER_BULK_SCHEMA,
    "/api/v1/cs-product/features": FEATURE_SCHEMA,
    "/api/v1/cs-product/usage": USAGE_SCHEMA,
    "/api/v1/cs-ops/tickets": TICKET_SCHEMA,
    "/api/v1/cs-ops/surveys": SURVEY_SCHEMA,
    "/api/v1/cs-ops/tasks": TASK_SCHEMA,
    "/api/v1/cs-finance/contracts": CONTRACT_SCHEMA,
    "/api/v1/cs-finance/invoices": INVOICE_SCHEMA,
    "/api/v1/cs-finance/opportunities": OPPORTUNITY_SCHEMA,
    "/api/v1/cs-finance/value-records": VALUE_RECORD_SCHEMA,
}
TYPES = {
    "str": "string",
    "key": "string",
    "email": "string",
    "date": "string",
    "datetime": "string",
    "int": "integer",
    "float": "number",
    "bool": "boolean",
    "decimal": "number",
    "money": "integer",
    "str_list": "array",
}


@pytest.fixture(scope="module")
def published() -> dict[str, Any]:
    schema: dict[str, Any] = SchemaGenerator().get_schema(request=None, public=True)
    return schema


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """A property with its $ref / allOf enum component merged in."""
    refs = [node["$ref"]] if "$ref" in node else [r["$ref"] for r in node.get("allOf", [])]
    merged = {k: v for k, v in node.items() if k not in ("$ref", "allOf")}
    for ref in refs:
        merged = {**schema["components"]["schemas"][ref.rsplit("/", 1)[1]], **merged}
    return merged


@pytest.mark.parametrize(("path", "bulk"), BULK.items(), ids=list(BULK))
def test_the_item_docs_are_the_bulk_schema(
    published: dict[str, Any], path: str, bulk: BulkSchema
) -> None:
    content = published["paths"][path]["post"]["requestBody"]["content"]["application/json"]
    body = content["schema"]
    assert (body["type"], body["maxItems"]) == ("array", 10_000)
    item = _resolve(published, body["items"])
    assert item["additionalProperties"] is False
    assert sorted(item["properties"]) == sorted(s.name for s in bulk.specs)
    assert sorted(item["required"]) == sorted(s.name for s in bulk.specs if s.must_be_sent)
    for spec in bulk.specs:
        prop = _resolve(published, item["properties"][spec.name])
        assert prop["type"] == TYPES[spec.kind], spec.name
        assert prop.get("nullable", False) == spec.nullable, spec.name
        assert prop.get("enum") == (list(spec.choices) if spec.choices else None), spec.name
        implied = {"key": 64, "email": 254}  # the kind's own bound (integrations.bulk)
        assert prop.get("maxLength") == implied.get(spec.kind, spec.max_length), spec.name
        pattern = KEY_PATTERN if spec.kind == "key" else spec.pattern
        assert prop.get("pattern") == pattern, spec.name
        for bound, value in (("minimum", spec.min_value), ("maximum", spec.max_value)):
            assert prop.get(bound) == (None if value is None else float(value)), spec.name
    for example in content["examples"].values():
        assert all(isinstance(i, dict) for i in example["value"]), "example wrapped twice"


def test_every_bulk_post_is_in_the_table(
    published: dict[str, Any],
) -> None:
    posts = {
        path
        for path, ops in published["paths"].items()
        if "BulkItem" in str(ops.get("post", {}).get("requestBody", ""))
    }
    assert posts == set(BULK)
