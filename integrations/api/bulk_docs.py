"""The published request schema of a bulk endpoint, generated from its BulkSchema.

The BulkSchema validates every item; its specs are also the documentation, so the two cannot
drift (no write serializer kept for the docs alone). Each field kind maps to an OpenAPI type
and format; choices, bounds, lengths, patterns, nullability and required fields follow.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from drf_spectacular.plumbing import build_choice_description_list, list_hash

from ..bulk import BulkSchema, Spec
from ..ids import KEY_PATTERN

_KINDS: dict[str, dict[str, Any]] = {
    "str": {"type": "string"},
    "key": {"type": "string", "pattern": KEY_PATTERN, "minLength": 1, "maxLength": 64},
    "email": {"type": "string", "format": "email", "maxLength": 254},
    "int": {"type": "integer"},
    # A JSON number (a rate, a probability), never a string.
    "float": {"type": "number", "format": "double"},
    "bool": {"type": "boolean"},
    # A JSON number, or a string written as one ("1234.50"); kept to the cent.
    "decimal": {"type": "number", "format": "decimal"},
    # Whole currency units: a JSON integer, never a fraction or a string.
    "money": {"type": "integer"},
    "date": {"type": "string", "format": "date"},
    "datetime": {"type": "string", "format": "date-time"},
    "str_list": {"type": "array", "items": {"type": "string"}},
}


@dataclass(frozen=True, eq=False)  # hashed by identity (drf-spectacular looks it up)
class BulkRequest:
    """What a bulk POST's `extend_schema(request=...)` names: the item component's name and
    the schema (integrations.openapi.AutoSchema publishes it as an array of that item)."""

    name: str
    schema: BulkSchema


def _number(value: Any) -> int | float:
    return float(value) if isinstance(value, Decimal) and value % 1 else int(value)


def field_schema(spec: Spec) -> dict[str, Any]:
    out = dict(_KINDS[spec.kind])
    if spec.choices is not None:
        # As drf-spectacular describes a ChoiceField, so the enum is shared with the read side.
        pairs = list(zip(spec.choices, spec.labels or spec.choices, strict=True))
        out["enum"] = list(spec.choices)
        out["description"] = build_choice_description_list(pairs)
        out["x-spec-enum-id"] = list_hash(pairs)
    if spec.kind == "str" and spec.not_blank and spec.choices is None:
        out["minLength"] = 1  # blank is refused
    if spec.max_length is not None:
        out["maxLength"] = spec.max_length
    if spec.pattern is not None:
        out["pattern"] = spec.pattern
    if spec.min_value is not None:
        out["minimum"] = _number(spec.min_value)
    if spec.max_value is not None:
        out["maximum"] = _number(spec.max_value)
    if spec.nullable:
        out["nullable"] = True
    if spec.doc:
        out["description"] = "\n\n".join(filter(None, [spec.doc, out.get("description")]))
    return out


def item_schema(schema: BulkSchema) -> dict[str, Any]:
    """One item: an object of the specs' fields (unknown fields are refused)."""
    return {
        "type": "object",
        "description": "One item of the bulk body.",
        "properties": {spec.name: field_schema(spec) for spec in schema.specs},
        "required": sorted(spec.name for spec in schema.specs if spec.must_be_sent),
        "additionalProperties": False,
    }


def body_schema(item_ref: dict[str, str]) -> dict[str, Any]:
    return {
        "type": "array",
        "items": item_ref,
        "minItems": 1,
        "maxItems": settings.CS_HUB_BULK_MAX_ITEMS,
    }
