"""Point-in-time renewal features (finance/renewals/features.py): every value as it stood on
the observation's day, computed by hand here from the rows the test builds."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.models import Customer, HealthScore, Stakeholder
from finance.renewals.features import FEATURES, Observation, feature_rows
from operations.models import Escalation
from product.models import FeatureUsage
from tests.customers.factories import CustomerFactory, StakeholderFactory
from tests.finance.factories import InvoiceFactory
from tests.product.factories import FeatureFactory

pytestmark = pytest.mark.django_db

DAY = date(2026, 6, 30)


def _at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _health(customer: Customer, day: date, score: int) -> None:
    HealthScore.objects.create(
        customer=customer,
        computed_at=_at(day, 23),
        as_of=day,
        score=score,
        grade="healthy",
        model_version=1,
    )


def _usage(customer: Customer, feature_pk: int, day: date, users: int) -> None:
    FeatureUsage.objects.create(
        customer=customer, feature_id=feature_pk, date=day, events=5, active_users=users
    )


def _observe(customer: Customer, day: date = DAY, end: date | None = None) -> dict:
    end = end or day + timedelta(days=90)
    return feature_rows([Observation(1, customer.pk, day, end)])[1]


def test_every_feature_on_a_known_day() -> None:
    customer = CustomerFactory.create(segment="enterprise", licensed_seats=40)
    _health(customer, DAY - timedelta(days=35), 60)  # the reference: latest <= DAY - 30
    _health(customer, DAY - timedelta(days=7), 72)  # the score: latest <= DAY
    a, b = FeatureFactory.create(adoption_threshold_days=2), FeatureFactory.create()
    FeatureFactory.create()  # a third key feature, never used
    b.adoption_threshold_days = 5
    b.save()
    for offset in (1, 3):  # a: 2 active days >= its threshold 2 -> adopted
        _usage(customer, a.pk, DAY - timedelta(days=offset), users=30)
    _usage(customer, b.pk, DAY - timedelta(days=2), users=10)  # b: 1 day < 5 -> not adopted
    # Invoice 20 days overdue on DAY -> overdue_16_30 -> level 2.
    InvoiceFactory.create(
        customer=customer, issued_on=DAY - timedelta(days=50), due_on=DAY - timedelta(days=20)
    )
    Escalation.objects.create(
        customer=customer,
        escalation_id="esc_a",
        owner_email="o@x.io",
        reason="r",
        opened_at=_at(DAY - timedelta(days=3)),
    )
    StakeholderFactory.create(customer=customer, is_executive_sponsor=True)
    Stakeholder.objects.filter(customer=customer).update(created_at=_at(DAY - timedelta(days=60)))

    row = _observe(customer, end=DAY + timedelta(days=45))

    assert set(row) == set(FEATURES)
    assert row["health_score"] == 72
    assert row["health_change_30d"] == 72 - 60
    assert row["key_feature_adoption"] == pytest.approx(1 / 3)
    assert row["seat_utilisation"] == pytest.approx(30 / 40)
    assert row["payment_overdue_level"] == 2
    assert row["open_escalations"] == 1
    assert row["executive_sponsor"] == 1
    assert row["days_to_end"] == 45
    assert (row["segment_enterprise"], row["segment_mid_market"]) == (1, 0)
    assert row["segment_small_business"] == 0


def test_nothing_after_the_day_leaks_in() -> None:
    """Later snapshots, usage, escalations, sponsors and payments are invisible on DAY."""
    customer = CustomerFactory.create(licensed_seats=10)
    _health(customer, DAY - timedelta(days=10), 50)
    _health(customer, DAY + timedelta(days=1), 95)  # tomorrow's snapshot
    feature = FeatureFactory.create(adoption_threshold_days=1)
    _usage(customer, feature.pk, DAY + timedelta(days=1), users=10)  # tomorrow's usage
    Escalation.objects.create(
        customer=customer,
        escalation_id="esc_late",
        owner_email="o@x.io",
        reason="r",
        opened_at=_at(DAY + timedelta(days=1), 0),
    )
    # Resolved after DAY: still open on DAY.
    Escalation.objects.create(
        customer=customer,
        escalation_id="esc_open",
        owner_email="o@x.io",
        reason="r",
        opened_at=_at(DAY - timedelta(days=5)),
        resolved_at=_at(DAY + timedelta(days=2)),
    )
    # Resolved before DAY: closed.
    Escalation.objects.create(
        customer=customer,
        escalation_id="esc_done",
        owner_email="o@x.io",
        reason="r",
        opened_at=_at(DAY - timedelta(days=9)),
        resolved_at=_at(DAY - timedelta(days=1)),
    )
    StakeholderFactory.create(customer=customer, is_executive_sponsor=True)
    Stakeholder.objects.filter(customer=customer).update(created_at=_at(DAY + timedelta(days=1)))
    # Overdue on DAY (due 40 days before), paid the day after: level 3 on DAY.
    InvoiceFactory.create(
        customer=customer,
        issued_on=DAY - timedelta(days=70),
        due_on=DAY - timedelta(days=40),
        paid_at=_at(DAY + timedelta(days=1)),
    )

    row = _observe(customer)

    assert row["health_score"] == 50
    assert row["health_change_30d"] is None  # no snapshot 30 days before
    assert row["key_feature_adoption"] == 0
    assert row["seat_utilisation"] == 0  # seats, no usage in the 30 days
    assert row["open_escalations"] == 1
    assert row["executive_sponsor"] == 0
    assert row["payment_overdue_level"] == 3
    # The day after, what happened on it is seen.
    later = _observe(customer, DAY + timedelta(days=1))
    assert later["health_score"] == 95
    assert later["open_escalations"] == 2
    assert later["executive_sponsor"] == 1
    assert later["payment_overdue_level"] == 0


def test_no_data_is_none_not_zero() -> None:
    customer = CustomerFactory.create(licensed_seats=0, segment="small_business")
    row = _observe(customer)
    assert row["health_score"] is None
    assert row["health_change_30d"] is None
    assert row["seat_utilisation"] is None  # no licensed seats: no ratio
    assert row["key_feature_adoption"] is None  # no key features defined
    assert row["payment_overdue_level"] == 0
    assert row["segment_small_business"] == 1


def test_queries_are_fixed_per_distinct_day() -> None:
    days = [DAY, DAY - timedelta(days=40)]

    def run(n: int) -> int:
        customers = CustomerFactory.create_batch(n)
        observations = [
            Observation(i, c.pk, days[i % 2], days[i % 2] + timedelta(days=90))
            for i, c in enumerate(customers)
        ]
        for c in customers:
            _health(c, DAY - timedelta(days=50), 70)
        with CaptureQueriesContext(connection) as ctx:
            rows = feature_rows(observations)
        assert len(rows) == n
        return len(ctx.captured_queries)

    FeatureFactory.create()
    small, large = run(4), run(40)
    # segments, then per day: health now and 30 days before (one), adoption (2), seats,
    # payment, escalations, sponsors
    assert small == large == 1 + 2 * 7


def test_large_groups_are_read_in_parts_with_the_same_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Id lists are cut at CHUNK customers (SQLite's bound-variable limit); the rows do not
    depend on where the cut falls."""
    from finance.renewals import features

    FeatureFactory.create()  # a key feature: the adoption read runs its usage query
    customers = CustomerFactory.create_batch(5)
    for i, customer in enumerate(customers):
        _health(customer, DAY - timedelta(days=3), 50 + i)
    observations = [
        Observation(i, c.pk, DAY, DAY + timedelta(days=30)) for i, c in enumerate(customers)
    ]
    whole = feature_rows(observations)
    monkeypatch.setattr(features, "CHUNK", 2)
    monkeypatch.setattr(features, "PG_CHUNK", 2)
    with CaptureQueriesContext(connection) as ctx:
        parted = feature_rows(observations)
    assert parted == whole
    assert [parted[i]["health_score"] for i in range(5)] == [50, 51, 52, 53, 54]
    # segments in 3 parts, then 7 reads for each of the 3 parts of the one day
    assert len(ctx.captured_queries) == 3 + 3 * 7


def test_postgresql_reads_a_day_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """An IdArray is one parameter on PostgreSQL: no part limit there, so scoring everyone
    reads each usage window once (in parts, each part scanned the whole window again)."""
    from finance.renewals import features

    FeatureFactory.create()
    customers = CustomerFactory.create_batch(5)
    observations = [
        Observation(i, c.pk, DAY, DAY + timedelta(days=30)) for i, c in enumerate(customers)
    ]
    monkeypatch.setattr(features, "CHUNK", 2)
    with CaptureQueriesContext(connection) as ctx:
        feature_rows(observations)
    parts = 1 if connection.vendor == "postgresql" else 3
    assert len(ctx.captured_queries) == parts + parts * 7
