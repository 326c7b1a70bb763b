from django.db.models import QuerySet

from ..models import Feature, FeatureUsage


def feature_list() -> QuerySet[Feature]:
    return Feature.objects.all()


def usage_list() -> QuerySet[FeatureUsage]:
    return FeatureUsage.objects.select_related("customer", "feature").only(
        "date", "events", "active_users", "customer__customer_id", "feature__feature_id"
    )
