from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils import timezone

from integrations.api.filters_base import (
    ExactCharFilter,
    InRangeDateFilter,
    InRangeIsoDateTimeFilter,
    KeyFilter,
    StrictBooleanFilter,
)

from ..choices import BusinessImpact, FeedbackPriority, FeedbackStatus, FeedbackType
from ..models import Feature, FeatureUsage, Feedback
from ..selectors.feedback import overdue_q


class FeatureFilter(django_filters.FilterSet):
    category = ExactCharFilter()
    is_key = StrictBooleanFilter()
    is_premium = StrictBooleanFilter()

    class Meta:
        model = Feature
        fields = ["category", "is_key", "is_premium"]


class UsageFilter(django_filters.FilterSet):
    customer_id = KeyFilter(field_name="customer__customer_id")
    feature_id = KeyFilter(field_name="feature__feature_id")
    date_from = InRangeDateFilter(field_name="date", lookup_expr="gte")
    date_to = InRangeDateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = FeatureUsage
        fields = ["customer_id", "feature_id", "date_from", "date_to"]


class FeedbackFilter(django_filters.FilterSet):
    customer_id = KeyFilter(field_name="customer__customer_id")
    category = ExactCharFilter()
    type = django_filters.ChoiceFilter(choices=FeedbackType.choices)
    status = django_filters.ChoiceFilter(choices=FeedbackStatus.choices)
    priority = django_filters.ChoiceFilter(choices=FeedbackPriority.choices)
    business_impact = django_filters.ChoiceFilter(choices=BusinessImpact.choices)
    overdue = StrictBooleanFilter(
        method="filter_overdue", help_text="Committed and past the target date."
    )
    created_after = InRangeIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = InRangeIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Feedback
        fields = [
            "customer_id",
            "category",
            "type",
            "status",
            "priority",
            "business_impact",
            "overdue",
            "created_after",
            "created_before",
        ]

    def filter_overdue(self, queryset: QuerySet[Feedback], name: str, value: bool) -> Any:
        q = overdue_q(timezone.localdate())
        return queryset.filter(q) if value else queryset.exclude(q)
