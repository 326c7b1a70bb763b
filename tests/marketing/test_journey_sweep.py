"""The due sweep (README "Marketing: journeys"): scheduled touchpoints whose time has come are
re-checked, sent (`touchpoint.due`) or suppressed; never twice, also with racing sweeps."""

from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest
from django.utils import timezone

from customers.models import Customer
from integrations.models import Event
from marketing import tasks
from marketing.journey.services import SweepResult, journey_send_due
from marketing.models import Touchpoint
from tests.concurrency.test_concurrent_writes import race
from tests.customers.factories import CustomerFactory

from .journey_support import open_alert, open_escalation, open_run

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def touchpoint(customer: Customer, name: str, kind: str, due: datetime, **fields: Any) -> Any:
    """A touchpoint of adoption (the customers here are in adoption: one of a stage they have
    left would be cancelled by the sweep)."""
    return Touchpoint.objects.create(
        customer=customer,
        stage="adoption",
        name=name,
        channel="email",
        kind=kind,
        scheduled_for=due,
        status_changed_at=due - timedelta(days=1),
        created_at=due - timedelta(days=1),
        **fields,
    )


@pytest.mark.django_db
def test_due_touchpoints_are_sent_or_suppressed_and_the_others_wait() -> None:
    calm, busy, alerted = CustomerFactory.create_batch(3, lifecycle_stage="adoption")
    open_run(busy, "wr_busy")
    open_alert(alerted)
    sent_promo = touchpoint(calm, "Offer", "promotional", NOW - timedelta(hours=1))
    sent_edu = touchpoint(busy, "Guide", "educational", NOW)  # due exactly now
    held = touchpoint(busy, "Offer", "promotional", NOW - timedelta(minutes=5))
    alert_only = touchpoint(alerted, "Offer", "promotional", NOW - timedelta(days=2))
    later = touchpoint(calm, "Later", "educational", NOW + timedelta(seconds=1))
    cancelled = touchpoint(calm, "Old", "promotional", NOW - timedelta(days=3), status="cancelled")

    assert journey_send_due(now=NOW) == SweepResult(sent=3, suppressed=1)

    statuses = {t.pk: (t.status, t.status_changed_at, t.reason) for t in Touchpoint.objects.all()}
    assert statuses[sent_promo.pk] == ("sent", NOW, "")
    assert statuses[sent_edu.pk] == ("sent", NOW, "")
    assert statuses[alert_only.pk] == ("sent", NOW, "")  # an alert alone does not suppress
    assert statuses[held.pk] == (
        "suppressed",
        NOW,
        "promotional while an intervention is open: workflow run wr_busy running",
    )
    assert statuses[later.pk][0] == "scheduled"
    assert statuses[cancelled.pk][0] == "cancelled"
    due = Event.objects.filter(type="touchpoint.due")
    assert sorted(e.data["touchpoint_id"] for e in due) == sorted(
        t.touchpoint_id for t in (sent_promo, sent_edu, alert_only)
    )
    one = due.get(data__touchpoint_id=sent_promo.touchpoint_id)
    assert one.customer_id == calm.customer_id
    assert one.data == {
        "touchpoint_id": sent_promo.touchpoint_id,
        "name": "Offer",
        "channel": "email",
        "kind": "promotional",
        "stage": "adoption",
        "scheduled_for": sent_promo.scheduled_for.isoformat(),
    }
    suppressed = Event.objects.get(type="touchpoint.suppressed")
    assert suppressed.data["touchpoint_id"] == held.touchpoint_id
    assert "wr_busy" in suppressed.data["reason"]

    # A second sweep finds nothing left to do.
    assert journey_send_due(now=NOW) == SweepResult()
    assert Event.objects.filter(type="touchpoint.due").count() == 3


@pytest.mark.django_db
def test_an_escalation_opened_after_scheduling_suppresses_at_due_time() -> None:
    customer = CustomerFactory.create(lifecycle_stage="adoption")
    offer = touchpoint(customer, "Offer", "promotional", NOW - timedelta(minutes=1))
    open_escalation(customer, "esc_late", "in_progress")
    journey_send_due(now=NOW)
    offer.refresh_from_db()
    assert offer.status == "suppressed"
    assert offer.reason.endswith("escalation esc_late in_progress")


@pytest.mark.django_db
def test_the_sweep_works_in_batches_soonest_first(django_assert_max_num_queries: Any) -> None:
    customers = CustomerFactory.create_batch(3, lifecycle_stage="adoption")
    for n in range(7):
        touchpoint(customers[n % 3], f"T{n}", "promotional", NOW - timedelta(minutes=10 - n))
    open_escalation(customers[0])
    # Per batch: claim, interventions (2), one UPDATE, one bulk_update, one event insert, and
    # the savepoint/transaction statements; 4 batches of 2.
    with django_assert_max_num_queries(4 * 9):
        result = journey_send_due(now=NOW, batch_size=2)
    # customers[0] holds T0, T3, T6 (suppressed); the four others are sent.
    assert result == SweepResult(sent=4, suppressed=3)
    assert not Touchpoint.objects.filter(status="scheduled").exists()


@pytest.mark.django_db
def test_the_beat_task_runs_the_sweep() -> None:
    customer = CustomerFactory.create(lifecycle_stage="adoption")
    touchpoint(customer, "Guide", "educational", timezone.now() - timedelta(minutes=1))
    assert tasks.send_due_touchpoints() == 1
    assert Touchpoint.objects.get().status == "sent"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_sweeps_never_send_a_touchpoint_twice() -> None:
    customers = CustomerFactory.create_batch(10, lifecycle_stage="adoption")
    open_run(customers[1], "wr_race")
    rows = [
        Touchpoint(
            customer=customers[n % 10],
            stage="adoption",
            name=f"T{n}",
            channel="email",
            kind="promotional" if n % 2 else "educational",
            scheduled_for=NOW - timedelta(seconds=n),
            status_changed_at=NOW - timedelta(days=1),
            created_at=NOW - timedelta(days=1),
        )
        for n in range(300)
    ]
    Touchpoint.objects.bulk_create(rows)
    sweep = partial(journey_send_due, now=NOW, batch_size=25)
    results = race(sweep, sweep, sweep)
    for result in results:
        assert isinstance(result, SweepResult), repr(result)
    # customers[1] (a run open) holds n = 1, 11, 21, ...: 30 touchpoints, all odd, so all
    # promotional: suppressed. The other 270 are sent.
    assert sum(r.sent for r in results) == 270
    assert sum(r.suppressed for r in results) == 30
    settled = Event.objects.filter(type__in=["touchpoint.due", "touchpoint.suppressed"])
    ids = [d["touchpoint_id"] for d in settled.values_list("data", flat=True)]
    assert len(ids) == len(set(ids)) == 300
    assert Touchpoint.objects.filter(status="sent").count() == 270
    assert Touchpoint.objects.filter(status="suppressed", customer=customers[1]).count() == 30


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_sweeps_suppress_once_too() -> None:
    busy = CustomerFactory.create(lifecycle_stage="adoption")
    open_run(busy, "wr_race")
    Touchpoint.objects.bulk_create(
        Touchpoint(
            customer=busy,
            stage="adoption",
            name=f"Offer {n}",
            channel="email",
            kind="promotional",
            scheduled_for=NOW - timedelta(seconds=n),
            status_changed_at=NOW,
            created_at=NOW,
        )
        for n in range(120)
    )
    sweep = partial(journey_send_due, now=NOW, batch_size=10)
    results = race(sweep, sweep)
    assert sum(r.suppressed for r in results) == 120
    assert Event.objects.filter(type="touchpoint.suppressed").count() == 120
