"""Past days' health distributions are remembered and counted again when they no longer hold:
a snapshot for that day (or before) arriving later, or a change in who was alive that day."""

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from customers import read
from customers.models import Customer, HealthDistributionDay, HealthScore
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
WEEK_AGO = TODAY - timedelta(days=7)
TWO_WEEKS_AGO = TODAY - timedelta(days=14)


def _snapshot(customer: Customer, as_of: date, score: int, grade: str) -> HealthScore:
    moment = timezone.make_aware(datetime.combine(as_of, datetime.min.time())) + timedelta(hours=3)
    return HealthScore.objects.create(
        customer=customer,
        as_of=as_of,
        computed_at=moment,
        score=score,
        grade=grade,
        model_version=1,
    )


def _customer(**fields: Any) -> Customer:
    customer = CustomerFactory.create(**fields)
    Customer.objects.filter(pk=customer.pk).update(created_at=timezone.now() - timedelta(days=60))
    return customer


def _counts(day: date) -> tuple[dict[str, int], int]:
    found = read.health_distribution([TWO_WEEKS_AGO, WEEK_AGO, TODAY])
    at = {c.day: c for c in found.by_day}[day]
    return {g: n for g, n in at.counts.items() if n}, at.unscored


def test_past_days_are_remembered_and_today_is_not() -> None:
    a, b = _customer(), _customer()
    _snapshot(a, TWO_WEEKS_AGO, 30, "critical")
    _snapshot(b, WEEK_AGO, 80, "healthy")
    assert _counts(TWO_WEEKS_AGO) == ({"critical": 1}, 1)  # b had no snapshot yet
    assert _counts(WEEK_AGO) == ({"critical": 1, "healthy": 1}, 0)
    stored = {row.day: row for row in HealthDistributionDay.objects.all()}
    assert set(stored) == {TWO_WEEKS_AGO, WEEK_AGO}
    assert stored[WEEK_AGO].counts == {"critical": 1, "at_risk": 0, "healthy": 1}
    # Read again: the same answer from the stored rows (not rewritten).
    written = {day: row.computed_at for day, row in stored.items()}
    assert _counts(WEEK_AGO) == ({"critical": 1, "healthy": 1}, 0)
    assert {r.day: r.computed_at for r in HealthDistributionDay.objects.all()} == written


def test_a_late_snapshot_for_a_past_day_makes_it_stale() -> None:
    a, b = _customer(), _customer()
    _snapshot(a, TWO_WEEKS_AGO, 30, "critical")
    assert _counts(WEEK_AGO) == ({"critical": 1}, 1)
    # b's snapshot for a week ago arrives after that day was counted: counted again.
    _snapshot(b, WEEK_AGO - timedelta(days=1), 55, "at_risk")
    assert _counts(WEEK_AGO) == ({"critical": 1, "at_risk": 1}, 0)
    assert _counts(TWO_WEEKS_AGO) == ({"critical": 1}, 1)  # its day is after: still holds
    assert HealthDistributionDay.objects.get(day=WEEK_AGO).counts["at_risk"] == 1


def test_a_snapshot_for_a_later_day_leaves_a_past_day_as_it_was() -> None:
    a = _customer()
    _snapshot(a, TWO_WEEKS_AGO, 30, "critical")
    _counts(TWO_WEEKS_AGO)
    written = HealthDistributionDay.objects.get(day=TWO_WEEKS_AGO).computed_at
    _snapshot(a, TODAY, 90, "healthy")
    assert _counts(TWO_WEEKS_AGO) == ({"critical": 1}, 0)
    assert HealthDistributionDay.objects.get(day=TWO_WEEKS_AGO).computed_at == written


def test_a_backdated_churn_changes_who_was_alive_and_is_counted_again() -> None:
    a, b = _customer(), _customer()
    _snapshot(a, TWO_WEEKS_AGO, 30, "critical")
    _snapshot(b, TWO_WEEKS_AGO, 80, "healthy")
    assert _counts(WEEK_AGO) == ({"critical": 1, "healthy": 1}, 0)
    # b is recorded as churned ten days ago: not alive a week ago any more.
    Customer.objects.filter(pk=b.pk).update(
        status="churned", churned_at=timezone.now() - timedelta(days=10)
    )
    assert _counts(WEEK_AGO) == ({"critical": 1}, 0)
    assert _counts(TWO_WEEKS_AGO) == ({"critical": 1, "healthy": 1}, 0)
