"""`represent(SerializerClass, document)` holds what `SerializerClass(document).data` holds."""

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from finance.api.value_serializers import CustomerValueSerializer
from integrations.api.represent import represent
from marketing.api import health_serializers as hs
from sales.api import expansion_serializers as es


class Leaf(serializers.Serializer):
    n = serializers.IntegerField()
    x = serializers.FloatField(allow_null=True)
    money = serializers.DecimalField(max_digits=12, decimal_places=2)
    at = serializers.DateTimeField()
    day = serializers.DateField(allow_null=True)
    grade = serializers.ChoiceField(choices=["a", "b"])
    ok = serializers.BooleanField()
    text = serializers.CharField()
    optional = serializers.CharField(required=False)
    fallback = serializers.CharField(default="dflt")


class Overridden(serializers.Serializer):
    a = serializers.IntegerField()

    def to_representation(self, instance: Any) -> Any:
        data = super().to_representation(instance)
        data["a"] = data["a"] * 10
        return data


class Tree(serializers.Serializer):
    leaf = Leaf(allow_null=True)
    leaves = Leaf(many=True)
    by_name = serializers.DictField(child=Leaf())
    plain_dict = serializers.DictField()
    names = serializers.ListField(child=serializers.CharField())
    nested_lists = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField())
    )
    custom = Overridden()
    customs = Overridden(many=True)
    dotted = serializers.CharField(source="inner.name")


def _leaf(**over: Any) -> dict[str, Any]:
    return {
        "n": 3,
        "x": 0.1 + 0.2,
        "money": Decimal("1234.50"),
        "at": datetime(2026, 12, 4, 2, 0, 0, 123456, tzinfo=timezone(timedelta(hours=2))),
        "day": date(2026, 2, 28),
        "grade": "b",
        "ok": True,
        "text": 'Zoë — 東京 \u2028 "quoted"',
        **over,
    }


def _tree() -> dict[str, Any]:
    return {
        "leaf": _leaf(optional="here"),
        "leaves": [_leaf(n=1, x=None, day=None, ok=False), _leaf(n=2, x=1e-7)],
        "by_name": {"one": _leaf(), 2: _leaf(fallback="given"), "none": None},
        "plain_dict": {"a": [1, 2], "b": {"c": None}, "d": Decimal("2.50")},
        "names": ["x", None, 5],
        "nested_lists": [[1, "2"], None, []],
        "custom": {"a": 4},
        "customs": [{"a": 1}, {"a": 2}],
        "inner": {"name": "dotted value"},
    }


def _same(serializer_class: type[serializers.Serializer], document: Any) -> Any:
    expected = serializer_class(document).data
    got = represent(serializer_class, document)
    assert got == expected
    # And byte for byte once rendered (key order, types: Decimal string, date-time text).
    assert JSONRenderer().render(got) == JSONRenderer().render(expected)
    return got


def test_nested_document_matches_drf_and_reads_as_computed_by_hand() -> None:
    got = _same(Tree, _tree())
    leaf = got["leaf"]
    # Computed by hand: the date-time in UTC with its microseconds, `Z`; the Decimal as text.
    assert leaf["at"] == "2026-12-04T00:00:00.123456Z"
    assert leaf["money"] == "1234.50"
    assert leaf["day"] == "2026-02-28"
    assert leaf["optional"] == "here"
    assert leaf["fallback"] == "dflt"
    assert "optional" not in got["leaves"][0]  # not required and absent: skipped, as DRF does
    assert got["leaves"][0]["x"] is None
    assert got["leaves"][0]["day"] is None
    assert got["leaves"][1]["x"] == 1e-7
    assert got["by_name"]["2"]["fallback"] == "given"
    assert got["by_name"]["none"] is None
    assert got["names"] == ["x", None, "5"]
    assert got["nested_lists"] == [[1, 2], None, []]
    assert got["custom"] == {"a": 40}
    assert got["customs"] == [{"a": 10}, {"a": 20}]
    assert got["dotted"] == "dotted value"
    assert got["leaf"]["text"] == 'Zoë — 東京 \u2028 "quoted"'


def test_objects_read_by_attribute_and_null_nested() -> None:
    class Obj:
        def __init__(self, **kw: Any) -> None:
            self.__dict__.update(kw)

    document = {**_tree(), "leaf": None, "leaves": [Obj(**_leaf())]}
    got = _same(Tree, document)
    assert got["leaf"] is None
    assert got["leaves"][0]["n"] == 3


def test_a_missing_required_key_fails_as_drf_fails() -> None:
    document = _tree()
    del document["leaf"]["n"]
    with pytest.raises(KeyError):
        Tree(document).data  # noqa: B018
    with pytest.raises(KeyError):
        represent(Tree, document)


def test_rendered_json_is_utf8_and_escapes_line_separators_like_drf() -> None:
    rendered = JSONRenderer().render(represent(Leaf, _leaf()))
    assert "Zoë — 東京".encode() in rendered
    assert b"\\u2028" in rendered
    assert json.loads(rendered)["at"] == "2026-12-04T00:00:00.123456Z"


def test_the_read_out_examples_match_drf() -> None:
    """The published examples, through the read-outs' own serializers (UTC date-times)."""
    _same(hs.MarketingHealthSerializer, hs.HEALTH_EXAMPLE)
    _same(es.ExpansionSerializer, es.EXPANSION_EXAMPLE)
    value = {"computed_at": datetime(2026, 12, 4, 2, 0, tzinfo=UTC)}
    with pytest.raises(KeyError):  # an incomplete document fails in both, the same way
        CustomerValueSerializer(value).data  # noqa: B018
    with pytest.raises(KeyError):
        represent(CustomerValueSerializer, value)
