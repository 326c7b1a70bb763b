from datetime import UTC, date, datetime, timedelta

import factory

from customers.models import Customer, HealthScore
from product.models import Feature, FeatureUsage


def non_usage_health(customer: Customer, non_usage: int, day: date) -> HealthScore:
    """A snapshot late on `day` whose score and non-usage score are `non_usage` (what adoption
    correlates against)."""
    return HealthScore.objects.create(
        customer=customer,
        computed_at=datetime(day.year, day.month, day.day, 23, tzinfo=UTC),
        as_of=day,
        score=non_usage,
        non_usage_score=non_usage,
        grade="healthy",
        components={},
        weights={},
        model_version=1,
    )


def used(
    customer: Customer, feature: Feature, day: date, days_ago: int, events: int, users: int
) -> FeatureUsage:
    """The customer's usage row of `feature`, `days_ago` days before `day`."""
    return FeatureUsage.objects.create(
        customer=customer,
        feature=feature,
        date=day - timedelta(days=days_ago),
        events=events,
        active_users=users,
    )


class FeatureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Feature

    feature_id = factory.Sequence(lambda n: f"feat_{n}")
    name = factory.Sequence(lambda n: f"Feature {n}")
    is_key = True
