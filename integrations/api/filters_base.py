"""Filters shared by every list endpoint."""

from datetime import date, datetime
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema_field

from ..ids import KeyValidator
from ..validation import (
    DATE_BOUND_DETAIL,
    DateTimeTextError,
    date_in_bounds,
    parse_datetime_text,
)


class InRangeIsoDateTimeField(IsoDateTimeField):
    """A date-time filter read like every date-time input (integrations.validation
    .parse_datetime_text): RFC 3339 with `Z` or an offset (`+` written `%2B` in a query
    string), within the API's date bound, handed to the database in UTC."""

    def to_python(self, value: Any) -> datetime | None:
        if value in self.empty_values:
            return None
        try:
            return parse_datetime_text(value)
        except DateTimeTextError as exc:
            raise ValidationError(exc.detail, code=exc.code) from None


class InRangeIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = InRangeIsoDateTimeField


class InRangeDateField(forms.DateField):
    def to_python(self, value: Any) -> date | None:
        parsed = super().to_python(value)
        if parsed is not None and not date_in_bounds(parsed):
            raise ValidationError(DATE_BOUND_DETAIL, code="invalid")
        return parsed


class InRangeDateFilter(django_filters.DateFilter):
    field_class = InRangeDateField


class StrictBooleanField(forms.Field):
    """`true` or `false` (any case; also 1 or 0). django-filter's BooleanFilter reads any
    other value (`yes`) as "no filter" and returns the unfiltered list."""

    _VALUES = {"true": True, "1": True, "false": False, "0": False}

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        parsed = self._VALUES.get(str(value).lower())
        if parsed is None:
            raise ValidationError("Use true or false.", code="invalid")
        return parsed


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


# Exact-match text filters keep the value as given: forms.CharField strips it, so
# `?success_manager=a@b.com%0A` matched the same rows as the exact email. Keys and emails
# also have a shape, so a value with surrounding whitespace is a 400 `invalid` instead.


class ExactCharFilter(django_filters.CharFilter):
    """Exact text, not stripped (a value with a trailing space matches nothing)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("strip", False)
        super().__init__(*args, **kwargs)


class KeyFilter(ExactCharFilter):
    """An external system's key (`customer_id`, `feature_id`): the key pattern, matched whole."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("validators", [KeyValidator()])
        super().__init__(*args, **kwargs)


class UnstrippedEmailField(forms.CharField):
    # forms.EmailField always strips.
    default_validators = [validate_email]


@extend_schema_field({"type": "string", "format": "email"})
class EmailFilter(ExactCharFilter):
    """An email, matched case-insensitively (`iexact`) but never trimmed."""

    field_class = UnstrippedEmailField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("lookup_expr", "iexact")
        super().__init__(*args, **kwargs)
