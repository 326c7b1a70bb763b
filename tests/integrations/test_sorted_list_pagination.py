"""SortedListPagination: keyset pages over a list ordered in Python, with the signed cursors of
every list (integrations/pagination.py)."""

from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from integrations.pagination import SortedListPagination

ROWS = [(-(100 - n), f"k{n:02d}") for n in range(7)]  # already in key order


def _page(query: dict[str, Any]) -> tuple[list[Any], SortedListPagination]:
    request = Request(APIRequestFactory().get("/api/v1/things", query))
    paginator = SortedListPagination()
    return paginator.paginate_list(ROWS, lambda row: row, request), paginator


def _cursor(link: str | None) -> str:
    assert link is not None
    return parse_qs(urlparse(link).query)["cursor"][0]


def test_forward_and_back_over_every_page() -> None:
    first, paginator = _page({"page_size": 3})
    assert first == ROWS[:3]
    assert paginator.get_previous_link() is None
    second, paginator = _page({"page_size": 3, "cursor": _cursor(paginator.get_next_link())})
    assert second == ROWS[3:6]
    third, last = _page({"page_size": 3, "cursor": _cursor(paginator.get_next_link())})
    assert third == ROWS[6:]
    assert last.get_next_link() is None
    back, paginator = _page({"page_size": 3, "cursor": _cursor(last.get_previous_link())})
    assert back == ROWS[3:6]
    start, paginator = _page({"page_size": 3, "cursor": _cursor(paginator.get_previous_link())})
    assert start == ROWS[:3]
    assert paginator.get_previous_link() is None
    assert paginator.get_next_link() is not None


def test_a_page_as_long_as_the_list_has_no_links() -> None:
    rows, paginator = _page({"page_size": 7})
    assert rows == ROWS
    assert (paginator.get_next_link(), paginator.get_previous_link()) == (None, None)


def test_a_signed_position_of_another_shape_is_an_invalid_cursor() -> None:
    _, paginator = _page({})
    forged = paginator._signer().sign_object({"k": ["text", 1]}, compress=True)
    with pytest.raises(ValidationError) as raised:
        _page({"cursor": forged})
    assert raised.value.get_codes() == {"cursor": ["invalid_cursor"]}


@pytest.mark.parametrize("tokens", [{"k": []}, {"k": [True]}, {"k": [1.5]}, {"k": 3}, {"r": 1}])
def test_malformed_positions_are_refused(tokens: dict[str, Any]) -> None:
    _, paginator = _page({})
    signed = paginator._signer().sign_object(tokens, compress=True)
    with pytest.raises(ValidationError):
        _page({"cursor": signed})


def test_covers_page_needs_the_request_checked_first() -> None:
    """Unchecked, the page size would read as 0 and a first row would look like a whole page."""
    with pytest.raises(RuntimeError, match="check_request"):
        SortedListPagination().covers_page([("a",)], lambda row: row)
