"""The bulk validator must answer every JSON value with a clean result or an item error."""

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.bulk import KINDS, BulkSchema, BulkValidationError, Spec

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=6,
)
SCHEMA = BulkSchema(
    specs=[Spec(f"f_{kind}", kind=kind, required=False) for kind in KINDS],
    natural_key=("f_str",),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.dictionaries(st.sampled_from([s.name for s in SCHEMA.specs]), json_values),
        min_size=1,
        max_size=5,
    )
)
def test_any_json_item_is_cleaned_or_reported(items: list[dict[str, Any]]) -> None:
    errors: list[dict[str, Any]] = []
    try:
        SCHEMA.validate(items)
    except BulkValidationError as exc:  # anything else fails the test
        errors = exc.item_errors
    assert all(e["code"] and e["detail"] for e in errors)


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("int", 3.0, None),
        ("int", "3", None),
        ("int", True, None),
        ("money", 12, "12"),
        ("money", 12.5, None),
        ("money", 12.0, None),
        ("money", "1e3", None),
        ("money", "12", None),
        ("float", 0.25, "0.25"),
        ("float", 1, "1.0"),
        ("float", "0.25", None),
        ("float", True, None),
        ("decimal", "12.345", "12.35"),
        ("decimal", "NaN", None),
        ("decimal", "1e20", None),
        ("date", "2026-02-30", None),
        # Without an offset the zone would be a guess: refused (was read as UTC).
        ("datetime", "2026-01-01T10:00:00", None),
        ("datetime", "2026-01-01T10:00:00Z", "2026-01-01 10:00:00+00:00"),
        ("datetime", "2026-01-01T12:30+02:30", "2026-01-01 10:00:00+00:00"),
        ("datetime", "2026-01-01", None),
        ("datetime", "2026-01-01 10:00:00Z", None),
        ("email", " A@B.co ", None),
        ("email", "A@B.co\n", None),
        ("email", "A@B.co", "a@b.co"),
        ("key", "a b", None),
        ("bool", 1, None),
    ],
)
def test_parsers(kind: str, value: Any, expected: Any) -> None:
    schema = BulkSchema(specs=[Spec("k", kind="key"), Spec("v", kind=kind)], natural_key=("k",))
    if expected is None:
        with pytest.raises(BulkValidationError):
            schema.validate([{"k": "x", "v": value}])
    else:
        assert str(schema.validate([{"k": "x", "v": value}])[0]["v"]) == expected


def _int_errors(spec: Spec, values: list[Any]) -> list[tuple[int, str]]:
    schema = BulkSchema(specs=[Spec("k", kind="key"), spec], natural_key=("k",))
    try:
        schema.validate([{"k": f"k{i}", "n": v} for i, v in enumerate(values)])
    except BulkValidationError as exc:
        return [(e["index"], e["code"]) for e in exc.item_errors]
    return []


def test_bounded_ints_taken_directly_keep_every_rule() -> None:
    # A JSON integer within the bounds is taken without a parse call (the usage batches'
    # fast path): the bounds themselves, bools, floats and strings are still refused.
    plain = Spec("n", kind="int", min_value=0, max_value=10)
    assert _int_errors(plain, [0, 10, 5]) == []
    assert _int_errors(plain, [-1, 11, True, 3.0, "3", None, 10]) == [
        (0, "min_value"),
        (1, "max_value"),
        (2, "invalid"),
        (3, "invalid"),
        (4, "invalid"),
        (5, "null"),
    ]
    schema = BulkSchema(specs=[Spec("k", kind="key"), plain], natural_key=("k",))
    assert schema.validate([{"k": "a", "n": 7}]) == [{"k": "a", "n": 7}]

    # An int spec with a check is not a plain one: the check still runs.
    def odd(value: int) -> None:
        if value % 2 == 0:
            raise ValueError("Must be odd.")

    checked = Spec("n", kind="int", min_value=0, max_value=10, check=odd)
    assert _int_errors(checked, [1, 2, 3]) == [(1, "invalid")]


def test_unknown_fields_are_still_reported_beside_valid_ones() -> None:
    schema = BulkSchema(
        specs=[Spec("k", kind="key"), Spec("n", kind="int", min_value=0, max_value=9)],
        natural_key=("k",),
    )
    with pytest.raises(BulkValidationError) as caught:
        schema.validate([{"k": "a", "n": 1}, {"k": "b", "n": 2, "zz": 1, "yy": 2}])
    found = sorted((e["index"], e["field"], e["code"]) for e in caught.value.item_errors)
    assert found == [(1, "yy", "unknown_field"), (1, "zz", "unknown_field")]
