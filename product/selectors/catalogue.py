from collections.abc import Iterable

from django.db.models import QuerySet

from ..models import Feature, FeatureUsage


def feature_list() -> QuerySet[Feature]:
    return Feature.objects.all()


def usage_list() -> QuerySet[FeatureUsage]:
    return FeatureUsage.objects.select_related("customer", "feature").only(
        "date", "events", "active_users", "customer__customer_id", "feature__feature_id"
    )


def feature_pks(feature_ids: Iterable[str]) -> dict[str, int]:
    """feature_id -> primary key for the known ones, in one query."""
    found = Feature.objects.filter(feature_id__in=set(feature_ids))
    return dict(found.values_list("feature_id", "id"))
