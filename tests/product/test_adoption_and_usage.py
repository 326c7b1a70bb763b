"""product.read.adoption_and_usage: key-feature adoption and the 30-day usage totals from one
pass over 60 days for a read-out's few customers, equal to `key_feature_adoption` and
`usage_totals` (the definitions), by hand and over varied rows."""

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


def test_by_hand(django_assert_num_queries: Any) -> None:
    a = FeatureFactory.create(feature_id="feat_a", adoption_threshold_days=2)
    FeatureFactory.create(feature_id="feat_b", adoption_threshold_days=1)
    plain = FeatureFactory.create(feature_id="feat_plain", is_key=False)
    busy = CustomerFactory.create()
    # Last 30 days are DAY-29 .. DAY, the 30 before DAY-59 .. DAY-30.
    _use(busy, a, 0, events=4, users=1)  # last: 4, a active
    _use(busy, a, 29, events=0, users=2)  # last: 0, a active (users without events)
    _use(busy, a, 30, events=7, users=1)  # prior: 7 (not an active day of the window)
    _use(busy, plain, 3, events=10, users=0)  # last: 10; not key
    _use(busy, plain, 59, events=5, users=0)  # prior: 5
    _use(busy, plain, 60, events=100, users=9)  # outside both
    old = CustomerFactory.create()
    _use(old, a, 45, events=3, users=1)  # prior only: usage (0, 3), nothing adopted
    idle = CustomerFactory.create()
    _use(idle, a, 61, events=3, users=1)  # nothing in the 60 days: no usage

    with django_assert_num_queries(2):  # the key features, the 60 days' usage
        found = product_read.adoption_and_usage([busy.pk, old.pk, idle.pk], DAY)

    assert found[busy.pk].adoption == product_read.KeyFeatureAdoption(("feat_a",), 2)
    assert found[busy.pk].usage == product_read.UsageTotals(4 + 0 + 10, 7 + 5)
    assert found[old.pk].adoption == product_read.KeyFeatureAdoption((), 2)
    assert found[old.pk].usage == product_read.UsageTotals(0, 3)
    assert found[idle.pk].adoption == product_read.KeyFeatureAdoption((), 2)
    assert found[idle.pk].usage is None


@pytest.mark.parametrize("count", [5, 20])
def test_equal_to_the_two_definitions(count: int, django_assert_num_queries: Any) -> None:
    """Exactly what key_feature_adoption and usage_totals answer, for every asked customer (an
    unknown pk too): in two queries for a few, in their three for more than
    PREPARE_UP_TO_IDS."""
    features = [
        FeatureFactory.create(adoption_threshold_days=t, is_key=t != 3) for t in (1, 2, 3, 5)
    ]
    customers = [CustomerFactory.create() for _ in range(count)]
    for i, customer in enumerate(customers[:-1]):  # the last: no usage at all
        for j, feature in enumerate(features):
            for days_ago in range(i % 3, 70, 2 + (i + j) % 5):
                _use(customer, feature, days_ago, events=(i + j + days_ago) % 4, users=days_ago % 3)
    pks = [c.pk for c in customers] + [10**9]
    few = len(pks) <= product_read.PREPARE_UP_TO_IDS
    assert few == (count == 5)

    with django_assert_num_queries(2 if few else 3):
        combined = product_read.adoption_and_usage(pks, DAY)

    adoption = product_read.key_feature_adoption(pks, DAY)
    usage = product_read.usage_totals(pks, DAY)
    assert set(combined) == set(pks)
    for pk in pks:
        assert combined[pk].adoption == adoption[pk]
        assert combined[pk].usage == usage.get(pk)
    assert any(found.adoption.adopted for found in combined.values())
    assert {found.usage is None for found in combined.values()} == {True, False}


def test_no_customers_no_query(django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        assert product_read.adoption_and_usage([], DAY) == {}
