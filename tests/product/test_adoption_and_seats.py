"""product.read.adoption_and_seats: key-feature adoption and seat utilisation from one pass over
the 30-day window, equal to `key_feature_adoption` and `seat_utilisation` (the definitions),
computed by hand here from the rows the test builds."""

from datetime import date
from typing import Any

import pytest

from customers.models import Customer
from product import read as product_read
from product.models import Feature
from tests.customers.factories import CustomerFactory
from tests.product.factories import FeatureFactory, used

pytestmark = pytest.mark.django_db

DAY = date(2026, 6, 30)


def _use(customer: Customer, feature: Feature, days_ago: int, events: int, users: int) -> None:
    used(customer, feature, DAY, days_ago, events, users)


def _features() -> tuple[Feature, Feature, Feature]:
    a = FeatureFactory.create(feature_id="feat_a", adoption_threshold_days=2)
    b = FeatureFactory.create(feature_id="feat_b", adoption_threshold_days=3)
    plain = FeatureFactory.create(feature_id="feat_plain", is_key=False)
    return a, b, plain


def test_by_hand() -> None:
    a, b, plain = _features()
    busy = CustomerFactory.create(licensed_seats=40)
    # a: active on 3 days in the window (>= 2: adopted); a row with no events and no users is
    # not an active day, one 30 days ago is outside (the window is DAY-29 .. DAY).
    for days_ago in (0, 5, 29):
        _use(busy, a, days_ago, events=4, users=10)
    _use(busy, a, 7, events=0, users=0)
    _use(busy, a, 30, events=9, users=39)
    # b: 2 active days < 3: not adopted. The non-key feature has the day's peak: 50 users,
    # which caps the ratio at 1 only through min(1, 50 / 40).
    _use(busy, b, 1, events=1, users=12)
    _use(busy, b, 2, events=0, users=3)  # users without events still count as active
    _use(busy, plain, 3, events=2, users=50)
    # Seats but no usage in the window: utilisation 0; no seats: no ratio.
    idle = CustomerFactory.create(licensed_seats=10)
    _use(idle, a, 31, events=5, users=5)
    seatless = CustomerFactory.create(licensed_seats=0)
    _use(seatless, b, 0, events=1, users=1)
    for days_ago in (10, 11, 12):
        _use(seatless, b, days_ago, events=1, users=4)
    # a on DAY-29 (inside) and DAY-30 (outside): one day < 2, not adopted.
    _use(seatless, a, 29, events=1, users=1)
    _use(seatless, a, 30, events=1, users=1)

    found = product_read.adoption_and_seats([busy.pk, idle.pk, seatless.pk], DAY)

    assert found[busy.pk].adoption == product_read.KeyFeatureAdoption(("feat_a",), 2)
    assert found[busy.pk].seat_utilisation == 1.0
    assert found[idle.pk].adoption == product_read.KeyFeatureAdoption((), 2)
    assert found[idle.pk].seat_utilisation == 0.0
    # b on 4 active days (>= 3): adopted; no seats: None, not 0.
    assert found[seatless.pk].adoption == product_read.KeyFeatureAdoption(("feat_b",), 2)
    assert found[seatless.pk].seat_utilisation is None


def test_peak_below_the_seats_is_the_ratio() -> None:
    a, _, plain = _features()
    customer = CustomerFactory.create(licensed_seats=40)
    _use(customer, a, 3, events=1, users=12)
    _use(customer, plain, 3, events=1, users=30)  # the same day: the peak, not the sum
    found = product_read.adoption_and_seats([customer.pk], DAY)[customer.pk]
    assert found.seat_utilisation == 30 / 40


@pytest.mark.parametrize("count", [5, 20])
def test_equal_to_the_three_definitions(count: int, django_assert_num_queries: Any) -> None:
    """Over varied rows, exactly what key_feature_adoption, seat_utilisation and
    premium_adoption answer, for every asked customer (an unknown pk too), in three queries:
    for a few customers (a usage row per customer and feature) and for more than
    PREPARE_UP_TO_IDS (a usage row per customer)."""
    premium = FeatureFactory.create(is_premium=True, is_key=False, adoption_threshold_days=4)
    both = FeatureFactory.create(is_premium=True, adoption_threshold_days=2)
    features = [*_features(), FeatureFactory.create(adoption_threshold_days=1), premium, both]
    seats = (0, 1, 7, 25, 60)
    customers = [CustomerFactory.create(licensed_seats=seats[i % 5]) for i in range(count)]
    for i, customer in enumerate(customers):
        for j, feature in enumerate(features):
            for days_ago in range(0, 40, 2 + (i + j) % 5):
                _use(customer, feature, days_ago, events=(i + j + days_ago) % 3, users=days_ago % 9)
    pks = [c.pk for c in customers] + [10**9]
    assert (len(pks) > product_read.PREPARE_UP_TO_IDS) == (count == 20)

    with django_assert_num_queries(3):
        signals = product_read.feature_signals(pks, DAY)
    combined = signals.customers

    adoption = product_read.key_feature_adoption(pks, DAY)
    utilisation = product_read.seat_utilisation(pks, DAY)
    adopted_premium = product_read.premium_adoption(pks, DAY)
    assert signals.premium_features == tuple(
        product_read.PremiumFeature(f.feature_id, f.name, f.list_price)
        for f in sorted([premium, both], key=lambda f: f.feature_id)
    )
    assert set(combined) == set(pks)
    for pk in pks:
        assert combined[pk].adoption == adoption[pk]
        assert combined[pk].seat_utilisation == utilisation.get(pk)
        assert combined[pk].premium == adopted_premium.get(pk, frozenset())
    assert any(found.adoption.adopted for found in combined.values())
    assert {found.seat_utilisation for found in combined.values()} - {None, 0.0}
    assert {bool(found.premium) for found in combined.values()} == {True, False}
    # The caller's own seats (a read-out has the customer row): the same, one query fewer.
    seats_of = dict(Customer.objects.filter(pk__in=pks).values_list("pk", "licensed_seats"))
    with django_assert_num_queries(2):
        given = product_read.feature_signals(pks, DAY, seats_of | {10**9: 0})
    assert given == signals


def test_no_feature_no_usage_query(django_assert_num_queries: Any) -> None:
    customer = CustomerFactory.create(licensed_seats=5)
    with django_assert_num_queries(2):  # the catalogue, the seats
        found = product_read.adoption_and_seats([customer.pk], DAY)[customer.pk]
    assert found.adoption == product_read.KeyFeatureAdoption((), 0)
    assert found.seat_utilisation == 0.0
