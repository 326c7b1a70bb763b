"""Keyset cursors over a queryset ordered by a nullable value (a column or an annotation, e.g.
a health score): the order is (value, NULLs last; then a unique non-null tiebreaker,
ascending), and a cursor holds the (value, tiebreaker) of the row it continues from. DRF's
cursor keeps only the first ordering field plus an offset, which cannot step past NULLs and
skips or repeats rows when many share a value; a composite key does neither, and each page is
one indexed range query at any depth.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import F, Q, QuerySet
from django.db.models.expressions import OrderBy
from rest_framework.request import Request

from .pagination import CursorPagination, Key, SortedListPagination, _refuse


@dataclass(frozen=True, slots=True)
class SortKey:
    """A list's order: `field` (nullable; NULLs always last), descending or not, then
    `tiebreak` ascending. `parse` reads a value back from its cursor text (int, Decimal)."""

    field: str
    descending: bool
    tiebreak: str
    parse: Callable[[str], Any]


def parse_decimal(text: str) -> Decimal:
    value = Decimal(text)
    if not value.is_finite():
        raise ValueError(text)
    return value


class KeysetPagination(SortedListPagination):
    """The same signed, list-and-filter-bound cursors, `page_size` and `{next, previous,
    results}` page as `CursorPagination`. A view that sorts by a value defines
    `sort_key(request) -> SortKey | None`; without one (None) the list pages by `ordering`
    with the plain cursor."""

    _keyset = False

    def paginate_queryset(self, queryset: QuerySet[Any], request: Request, view: Any = None) -> Any:
        key = view.sort_key(request) if hasattr(view, "sort_key") else None
        self._keyset = key is not None
        if key is None:
            return CursorPagination.paginate_queryset(self, queryset, request, view)
        self.request = request
        self._model = queryset.model
        self._context = self._cursor_context(request)
        self.base_url = request.build_absolute_uri()
        size = self.get_page_size(request)
        position, reverse = self._decode_position(request)
        value, tie = self._position(key, position)
        rows = queryset
        if position is not None:
            rows = rows.filter(_before(key, value, tie) if reverse else _after(key, value, tie))
        page = list(rows.order_by(*_order(key, reverse))[: size + 1])
        more = len(page) > size
        page = page[:size]
        if reverse:
            page.reverse()
        first, last = (_key(key, page[0]), _key(key, page[-1])) if page else (None, None)
        if reverse:
            self._previous = first if more else None
            self._next = last if page else position
        else:
            self._next = last if more else None
            self._previous = first if position is not None and page else None
        return page

    def _position(self, key: SortKey, position: Key | None) -> tuple[Any, str | None]:
        """The cursor's (value, tiebreaker): [1, value text, tie] or [0, "", tie] (NULL)."""
        if position is None:
            return None, None
        invalid = _refuse(self.cursor_query_param, "Invalid cursor.", "invalid_cursor")
        if len(position) != 3 or position[0] not in (0, 1):
            raise invalid
        has_value, text, tie = position
        if not isinstance(text, str) or not isinstance(tie, str):
            raise invalid
        if not has_value:
            return None, tie
        try:
            return key.parse(text), tie
        except (ValueError, InvalidOperation, ArithmeticError):
            raise invalid from None

    def get_next_link(self) -> str | None:
        if not self._keyset:
            return CursorPagination.get_next_link(self)
        return super().get_next_link()

    def get_previous_link(self) -> str | None:
        if not self._keyset:
            return CursorPagination.get_previous_link(self)
        return super().get_previous_link()


def _key(key: SortKey, row: Any) -> Key:
    value = getattr(row, key.field)
    tie = str(getattr(row, key.tiebreak))
    return (0, "", tie) if value is None else (1, str(value), tie)


def _order(key: SortKey, reverse: bool) -> list[OrderBy]:
    """The list's order, or its exact inverse (reading backwards from a cursor)."""
    descending = key.descending != reverse
    nulls = {"nulls_first": True} if reverse else {"nulls_last": True}
    value = F(key.field).desc(**nulls) if descending else F(key.field).asc(**nulls)
    tie = F(key.tiebreak).desc() if reverse else F(key.tiebreak).asc()
    return [value, tie]


def _after(key: SortKey, value: Any, tie: str | None) -> Q:
    """The rows after (value, tie) in the list's order (NULL values come last)."""
    f, t = key.field, key.tiebreak
    if value is None:
        return Q(**{f"{f}__isnull": True, f"{t}__gt": tie})
    beyond = f"{f}__lt" if key.descending else f"{f}__gt"
    return Q(**{beyond: value}) | Q(**{f: value, f"{t}__gt": tie}) | Q(**{f"{f}__isnull": True})


def _before(key: SortKey, value: Any, tie: str | None) -> Q:
    """The rows before (value, tie) in the list's order."""
    f, t = key.field, key.tiebreak
    if value is None:
        return Q(**{f"{f}__isnull": False}) | Q(**{f"{f}__isnull": True, f"{t}__lt": tie})
    ahead = f"{f}__gt" if key.descending else f"{f}__lt"
    return Q(**{ahead: value}) | Q(**{f: value, f"{t}__lt": tie})
