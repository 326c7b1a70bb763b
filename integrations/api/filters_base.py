"""Filters shared by every list endpoint."""

from datetime import UTC, datetime
from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django_filters.fields import IsoDateTimeField


class InRangeIsoDateTimeField(IsoDateTimeField):
    """Refuses instants that cannot be expressed in UTC (year 1 at +14:00), which would
    otherwise overflow when the database adapts them."""

    def to_python(self, value: Any) -> datetime | None:
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            # Hand the database UTC: PostgreSQL refuses offsets beyond ±15:59 (e.g. -21:07).
            return parsed.astimezone(UTC)
        except OverflowError:
            raise ValidationError("Date-time out of range.", code="invalid") from None


class InRangeIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = InRangeIsoDateTimeField
