"""Nightly readiness scoring (README, "Sales: expansion readiness"): a latest snapshot per
customer, `expansion.ready` once per upward crossing of the ready threshold, the beat entry
after the health run, and a fixed number of queries whatever the count."""

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection

from customers.models import Stakeholder
from integrations.models import Event
from sales.models import ExpansionSnapshot
from sales.services.expansion import expansion_model_save, expansion_score
from sales.tasks import score_expansion
from tests.customers.factories import CustomerFactory, StakeholderFactory
from tests.sales.support import AS_OF, at, health

pytestmark = pytest.mark.django_db


def _run(days: int = 0) -> None:
    day = AS_OF + timedelta(days=days)
    expansion_score(as_of=day, computed_at=at(day, 3))


def _ready_events() -> list[tuple[str, dict[str, Any]]]:
    rows = Event.objects.filter(type="expansion.ready").order_by("created_at", "id")
    return [(e.customer_id or "", e.data) for e in rows]


def test_the_event_fires_once_per_upward_crossing() -> None:
    expansion_model_save(data={"ready_threshold": 10, "active": True})
    sponsored, never = CustomerFactory.create_batch(2)
    sponsor = StakeholderFactory.create(customer=sponsored, is_executive_sponsor=True)  # 10

    _run(0)  # 10 >= 10: ready, no snapshot before -> crossing
    [(customer_id, data)] = _ready_events()
    assert customer_id == sponsored.customer_id
    assert data == {
        "score": 10,
        "previous_ready": None,
        "ready_threshold": 10,
        "readiness_factors": ["executive_sponsor_engaged"],
        "model_version": 1,
        "as_of": "2026-06-30",
    }

    _run(1)  # still ready: no second event
    assert len(_ready_events()) == 1

    Stakeholder.objects.filter(pk=sponsor.pk).delete()
    _run(2)  # 0: below the threshold, nothing published going down
    assert len(_ready_events()) == 1

    StakeholderFactory.create(customer=sponsored, is_executive_sponsor=True)
    _run(3)  # up again: a new crossing
    events = _ready_events()
    assert len(events) == 2
    assert events[1][1]["previous_ready"] is False
    assert never.customer_id not in {c for c, _ in events}


def test_one_latest_snapshot_per_customer_and_history_kept() -> None:
    customer = CustomerFactory.create()
    health(customer, 80)
    _run(0)
    _run(1)
    snapshots = ExpansionSnapshot.objects.filter(customer=customer).order_by("as_of")
    assert [(s.as_of.day, s.is_latest, s.score) for s in snapshots] == [
        (30, False, 16),
        (1, True, 16),
    ]
    latest = snapshots.last()
    assert latest is not None
    assert latest.rank_key == f"084:{customer.customer_id}"
    assert latest.factors[1]["name"] == "health_score"
    assert latest.factors[1]["contribution"] == 16.0


def test_churned_and_not_yet_created_customers_are_not_scored() -> None:
    alive = CustomerFactory.create()
    CustomerFactory.create(status="churned", churned_at=at(AS_OF - timedelta(days=3)))
    _run(0)
    assert list(ExpansionSnapshot.objects.values_list("customer_id", flat=True)) == [alive.pk]


@pytest.mark.parametrize("size", [3, 30])
def test_a_fixed_number_of_queries_whatever_the_count(
    size: int, django_assert_num_queries: Any
) -> None:
    for customer in CustomerFactory.create_batch(size):
        health(customer, 95)
        StakeholderFactory.create(customer=customer, is_executive_sponsor=True)
    expansion_model_save(data={"ready_threshold": 20, "active": True})
    _run(0)  # the first run publishes for everyone
    # savepoint, model, its lock, targets, nine reads, previous snapshots, update, insert,
    # on PostgreSQL the update writing the list members, four for the peer shares, release
    # (no crossing on the second run: no event insert)
    with django_assert_num_queries(21 if connection.vendor == "postgresql" else 20):
        _run(1)
    assert ExpansionSnapshot.objects.filter(is_latest=True).count() == size
    assert len(_ready_events()) == size


def test_the_task_and_its_place_after_the_health_run(settings: Any) -> None:
    CustomerFactory.create_batch(2)
    assert score_expansion() == 2
    schedule = settings.CELERY_BEAT_SCHEDULE
    health_run = schedule["recompute-health-nightly"]["schedule"]
    expansion = schedule["score-expansion-nightly"]
    assert expansion["task"] == "sales.score_expansion"
    assert expansion["schedule"].hour == health_run.hour == {2}
    assert min(expansion["schedule"].minute) > min(health_run.minute)
