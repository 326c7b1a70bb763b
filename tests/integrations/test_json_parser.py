"""The API's JSON reader (integrations.parsers.loads): json's own integer reader on the fast
path must give exactly what the bounded one gave, and the bounded one's refusals still apply."""

import json

import pytest

from integrations.parsers import MAX_DEPTH, MAX_INTEGER_DIGITS, loads


def test_a_batch_reads_as_json_reads_it() -> None:
    body = json.dumps(
        [
            {"customer_id": "c1", "events": 0, "active_users": -7, "rate": 0.25, "x": None},
            {"customer_id": "c2", "events": 2_000_000_000, "nested": {"a": [1, 2, {"b": True}]}},
        ]
    )
    parsed = loads(body)
    assert parsed == json.loads(body)
    assert [type(v) for v in parsed[0].values()] == [str, int, int, float, type(None)]


def test_integers_up_to_the_digit_limit_are_read_and_longer_ones_refused() -> None:
    longest = "9" * MAX_INTEGER_DIGITS
    assert loads(f'[{{"n": {longest}}}, {{"n": -{longest}}}]') == [
        {"n": int(longest)},
        {"n": -int(longest)},
    ]
    # One digit more, after a valid item: the bounded reader's message, not the interpreter's.
    with pytest.raises(ValueError, match="Number too large"):
        loads(f'[{{"n": 1}}, {{"n": {longest}1}}]')


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[1, NaN]", "NaN is not valid JSON"),
        ("[1e1000000]", "Number out of range"),
        ("[1, 2", "Expecting"),
    ],
)
def test_other_refusals_keep_their_messages(body: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        loads(body)


def test_nesting_is_bounded_in_lists_and_objects() -> None:
    at_limit = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert loads(at_limit) is not None
    with pytest.raises(ValueError, match="Nested deeper"):
        loads("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    objects = '{"a": ' * (MAX_DEPTH + 1) + "1" + "}" * (MAX_DEPTH + 1)
    with pytest.raises(ValueError, match="Nested deeper"):
        loads(objects)
    # Deep inside the last of many flat items: still found.
    many = [{"i": i} for i in range(1000)]
    text = json.dumps(many)[:-1] + ", " + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "]"
    with pytest.raises(ValueError, match="Nested deeper"):
        loads(text)


def test_object_keys_with_nul_are_refused() -> None:
    with pytest.raises(ValueError, match="Object keys"):
        loads('[{"ok": 1}, {"a\\u0000": 1}]')
