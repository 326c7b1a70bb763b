"""The risk list's filters: grade, trend direction and renewal window, each the one
definition its domain reader gives (`cockpit.risk`, `customers.read`)."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from customers import read as customers_read
from customers.models import HealthGrade
from integrations.clock import today

from .. import risk


class GradeFilter(admin.SimpleListFilter):
    title = "health grade"
    parameter_name = "grade"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [*HealthGrade.choices, (risk.NO_SCORE, "no score yet")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value not in {key for key, _ in self.lookup_choices}:
            return queryset
        return queryset.filter(risk.grade_filter(value))


class TrendFilter(admin.SimpleListFilter):
    title = "30-day trend"
    parameter_name = "trend"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        labels = {
            "declining": "declining (−5 points or more)",
            "stable": "stable (within ±5)",
            "improving": "improving (+5 points or more)",
        }
        return [(d, labels[d]) for d in customers_read.TREND_DIRECTIONS]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value not in customers_read.TREND_DIRECTIONS:
            return queryset
        return queryset.filter(customers_read.direction_filter(value))


class RenewalWithinFilter(admin.SimpleListFilter):
    title = "renewal within"
    parameter_name = "renewal_within"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(str(days), f"{days} days") for days in risk.RENEWAL_WINDOWS]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value not in {str(days) for days in risk.RENEWAL_WINDOWS}:
            return queryset
        return queryset.filter(risk.renewal_within(today(), int(value)))
