"""Filters shared by every list endpoint."""

from datetime import UTC, date, datetime
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django_filters.fields import IsoDateTimeField

from ..ids import KeyValidator
from ..validation import DATE_BOUND_DETAIL, date_in_bounds


class InRangeIsoDateTimeField(IsoDateTimeField):
    """Keeps the API's one date bound (integrations.validation), which also refuses instants
    that cannot be expressed in UTC (year 1 at +14:00) and would overflow in the database."""

    def to_python(self, value: Any) -> datetime | None:
        parsed = super().to_python(value)
        if parsed is None:
            return None
        if not date_in_bounds(parsed):
            raise ValidationError(DATE_BOUND_DETAIL, code="invalid")
        # Hand the database UTC: PostgreSQL refuses offsets beyond ±15:59 (e.g. -21:07).
        return parsed.astimezone(UTC)


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


class EmailFilter(ExactCharFilter):
    """An email, matched case-insensitively (`iexact`) but never trimmed."""

    field_class = UnstrippedEmailField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("lookup_expr", "iexact")
        super().__init__(*args, **kwargs)
