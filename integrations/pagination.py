import bisect
import re
from collections.abc import Sequence
from datetime import date
from functools import cache
from typing import Any, cast

from django.core import signing
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Field, Model, QuerySet
from rest_framework import pagination
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.pagination import Cursor
from rest_framework.request import Request
from rest_framework.utils.urls import replace_query_param

from .validation import date_in_bounds, has_invalid_characters

# Cursors we issue are signed (django.core.signing: URL-safe base64, `:` and `.`), well under
# 300 characters; anything else was not made by us.
MAX_CURSOR_LENGTH = 1000
_SIGNED_RE = re.compile(r"[A-Za-z0-9_.:-]+")
CURSOR_SALT = "integrations.pagination.cursor"


def _refuse(param: str, detail: str, code: str) -> ValidationError:
    return ValidationError({param: [ErrorDetail(detail, code=code)]})


class CursorPagination(pagination.CursorPagination):
    """Opaque cursors: stable under concurrent inserts, O(page) at any depth.

    A cursor or page size the server did not issue is a 400 (`invalid_cursor`,
    `invalid_page_size`), never a 404 or a silent default: the cursor's position is parsed
    as the ordering field's type before it reaches the database. An empty `page_size` is the
    default, as an empty filter is a filter left out.
    """

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering: str | tuple[str, ...] = "-created_at"
    _model: type[Model] | None = None
    _context = ""

    def paginate_queryset(self, queryset: QuerySet[Any], request: Request, view: Any = None) -> Any:
        self._model = queryset.model
        self._context = self._cursor_context(request)
        return super().paginate_queryset(queryset, request, view)

    def _cursor_context(self, request: Request) -> str:
        """What a cursor is valid for: this list with these filters (the page size may change
        between pages). It salts the signature, so a cursor from another list or another
        filter would skip or repeat rows there: refused as `invalid_cursor`."""
        ignored = {self.cursor_query_param, self.page_size_query_param}
        params = sorted(
            (name, value)
            for name, values in request.query_params.lists()
            if name not in ignored
            for value in values
        )
        return repr((request.path.rstrip("/"), params))

    def _signer(self) -> signing.Signer:
        return signing.Signer(salt=f"{CURSOR_SALT}:{self._context}")

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        """The schema states what the server accepts: a non-empty cursor it issued, and a page
        size from 1 to max_page_size (default page_size)."""
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.cursor_query_param:
                parameter["schema"] = {"type": "string", "minLength": 1}
                parameter["description"] = "The `next` or `previous` link's cursor, as issued."
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                    "default": self.page_size,
                }
        return parameters

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if not raw:  # absent, or empty as a left-out filter is on every list
            return self.page_size
        if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= self.max_page_size):
            raise _refuse(
                self.page_size_query_param,
                f"page_size must be a whole number from 1 to {self.max_page_size}.",
                "invalid_page_size",
            )
        return int(raw)

    def encode_cursor(self, cursor: Cursor) -> str:
        # Signed, so a position the server did not issue (a crafted `p=garbage`) never reaches
        # the query: DRF's plain base64 would accept any text as a position.
        tokens = {"o": cursor.offset, "r": cursor.reverse, "p": cursor.position}
        compact = {k: v for k, v in tokens.items() if v}
        signed = self._signer().sign_object(compact, compress=True)
        return replace_query_param(self.base_url or "", self.cursor_query_param, signed)

    def decode_cursor(self, request: Request) -> Any:
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        invalid = _refuse(self.cursor_query_param, "Invalid cursor.", "invalid_cursor")
        if len(encoded) > MAX_CURSOR_LENGTH or not _SIGNED_RE.fullmatch(encoded):
            raise invalid
        try:
            tokens = self._signer().unsign_object(encoded)
        except (signing.BadSignature, ValueError, UnicodeError):
            raise invalid from None
        offset, reverse, position = tokens.get("o", 0), tokens.get("r", False), tokens.get("p")
        if not (
            isinstance(offset, int)
            and 0 <= offset <= self.offset_cutoff
            and isinstance(reverse, bool)
            and (position is None or isinstance(position, str))
        ):
            raise invalid
        if position is not None and (
            has_invalid_characters(position) or not self._position_is_valid(position)
        ):
            raise invalid
        # (the stubs type a position as int; DRF keeps the ordering field as text)
        return Cursor(offset=offset, reverse=reverse, position=cast(Any, position))

    def _position_is_valid(self, position: str) -> bool:
        field = self._ordering_field()
        if field is None:
            return True
        try:
            value = field.to_python(position)
        except (DjangoValidationError, ValueError, TypeError, OverflowError):
            return False
        return not isinstance(value, date) or date_in_bounds(value)

    def _ordering_field(self) -> "Field[Any, Any] | None":
        model = self._model
        path = self.ordering[0].lstrip("-").split("__")
        field: Any = None
        for name in path:
            if model is None:
                return None
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:
                return None  # an annotation: no model type to check against
            model = field.related_model
        return field if isinstance(field, Field) else None


@cache
def cursor_pagination(*ordering: str) -> type[CursorPagination]:
    """The paginator of a list ordered by `ordering` (unique in the end, e.g. ending in "id").
    One class per ordering, shared by every view that lists that way."""
    name = "CursorBy_" + "_".join(o.replace("-", "desc_") for o in ordering)
    return type(name, (CursorPagination,), {"ordering": tuple(ordering)})


Key = tuple[int | str, ...]


class SortedListPagination(CursorPagination):
    """Opaque cursors over a list ordered in Python (rows scored after the query, so the order
    is not a column): the same signed, list-and-filter-bound cursors, `page_size` and
    `{next, previous, results}` page as `CursorPagination`. The cursor holds the sort key of
    the row it continues from (keyset, not an offset), so a row added or dropped between two
    requests never shifts a page. `key(row)` must be unique and made of ints and strs."""

    ordering = ()
    _next: Key | None = None
    _previous: Key | None = None
    _checked_size = 0
    _checked_at: Key | None = None
    _checked_reverse = False

    def check_request(self, request: Request) -> None:
        """Refuse a bad `page_size` or cursor (400) before the rows are computed: the list is
        scored first, so a garbage cursor would otherwise cost a whole computation."""
        self._context = self._cursor_context(request)
        self._checked_size = self.get_page_size(request)
        self._checked_at, self._checked_reverse = self._decode_position(request)

    def covers_page(self, prefix: Sequence[Any], key: Any) -> bool:
        """Whether `prefix`, the first rows of the sorted list (after `check_request`), is
        enough for `paginate_list` to answer as it would from the whole list: the requested
        page, every row before it, and one row after it (the next link). Lets a list scored
        in sort order stop early; monotone: a longer prefix covers what a shorter one did."""
        if not self._checked_size:  # page sizes are 1 or more once checked
            raise RuntimeError("SortedListPagination.covers_page needs check_request first")
        keys = [tuple(key(row)) for row in prefix]
        if self._checked_at is None:
            return len(keys) > self._checked_size
        try:
            if self._checked_reverse:  # every row before the position, so a row at or after it
                return bisect.bisect_left(keys, self._checked_at) < len(keys)
            return len(keys) - bisect.bisect_right(keys, self._checked_at) > self._checked_size
        except TypeError:  # a key of another shape: paginate_list refuses it
            return True

    def paginate_list(
        self, rows: list[Any], key: Any, request: Request, view: Any = None
    ) -> list[Any]:
        """The page of `rows` (already sorted by `key`) that the request's cursor names."""
        self.request = request
        self._context = self._cursor_context(request)
        self.base_url = request.build_absolute_uri()
        size = self.get_page_size(request)
        keys = [tuple(key(row)) for row in rows]
        position, reverse = self._decode_position(request)
        try:
            if position is None:
                start, stop = 0, min(size, len(rows))
            elif reverse:  # the page before `position`
                stop = bisect.bisect_left(keys, position)
                start = max(0, stop - size)
            else:  # the page after `position`
                start = bisect.bisect_right(keys, position)
                stop = min(start + size, len(rows))
        except TypeError:  # a key of another shape (issued before the ordering changed)
            raise _refuse(self.cursor_query_param, "Invalid cursor.", "invalid_cursor") from None
        self._next = keys[stop - 1] if stop < len(rows) and stop > start else None
        self._previous = keys[start] if start > 0 and start < len(rows) else None
        return rows[start:stop]

    def _link(self, position: Key | None, reverse: bool) -> str | None:
        if position is None:
            return None
        tokens = {"k": list(position), **({"r": True} if reverse else {})}
        signed = self._signer().sign_object(tokens, compress=True)
        return replace_query_param(self.base_url or "", self.cursor_query_param, signed)

    def get_next_link(self) -> str | None:
        return self._link(self._next, reverse=False)

    def get_previous_link(self) -> str | None:
        return self._link(self._previous, reverse=True)

    def _decode_position(self, request: Request) -> tuple[Key | None, bool]:
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None, False
        invalid = _refuse(self.cursor_query_param, "Invalid cursor.", "invalid_cursor")
        if len(encoded) > MAX_CURSOR_LENGTH or not _SIGNED_RE.fullmatch(encoded):
            raise invalid
        try:
            tokens = self._signer().unsign_object(encoded)
        except (signing.BadSignature, ValueError, UnicodeError):
            raise invalid from None
        position, reverse = tokens.get("k"), tokens.get("r", False)
        if not (
            isinstance(position, list)
            and position
            and all(isinstance(p, int | str) and not isinstance(p, bool) for p in position)
            and isinstance(reverse, bool)
        ):
            raise invalid
        return tuple(position), reverse
