from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from product.measures import feature_adoption, product_usage
from product.models import FeatureUsage
from tests.customers.factories import CustomerFactory
from tests.product.factories import FeatureFactory

AS_OF = date(2026, 6, 30)


def use(customer: Any, feature: Any, days_ago: int, events: int, users: int) -> None:
    FeatureUsage.objects.create(
        customer=customer,
        feature=feature,
        date=AS_OF - timedelta(days=days_ago),
        events=events,
        active_users=users,
    )


@pytest.fixture
def world() -> Any:
    a = FeatureFactory(feature_id="feat_a", is_key=True)
    b = FeatureFactory(feature_id="feat_b", is_key=True)
    c = FeatureFactory(feature_id="feat_c", is_key=False)
    x = CustomerFactory(customer_id="x", licensed_seats=20)
    y = CustomerFactory(customer_id="y", licensed_seats=0)
    z = CustomerFactory(customer_id="z", licensed_seats=5)
    # x, last 30 days: feat_a on 5 days (10 events each; 8 users once, else 4) ...
    for i, days_ago in enumerate([0, 3, 7, 12, 29]):
        use(x, a, days_ago, 10, 8 if i == 0 else 4)
    # ... feat_b on 3 days (20 events, 2 users): 3 < threshold 4, not adopted
    for days_ago in [1, 2, 4]:
        use(x, b, days_ago, 20, 2)
    use(x, c, 5, 0, 0)  # a non-key feature with no activity
    # x, the 30 days before: 5 days × 20 events = 100
    for days_ago in [30, 35, 40, 45, 59]:
        use(x, a, days_ago, 20, 3)
    use(x, a, 60, 999, 99)  # day 60 is outside both windows
    # y: no seats, 10 events lately and nothing before
    use(y, a, 2, 10, 1)
    return x, y, z


@pytest.mark.django_db
def test_product_usage_by_hand(world: Any) -> None:
    x, y, z = world
    result = product_usage(None, AS_OF)
    # x: events 5×10 + 3×20 = 110 vs prior 100 → ratio 1.1, trend = 1.1 − 0.5 = 0.6;
    #    utilisation = peak 8 / 20 seats = 0.4; score = 100 × (0.7×0.4 + 0.3×0.6) = 46
    assert result[x.pk].score == 46.0
    assert result[x.pk].inputs == {
        "peak_daily_active_users_30d": 8,
        "licensed_seats": 20,
        "seat_utilisation": 0.4,
        "events_last_30d": 110,
        "events_prior_30d": 100,
        "usage_trend_ratio": 1.1,
        "trend_factor": 0.6,
    }
    # y: no seats → trend only; new usage with nothing before → 1.0 → 100
    assert result[y.pk].score == 100.0
    assert result[y.pk].inputs["seat_utilisation"] is None
    assert z.pk not in result  # no usage at all: no data
    assert set(product_usage([y.pk], AS_OF)) == {y.pk}


@pytest.mark.django_db
def test_usage_collapse_scores_low(world: Any) -> None:
    x, _, _ = world
    # Only old usage (70 days ago): nothing in the last 60 → trend 0, utilisation 0 → 0
    later = AS_OF + timedelta(days=61)
    assert product_usage([x.pk], later)[x.pk].score == 0.0


@pytest.mark.django_db
def test_lapsed_usage_scores_zero_until_a_year_has_passed(world: Any) -> None:
    """A customer whose last usage is older than the 60 days but inside the year scores 0 on
    zeros (read apart from the 60 days' aggregate); past the year, no data. Asked for or all,
    with seats or without."""
    x, y, z = world
    feature = FeatureFactory(feature_id="feat_d")
    lapsed = CustomerFactory(customer_id="lapsed", licensed_seats=7)
    use(lapsed, feature, 200, 5, 3)
    seatless = CustomerFactory(customer_id="seatless", licensed_seats=0)
    use(seatless, feature, 364, 1, 1)  # the year's first day: inside
    gone = CustomerFactory(customer_id="gone", licensed_seats=7)
    use(gone, feature, 365, 5, 3)  # a day before the year: outside

    result = product_usage(None, AS_OF)

    assert set(result) == {x.pk, y.pk, lapsed.pk, seatless.pk}
    assert result[lapsed.pk].score == 0.0
    assert result[lapsed.pk].inputs == {
        "peak_daily_active_users_30d": 0,
        "licensed_seats": 7,
        "seat_utilisation": 0.0,
        "events_last_30d": 0,
        "events_prior_30d": 0,
        "usage_trend_ratio": None,
        "trend_factor": 0.0,
    }
    assert result[seatless.pk].score == 0.0
    assert result[seatless.pk].inputs["seat_utilisation"] is None
    asked = product_usage([lapsed.pk, gone.pk, y.pk, 10**9], AS_OF)
    assert set(asked) == {lapsed.pk, y.pk}
    assert asked[lapsed.pk] == result[lapsed.pk]
    assert product_usage([gone.pk, z.pk], AS_OF) == {}


@pytest.mark.django_db
def test_feature_adoption_by_hand(world: Any) -> None:
    x, y, z = world
    result = feature_adoption(None, AS_OF)
    # x: feat_a active on 5 days ≥ 4 (adopted), feat_b on 3 < 4 → 1 of 2 key features = 50
    assert result[x.pk].score == 50.0
    assert result[x.pk].inputs == {
        "key_features": 2,
        "adopted": ["feat_a"],
        "not_adopted": ["feat_b"],
    }
    assert result[y.pk].score == 0.0
    assert z.pk not in result


@pytest.mark.django_db
def test_feature_adoption_respects_each_threshold(world: Any) -> None:
    x, _, _ = world
    FeatureUsage.objects.filter(feature__feature_id="feat_b").update(events=5)
    from product.models import Feature

    Feature.objects.filter(feature_id="feat_b").update(adoption_threshold_days=3)
    assert feature_adoption([x.pk], AS_OF)[x.pk].score == 100.0


@pytest.mark.django_db
def test_no_key_features_means_no_data(world: Any) -> None:
    from product.models import Feature

    Feature.objects.update(is_key=False)
    assert feature_adoption(None, AS_OF) == {}


@pytest.mark.django_db
def test_measures_use_a_fixed_number_of_queries() -> None:
    feature = FeatureFactory(is_key=True)
    counts = []
    for size in (3, 30):
        for customer in CustomerFactory.create_batch(size):
            use(customer, feature, 1, 5, 1)
        with CaptureQueriesContext(connection) as ctx:
            assert len(product_usage(None, AS_OF)) >= size
            assert len(feature_adoption(None, AS_OF)) >= size
        counts.append(len(ctx))
    # product_usage 2 (the 60 days' aggregate, the lapsed customers), feature_adoption 3.
    assert counts[0] == counts[1] == 5
