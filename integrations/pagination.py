import re
from datetime import date
from functools import cache
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Field, Model, QuerySet
from rest_framework import pagination
from rest_framework.exceptions import ErrorDetail, NotFound, ValidationError
from rest_framework.request import Request

from .validation import date_in_bounds, has_invalid_characters

# Cursors we issue are standard base64 well under 200 characters; anything else was not made
# by us (the decoder would silently skip non-alphabet characters).
MAX_CURSOR_LENGTH = 1000
_BASE64_RE = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")


def _refuse(param: str, detail: str, code: str) -> ValidationError:
    return ValidationError({param: [ErrorDetail(detail, code=code)]})


class CursorPagination(pagination.CursorPagination):
    """Opaque cursors: stable under concurrent inserts, O(page) at any depth.

    A cursor or page size the server did not issue is a 400 (`invalid_cursor`,
    `invalid_page_size`), never a 404 or a silent default: the cursor's position is parsed
    as the ordering field's type before it reaches the database.
    """

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering: str | tuple[str, ...] = "-created_at"
    _model: type[Model] | None = None

    def paginate_queryset(self, queryset: QuerySet[Any], request: Request, view: Any = None) -> Any:
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= self.max_page_size):
            raise _refuse(
                self.page_size_query_param,
                f"page_size must be a whole number from 1 to {self.max_page_size}.",
                "invalid_page_size",
            )
        return int(raw)

    def decode_cursor(self, request: Request) -> Any:
        encoded = request.query_params.get(self.cursor_query_param)
        invalid = _refuse(self.cursor_query_param, "Invalid cursor.", "invalid_cursor")
        if encoded is not None and (
            len(encoded) > MAX_CURSOR_LENGTH or not _BASE64_RE.fullmatch(encoded)
        ):
            raise invalid
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise invalid from None
        if cursor is None or cursor.position is None:
            return cursor
        position = str(cursor.position)
        if has_invalid_characters(position) or not self._position_is_valid(position):
            raise invalid
        return cursor

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
