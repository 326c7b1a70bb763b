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
