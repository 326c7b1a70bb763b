"""Key-feature adoption by segment (the dashboard's tile) and its memo of who adopts: numbers
from known rows, computed by hand; the memo reused while the usage of the window, the key
features and the day are unchanged, and counted again when any of them changes; customers'
aliveness and segments always read fresh."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from customers.models import Customer
from product.models import Feature, FeatureUsage, KeyFeatureAdopters, UsageChange
from product.read import key_feature_adoption_by_segment
from product.selectors.adoption.key_features import as_bitmap, decode_bitmap, encode_bitmap
from product.services.ingestion import usage_ingest
from tests.customers.factories import CustomerFactory
from tests.product.factories import FeatureFactory

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 6, 30)  # the 30-day window: 1 June .. 30 June


@pytest.fixture
def world() -> dict[str, Any]:
    """k1 (adopted at 2 days), k2 (at 3 days), n1 not key; e1, e2 enterprise, m1 mid market,
    m2 mid market churned on 10 June (not alive on AS_OF)."""
    made: dict[str, Any] = {
        "k1": FeatureFactory.create(feature_id="k1", name="Reports", adoption_threshold_days=2),
        "k2": FeatureFactory.create(feature_id="k2", name="Alerts", adoption_threshold_days=3),
        "n1": FeatureFactory.create(feature_id="n1", is_key=False, adoption_threshold_days=1),
        "e1": CustomerFactory.create(customer_id="e1", segment="enterprise"),
        "e2": CustomerFactory.create(customer_id="e2", segment="enterprise"),
        "m1": CustomerFactory.create(customer_id="m1", segment="mid_market"),
        "m2": CustomerFactory.create(
            customer_id="m2",
            segment="mid_market",
            status="churned",
            churned_at=datetime(2026, 6, 10, 12, tzinfo=UTC),
        ),
    }
    _ingest("e1", "k1", [0, 5])  # 2 days: adopts k1
    _ingest("e1", "n1", [1, 2, 3])  # not a key feature
    _ingest("e2", "k1", [0])  # 1 day: not k1
    _ingest("e2", "k2", [1, 2, 3])  # 3 days: adopts k2
    _ingest("m1", "k2", [1, 2, 30])  # 30 days back is 31 May, outside: 2 days, not k2
    _ingest("m1", "k1", [3, 4], events=0, users=0)  # rows with no activity: not k1
    _ingest("m2", "k1", [1, 2, 3])  # adopts, but churned before AS_OF
    return made


def _ingest(customer: str, feature: str, back: list[int], events: int = 5, users: int = 1) -> None:
    usage_ingest(
        items=[
            {
                "customer_id": customer,
                "feature_id": feature,
                "date": AS_OF - timedelta(days=d),
                "events": events,
                "active_users": users,
            }
            for d in back
        ]
    )


def _cells(as_of: date = AS_OF) -> dict[tuple[str, str], tuple[int, int]]:
    return {
        (c.segment, c.feature_id): (c.adopting, c.active)
        for c in key_feature_adoption_by_segment(as_of=as_of)
    }


EXPECTED = {
    ("enterprise", "k1"): (1, 2),  # e1
    ("enterprise", "k2"): (1, 2),  # e2
    ("mid_market", "k1"): (0, 1),  # m2 is not alive; m1's rows are inactive
    ("mid_market", "k2"): (0, 1),
}


def test_adoption_by_segment_counted_then_remembered(
    world: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(6):  # features, changes, memo, usage, store, customers
        counted = key_feature_adoption_by_segment(as_of=AS_OF)
    assert [(c.segment, c.feature_id, c.feature_name) for c in counted] == [
        ("enterprise", "k1", "Reports"),
        ("enterprise", "k2", "Alerts"),
        ("mid_market", "k1", "Reports"),
        ("mid_market", "k2", "Alerts"),
    ]
    assert {(c.segment, c.feature_id): (c.adopting, c.active) for c in counted} == EXPECTED
    assert [c.adoption for c in counted] == [0.5, 0.5, 0.0, 0.0]
    memo = KeyFeatureAdopters.objects.get()
    assert memo.day == AS_OF
    assert memo.thresholds == {str(world["k1"].pk): 2, str(world["k2"].pk): 3}
    # every adopter is kept, the churned m2 too: aliveness is read on each use
    assert decode_bitmap(memo.adopters[str(world["k1"].pk)]) == as_bitmap(
        [world["e1"].pk, world["m2"].pk]
    )
    with django_assert_max_num_queries(4):  # features, changes, memo, customers
        assert key_feature_adoption_by_segment(as_of=AS_OF) == counted


def test_usage_ingested_into_the_window_is_counted_again(world: dict[str, Any]) -> None:
    assert _cells() == EXPECTED
    _ingest("m1", "k2", [7])  # m1 now has 3 days of k2
    assert _cells()[("mid_market", "k2")] == (1, 1)
    _ingest("e2", "k1", [0], events=0, users=0)  # e2's only k1 day turns inactive: no change
    _ingest("e1", "k1", [5], events=0, users=0)  # e1 keeps 1 active day of k1: no longer adopts
    assert _cells()[("enterprise", "k1")] == (0, 2)


def test_usage_outside_the_window_keeps_the_memo(
    world: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    _cells()
    kept = KeyFeatureAdopters.objects.get().computed_at
    _ingest("m1", "k2", [31, 40, 60])  # before 1 June
    with django_assert_max_num_queries(4):
        assert _cells() == EXPECTED
    assert KeyFeatureAdopters.objects.get().computed_at == kept


def test_resending_the_same_usage_records_no_change(world: dict[str, Any]) -> None:
    before = UsageChange.objects.count()
    _ingest("e1", "k1", [0, 5])  # the same rows, the same counts
    assert UsageChange.objects.count() == before
    _ingest("e1", "k1", [5, 9, 2], events=9)  # one changed, two new: 5..2 days back
    change = UsageChange.objects.latest("pk")
    assert (change.first_date, change.last_date, change.rows) == (
        AS_OF - timedelta(days=9),
        AS_OF - timedelta(days=2),
        3,
    )


def test_a_change_committed_late_under_a_smaller_pk_is_seen(world: dict[str, Any]) -> None:
    """A batch that took its pk before another one but committed after the memo was stored:
    the newest pk is the same, the count of changes is not."""
    UsageChange.objects.filter(pk__lt=UsageChange.objects.latest("pk").pk).delete()
    late_pk = UsageChange.objects.get().pk - 1
    _cells()
    FeatureUsage.objects.bulk_create(
        [
            FeatureUsage(customer=world["m1"], feature=world["k2"], date=AS_OF, events=1),
        ]
    )
    UsageChange.objects.create(pk=late_pk, first_date=AS_OF, last_date=AS_OF, rows=1)
    assert _cells()[("mid_market", "k2")] == (1, 1)


def test_customers_and_features_are_read_fresh(world: dict[str, Any]) -> None:
    _cells()
    Customer.objects.filter(pk=world["e2"].pk).update(segment="mid_market")
    assert _cells() == {
        ("enterprise", "k1"): (1, 1),
        ("enterprise", "k2"): (0, 1),
        ("mid_market", "k1"): (0, 2),
        ("mid_market", "k2"): (1, 2),  # e2 adopts k2, now in mid market
    }
    Feature.objects.filter(pk=world["k1"].pk).update(adoption_threshold_days=1)
    assert _cells()[("mid_market", "k1")] == (1, 2)  # e2's single k1 day now adopts
    Feature.objects.filter(pk=world["k2"].pk).update(is_key=False)
    assert set(_cells()) == {("enterprise", "k1"), ("mid_market", "k1")}
    Feature.objects.update(is_key=False)
    assert _cells() == {}


def test_another_day_is_counted_for_that_day(world: dict[str, Any]) -> None:
    assert _cells()[("enterprise", "k2")] == (1, 2)
    # 3 July: e2's k2 days (27-29 June) are in the window; e1's k1 days (25, 30 June) too;
    # m2 churned before either day.
    later = AS_OF + timedelta(days=3)
    assert _cells(later) == EXPECTED
    # 28 July: only 30 June and after: e1 has one k1 day, e2 none of k2
    assert _cells(AS_OF + timedelta(days=28)) == {
        ("enterprise", "k1"): (0, 2),
        ("enterprise", "k2"): (0, 2),
        ("mid_market", "k1"): (0, 1),
        ("mid_market", "k2"): (0, 1),
    }
    assert KeyFeatureAdopters.objects.get().day == AS_OF + timedelta(days=28)


def test_bitmaps_round_trip() -> None:
    for pks in ([], [0], [1, 7, 8, 9], [3, 1000, 65_537]):
        bitmap = as_bitmap(pks)
        assert decode_bitmap(encode_bitmap(bitmap)) == bitmap
        assert [pk for pk in range(70_000) if bitmap >> pk & 1] == sorted(pks)


def test_usage_deleted_in_the_admin_is_counted_again(
    world: dict[str, Any], admin_client: Any
) -> None:
    """The attack pass deleted a usage row with the admin's "Delete selected": the memo kept
    the old adopters. The admin deletes through `usage_rows_delete`, which notes the days."""
    assert _cells() == EXPECTED  # remembered: e1 adopts k1 (2 days)
    row = FeatureUsage.objects.get(customer=world["e1"], feature=world["k1"], date=AS_OF)
    before = UsageChange.objects.count()
    response = admin_client.post(
        "/admin/product/featureusage/",
        {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not FeatureUsage.objects.filter(pk=row.pk).exists()
    change = UsageChange.objects.latest("pk")
    assert UsageChange.objects.count() == before + 1
    assert (change.first_date, change.last_date, change.rows) == (AS_OF, AS_OF, 1)
    assert _cells()[("enterprise", "k1")] == (0, 2)  # e1 is down to 1 day of k1


def test_usage_deleted_from_its_change_page_is_counted_again(
    world: dict[str, Any], admin_client: Any
) -> None:
    assert _cells() == EXPECTED
    row = FeatureUsage.objects.get(
        customer=world["e2"], feature=world["k2"], date=AS_OF - timedelta(days=2)
    )
    response = admin_client.post(f"/admin/product/featureusage/{row.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert _cells()[("enterprise", "k2")] == (0, 2)  # e2 is down to 2 days of k2 (needs 3)
