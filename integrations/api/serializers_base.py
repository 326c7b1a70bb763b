from datetime import date, datetime
from typing import Any

from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from ..ids import FullMatchRegexValidator, KeyValidator
from ..validation import (
    DATE_BOUND_DETAIL,
    DATE_FORMAT_DETAIL,
    INVALID_CHARACTERS,
    INVALID_CHARACTERS_DETAIL,
    DateTimeTextError,
    date_in_bounds,
    has_invalid_characters,
    is_plain_date_text,
    is_plain_number,
    parse_datetime_text,
)

# An integer field without its own bound still has to fit a database integer column.
MAX_INTEGER = 2**31 - 1
_TEXT = (serializers.CharField, serializers.ChoiceField)
_DATES = (serializers.DateField, serializers.DateTimeField)


class DateTimeField(serializers.DateTimeField):
    """A date-time input, RFC 3339 only (integrations.validation.parse_datetime_text): DRF's
    field reads a date alone as midnight, a time without offset as UTC, an ISO week, and lets
    NUL through. Output is DRF's (ISO 8601 in UTC, `Z`); the schema says `date-time`."""

    def to_internal_value(self, value: Any) -> datetime:
        try:
            return parse_datetime_text(value)
        except DateTimeTextError as exc:
            raise serializers.ValidationError(exc.detail, code=exc.code) from None


class StrictSerializer(serializers.Serializer):
    """Write serializer that refuses what DRF would quietly coerce or let through.

    DRF turns 12 into "12", "yes" into True, " 12 " and "1_000" into 12, "1e1000000" into an
    overflowing Decimal, and drops fields it does not know; it stores text with NUL (refused
    by PostgreSQL) and any date up to year 9999. An integration that sends the wrong shape
    should hear about it instead, with the same codes as a bulk item (integrations.bulk).
    """

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, dict):
            return super().to_internal_value(data)
        errors: dict[str, Any] = {}
        for name in sorted(set(data) - set(self.fields)):
            errors[name] = [ErrorDetail("Unknown field.", code="unknown_field")]
        for name, field in self.fields.items():
            if name in data and data[name] is not None and not field.read_only:
                items = _item_problems(field, data[name])
                problem = _shape_problem(field, data[name])
                if items:  # one error per bad item, at its index (`name.3`)
                    errors[name] = items
                elif problem is not None:
                    errors[name] = [problem]
        if not errors:
            return super().to_internal_value(data)
        # Report DRF's findings on the other fields too (every problem in one response);
        # values with the wrong shape never reach DRF's coercing parsers.
        shaped = {k: v for k, v in data.items() if k not in errors}
        try:
            super().to_internal_value(shaped)
        except serializers.ValidationError as exc:
            if isinstance(exc.detail, dict):
                for name, detail in exc.detail.items():
                    errors.setdefault(name, detail)
        raise serializers.ValidationError(errors)


class QuerySerializer(serializers.Serializer):
    """Query parameters of a view: text by nature, but a number must be written plainly.
    DRF's IntegerField runs int(), which reads "1_000" and " 12 " as numbers (and Decimal()
    reads "NaN" and " 1.5 ")."""

    def to_internal_value(self, data: Any) -> Any:
        errors: dict[str, list[ErrorDetail]] = {}
        for name, field in self.fields.items():
            value = data.get(name) if hasattr(data, "get") else None
            integer = isinstance(field, serializers.IntegerField)
            decimal = isinstance(field, serializers.DecimalField | serializers.FloatField)
            written = isinstance(value, str) and value != ""  # empty: the default
            if integer and written and not is_plain_number(value, integer=True):
                errors[name] = [ErrorDetail("A whole number is required.", code="invalid")]
            if decimal and written and not is_plain_number(value, integer=False):
                errors[name] = [ErrorDetail("A number is required.", code="invalid")]
            if _is_date(field) and written and not is_plain_date_text(value):
                errors[name] = [ErrorDetail(DATE_FORMAT_DETAIL, code="invalid")]
        if errors:
            raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


def _shape_problem(field: serializers.Field, value: Any) -> ErrorDetail | None:
    """Why `value` has the wrong JSON shape for `field`, or None."""
    email = isinstance(field, serializers.EmailField) and isinstance(value, str)
    if email and value != value.strip():  # an email is a key: refused, never trimmed
        return ErrorDetail("Must not start or end with whitespace.", code="invalid")
    if isinstance(field, _TEXT):
        return _text_problem(value)
    if isinstance(field, serializers.ListField) and isinstance(value, list):
        return None  # its items: _item_problems
    if isinstance(field, serializers.BooleanField):
        if not isinstance(value, bool):
            return ErrorDetail("Must be true or false.", code="invalid")
    elif isinstance(field, serializers.IntegerField):
        # A JSON integer: 12.0 is a float and "12" a string (money too: whole currency units).
        if isinstance(value, bool) or not isinstance(value, int):
            return ErrorDetail("A whole number is required (a JSON integer).", code="invalid")
        if field.max_value is None and abs(value) > MAX_INTEGER:
            return ErrorDetail(f"Must be at most {MAX_INTEGER}.", code="max_value")
    elif isinstance(field, serializers.DecimalField | serializers.FloatField):
        # Rates and probabilities: a JSON number (integer or not), never a string.
        if isinstance(value, bool) or not isinstance(value, int | float):
            return ErrorDetail(
                "A number is required (a JSON number, not a string).", code="invalid"
            )
    elif isinstance(field, serializers.DateTimeField):
        # Every date-time of a write, whichever DateTimeField class declared it.
        try:
            parse_datetime_text(value)
        except DateTimeTextError as exc:
            return ErrorDetail(exc.detail, code=exc.code)
    elif isinstance(field, _DATES) and isinstance(value, str):
        return _date_problem(field, value)
    return None


def _item_problems(field: serializers.Field, value: Any) -> dict[int, list[ErrorDetail]]:
    """A list of text: each item with the wrong shape, by its index (as DRF's ListField
    reports its child's errors)."""
    if not (isinstance(field, serializers.ListField) and isinstance(value, list)):
        return {}
    if not isinstance(field.child, _TEXT):
        return {}
    found = ((i, _text_problem(item)) for i, item in enumerate(value))
    return {i: [problem] for i, problem in found if problem is not None}


def _text_problem(value: Any) -> ErrorDetail | None:
    if not isinstance(value, str):
        return ErrorDetail("Must be a string.", code="invalid")
    if has_invalid_characters(value):
        return ErrorDetail(INVALID_CHARACTERS_DETAIL, code=INVALID_CHARACTERS)
    return None


def _is_date(field: serializers.Field) -> bool:
    return isinstance(field, serializers.DateField)  # (DRF's DateTimeField is not one)


def _date_problem(field: serializers.Field, value: str) -> ErrorDetail | None:
    if _is_date(field) and not is_plain_date_text(value):
        return ErrorDetail(DATE_FORMAT_DETAIL, code="invalid")
    try:
        parsed = field.to_internal_value(value)
    except serializers.ValidationError:
        return None  # the field reports its own format error
    if isinstance(parsed, date) and not date_in_bounds(parsed):
        return ErrorDetail(DATE_BOUND_DETAIL, code="invalid")
    return None


def key_field(**kwargs: Any) -> serializers.CharField:
    """An external system's key (`cust_12345`): integrations.ids.KEY_PATTERN, matched whole."""
    return serializers.CharField(
        max_length=64, trim_whitespace=False, validators=[KeyValidator()], **kwargs
    )


def pattern_field(pattern: str, message: str | None = None, **kwargs: Any) -> serializers.CharField:
    """A text field matching `pattern` whole (DRF's RegexField uses `search`, so `^...$`
    would let a trailing newline through, and trims it silently). The pattern is published
    in the schema."""
    return serializers.CharField(
        trim_whitespace=False, validators=[FullMatchRegexValidator(pattern, message)], **kwargs
    )


__all__ = ["DateTimeField", "QuerySerializer", "StrictSerializer", "key_field", "pattern_field"]
