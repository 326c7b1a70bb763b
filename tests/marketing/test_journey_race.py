"""Racing journey moves of one customer queue on its row lock (PostgreSQL): one move is
recorded and schedules its touchpoints once; the other is checked against the committed
stage, and its default `occurred_at` is read after the wait (never "before the last
change")."""

from functools import partial

import pytest

from customers.models import LifecycleChange
from integrations.models import Event
from marketing.models import Touchpoint
from tests.concurrency.test_concurrent_writes import race, statuses
from tests.conftest import MakeClient
from tests.customers.factories import CustomerFactory

from .journey_support import MOVE, configure_journey

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 6


def test_two_identical_moves_record_one(make_client: MakeClient) -> None:
    configure_journey()
    a, b = make_client(), make_client()
    for _ in range(ROUNDS):
        customer = CustomerFactory.create(lifecycle_stage="onboarding")
        url = MOVE.format(customer.customer_id)
        responses = race(
            partial(a.post, url, {"stage": "adoption"}, format="json"),
            partial(b.post, url, {"stage": "adoption"}, format="json"),
        )
        # The second finds the customer already in adoption: a no-op.
        assert statuses(responses) == [200, 201], [r.content for r in responses]
        assert LifecycleChange.objects.filter(customer=customer).count() == 1
        assert Touchpoint.objects.filter(customer=customer).count() == 3  # once
        lifecycle = Event.objects.filter(
            type="customer.lifecycle_changed", customer_id=customer.customer_id
        )
        assert lifecycle.count() == 1


def test_racing_moves_are_checked_against_the_committed_stage(make_client: MakeClient) -> None:
    configure_journey()
    a, b = make_client(), make_client()
    for _ in range(ROUNDS):
        customer = CustomerFactory.create(lifecycle_stage="onboarding")
        url = MOVE.format(customer.customer_id)
        # Both allowed from onboarding. adoption first: churned follows (allowed from
        # adoption). churned first: adoption is not allowed from churned (409).
        responses = race(
            partial(a.post, url, {"stage": "adoption"}, format="json"),
            partial(b.post, url, {"stage": "churned"}, format="json"),
        )
        codes = statuses(responses)
        assert codes in ([201, 201], [201, 409]), [r.content for r in responses]
        history = list(
            LifecycleChange.objects.filter(customer=customer).order_by("changed_at", "id")
        )
        customer.refresh_from_db()
        assert history[-1].to_stage == customer.lifecycle_stage
        assert len(history) == codes.count(201)


def test_a_move_never_cancels_what_a_running_sweep_sends() -> None:
    """The sweep holds a due promotional touchpoint while a move to at_risk wants to cancel
    it: the move waits, then finds it sent (not pending any more) and leaves it alone."""
    import threading
    import time
    from datetime import timedelta

    from django.db import connection, transaction
    from django.utils import timezone

    from marketing.journey import services

    configure_journey()
    customer = CustomerFactory.create(lifecycle_stage="renewal")
    now = timezone.now()
    offer = Touchpoint.objects.create(
        customer=customer,
        stage="renewal",
        name="Multi-year offer",
        channel="email",
        kind="promotional",
        scheduled_for=now - timedelta(minutes=1),
        status_changed_at=now,
        created_at=now,
    )
    claimed = threading.Event()
    outcome: dict[str, object] = {}

    def sweep() -> None:
        try:
            with transaction.atomic():
                batch = services._claim_due(timezone.now(), 10)  # the sweep's own claim
                assert [t.pk for t in batch] == [offer.pk]
                claimed.set()
                time.sleep(0.5)  # the move is now waiting on the row
                services._settle(batch, timezone.now())
        finally:
            connection.close()

    def move() -> None:
        try:
            claimed.wait(timeout=10)
            outcome["move"] = services.journey_move(customer=customer, stage="at_risk")
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep), threading.Thread(target=move)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    offer.refresh_from_db()
    assert offer.status == "sent"
    assert outcome["move"].cancelled == []  # type: ignore[attr-defined]
    assert not Event.objects.filter(type="touchpoint.cancelled").exists()
    assert Event.objects.filter(type="touchpoint.due").count() == 1
