import django_filters

from ..models import Feature, FeatureUsage


class FeatureFilter(django_filters.FilterSet):
    category = django_filters.CharFilter()
    is_key = django_filters.BooleanFilter()
    is_premium = django_filters.BooleanFilter()

    class Meta:
        model = Feature
        fields = ["category", "is_key", "is_premium"]


class UsageFilter(django_filters.FilterSet):
    customer_id = django_filters.CharFilter(field_name="customer__customer_id")
    feature_id = django_filters.CharFilter(field_name="feature__feature_id")
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = FeatureUsage
        fields = ["customer_id", "feature_id", "date_from", "date_to"]
