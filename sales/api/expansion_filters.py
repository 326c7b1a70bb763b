"""Filters of the expansion list (README, "Sales: expansion readiness")."""

from typing import Any

import django_filters
from django import forms
from drf_spectacular.utils import extend_schema_field

from customers.choices import Segment
from integrations.api.filters_base import EmailFilter

from ..models import ExpansionSnapshot


class ScoreField(forms.IntegerField):
    """A whole number 0-100 written as digits only (`50.0`, ` 50`, `5e1` are refused)."""

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        if not (isinstance(value, str) and value.isascii() and value.isdigit()):
            raise forms.ValidationError("A whole number from 0 to 100.", code="invalid")
        return int(value)


@extend_schema_field({"type": "integer", "minimum": 0, "maximum": 100})
class ScoreFilter(django_filters.NumberFilter):
    field_class = ScoreField


class ExpansionFilter(django_filters.FilterSet):
    segment = django_filters.ChoiceFilter(field_name="customer__segment", choices=Segment.choices)
    csm = EmailFilter(
        field_name="customer__success_manager__email", help_text="The CSM's email (exact)."
    )
    min_score = ScoreFilter(
        field_name="score",
        lookup_expr="gte",
        min_value=0,
        max_value=100,
        help_text="Readiness at or above this (0-100).",
    )

    class Meta:
        model = ExpansionSnapshot
        fields = ["segment", "csm", "min_score"]
