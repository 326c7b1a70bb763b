"""Output-only serializers rendered without DRF's per-request serializer machinery.

`Serializer(document).data` deep-copies every declared field of every nested serializer on
each request (`Serializer.fields`) and walks them generically: 1.4-3 ms of a single-customer
read-out's CPU (issue 17's profile of the marketing health, expansion and value read-outs),
more than rendering the JSON (~0.1 ms). `represent(SerializerClass, document)` walks the
same declared fields, bound once per class, and calls each leaf field's own DRF
`to_representation` (dates, date-times in the API's format and timezone, choices, floats,
decimals exactly as the serializer would); only the nesting (`Serializer`, `many=True`,
`ListField`, `DictField`) is walked here, the way DRF's `to_representation` walks it. A
serializer class that overrides `to_representation`, a field with a dotted or `*` source, a
method or related field is handed to DRF whole. The serializer classes stay the schema.
"""

from collections.abc import Callable, Mapping
from functools import partial
from threading import Lock
from types import FunctionType, MethodType
from typing import Any, cast

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Manager
from rest_framework import serializers
from rest_framework.fields import Field, SkipField

Converter = Callable[[Any], Any]

# What DRF's `get_attribute` calls instead of returning (`fields.is_simple_callable`).
_CALLABLES = (FunctionType, MethodType, partial)

_compiled: dict[type[serializers.Serializer], Converter] = {}
_lock = Lock()


def represent(serializer_class: type[serializers.Serializer], instance: Any) -> Any:
    """What `serializer_class(instance).data` holds, as plain dicts and lists."""
    convert = _compiled.get(serializer_class)
    if convert is None:
        with _lock:
            convert = _compiled.get(serializer_class)
            if convert is None:
                convert = _compiled[serializer_class] = _serializer(serializer_class())
    return convert(instance)


def _drf(field: Field) -> Converter:
    return field.to_representation


def _serializer(serializer: serializers.Serializer) -> Converter:
    """One serializer's fields (DRF's `Serializer.to_representation`, walked here)."""
    if type(serializer).to_representation is not serializers.Serializer.to_representation:
        return _drf(serializer)
    plan: list[tuple[str, str, Field, Converter]] = []
    for name, field in serializer.fields.items():
        if field.write_only:
            continue
        if isinstance(field, serializers.SerializerMethodField | serializers.RelatedField):
            return _drf(serializer)
        if isinstance(field, serializers.ManyRelatedField):
            return _drf(serializer)
        if field.source == "*" or len(field.source_attrs) != 1:
            return _drf(serializer)
        plan.append((name, field.source_attrs[0], field, _field(field)))

    def convert(instance: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        mapping = isinstance(instance, Mapping)
        for name, attr, field, to_output in plan:
            try:
                value = instance[attr] if mapping else getattr(instance, attr)
                if isinstance(value, _CALLABLES):
                    raise AttributeError  # DRF calls it: let DRF read it
            except (KeyError, AttributeError, ObjectDoesNotExist):
                # DRF's own handling: a default, None for allow_null, skipped, or the error.
                try:
                    value = field.get_attribute(instance)
                except SkipField:
                    continue
            out[name] = None if value is None else to_output(value)
        return out

    return convert


def _field(field: Field) -> Converter:
    """A field's value (not None) to its output."""
    if isinstance(field, serializers.ListSerializer):
        if type(field).to_representation is not serializers.ListSerializer.to_representation:
            return _drf(field)
        child = _field(cast(Field, field.child))

        def many(data: Any) -> list[Any]:
            items = data.all() if isinstance(data, Manager) else data
            return [child(item) for item in items]

        return many
    if isinstance(field, serializers.Serializer):
        return _serializer(field)
    if type(field) is serializers.ListField:
        item = _field(cast(Field, field.child))  # None items: None, as DRF
        return lambda data: [None if v is None else item(v) for v in data]
    if type(field) is serializers.DictField:
        value = _field(cast(Field, field.child))
        return lambda data: {str(k): None if v is None else value(v) for k, v in data.items()}
    return _drf(field)
