"""A slow or dead receiver never delays the others (issue 16): the per-endpoint in-flight
limit (WEBHOOKS_MAX_IN_FLIGHT_PER_ENDPOINT) and the `webhooks` queue. In-process claims on
both databases, then a real slow receiver and a healthy one across real workers (PostgreSQL
+ Redis), proven with the receiver's arrival times."""

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from config.celery import app
from integrations import events
from tests.conftest import wait_until
from webhooks.models import WebhookAttempt, WebhookDelivery
from webhooks.services import delivery
from webhooks.services.transport import Outcome

from .conftest import Clock, Receiver, Reply, subscribe


def _backlog(api: Any, receiver: Receiver, events_n: int) -> tuple[int, int]:
    """Endpoints /slow and /fast (subscribed in that order), each with `events_n` due
    deliveries; their pks."""
    slow = subscribe(api, receiver.url("/slow"))["endpoint_id"]
    fast = subscribe(api, receiver.url("/fast"))["endpoint_id"]
    for i in range(events_n):
        events.publish("customer.created", customer_id=f"c{i}", data={})
    events.relay_pending()
    pks = dict(WebhookDelivery.objects.values_list("endpoint__endpoint_id", "endpoint_id"))
    return pks[slow], pks[fast]


def _endpoints(claimed: list[tuple[int, str]]) -> list[int]:
    by_pk = dict(WebhookDelivery.objects.values_list("pk", "endpoint_id"))
    return [by_pk[pk] for pk, _ in claimed]


def test_a_claim_takes_at_most_the_limit_per_endpoint(api, receiver, clock: Clock) -> None:
    slow, fast = _backlog(api, receiver, 5)  # 5 due each, limit 2
    first = delivery.claim_due()
    # Each endpoint's oldest first, and every endpoint's first before anyone's second.
    got = _endpoints(first)
    assert sorted(got[:2]) == sorted(got[2:]) == sorted([slow, fast])
    assert delivery.claim_due() == []  # 2 + 2 in flight: no free slot
    leased = WebhookDelivery.objects.filter(leased_until__isnull=False)
    assert leased.count() == 4
    # One fast attempt recorded: exactly one fast slot frees, nothing for slow.
    pk, token = first[got.index(fast)]
    assert delivery.record(pk, token, Outcome(200, 5), clock.now) == "succeeded"
    assert WebhookDelivery.objects.get(pk=pk).leased_until is None
    assert _endpoints(delivery.claim_due()) == [fast]
    assert delivery.claim_due() == []
    # A failed attempt frees its slot too (its retry is due 5 s later, not now).
    pk, token = first[got.index(slow)]
    assert delivery.record(pk, token, Outcome(None, 9, error_class="timeout"), clock.now) == (
        "retry scheduled"
    )
    assert _endpoints(delivery.claim_due()) == [slow]


def test_the_limit_is_a_setting_and_a_batch_is_shared_fairly(
    api, receiver, clock: Clock, settings
) -> None:
    settings.WEBHOOKS_MAX_IN_FLIGHT_PER_ENDPOINT = 3
    settings.WEBHOOKS_MAX_IN_FLIGHT_PER_CLIENT = 10  # the per-endpoint limit alone here
    slow, fast = _backlog(api, receiver, 5)
    assert sorted(_endpoints(delivery.claim_due(limit=2))) == sorted([slow, fast])  # not 2 of one
    got = _endpoints(delivery.claim_due(limit=10))
    assert sorted(got[:2]) == sorted(got[2:]) == sorted([slow, fast])
    assert delivery.claim_due() == []  # 3 + 3 in flight
    assert _endpoints(delivery.claim_due(endpoint_pk=fast)) == []


def test_a_lost_workers_lease_frees_its_slot(api, receiver, clock: Clock, settings) -> None:
    """A worker that died mid-send never recorded: its lease runs out (timeout + 60 s), the
    slot counts as free again and the row itself is due again."""
    settings.WEBHOOKS_TIMEOUT_SECONDS = 1
    slow, _ = _backlog(api, receiver, 3)
    lost = delivery.claim_due(endpoint_pk=slow)
    assert len(lost) == 2
    clock.advance(seconds=60)
    assert delivery.claim_due(endpoint_pk=slow) == []  # leases (61 s) still running
    clock.advance(seconds=2)
    again = delivery.claim_due(endpoint_pk=slow)
    lost_pks = [pk for pk, _ in lost]
    [never_sent] = WebhookDelivery.objects.filter(endpoint_id=slow).exclude(pk__in=lost_pks)
    # Oldest due first: the row never sent (due since the start), then the first lost one.
    assert [pk for pk, _ in again] == [never_sent.pk, min(lost_pks)]
    assert delivery.deliver(*lost[0]) == "not claimed"  # the old claim's token is stale


@pytest.mark.postgres
def test_racing_claims_never_exceed_the_limit(
    transactional_db: None, api: Any, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Eight sweeps and lanes claiming at the same instant (PostgreSQL, one connection
    each): every row is claimed once at most and no endpoint gets more than its 2 slots."""
    monkeypatch.setattr(events, "kick_relay", lambda: None)  # committed for real here: no
    monkeypatch.setattr(delivery, "dispatch_after_fan_out", lambda: None)  # nudges
    slow, fast = _backlog(api, receiver, 10)
    barrier = threading.Barrier(8)
    claimed: list[tuple[int, str]] = []
    errors: list[BaseException] = []

    def claim(endpoint_pk: int | None) -> None:
        try:
            barrier.wait()
            claimed.extend(delivery.claim_due(endpoint_pk=endpoint_pk))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=((None, slow, fast)[i % 3],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    pks = [pk for pk, _ in claimed]
    assert len(pks) == len(set(pks)) == 4
    assert sorted(_endpoints(claimed)) == sorted([slow, slow, fast, fast])
    assert WebhookDelivery.objects.filter(leased_until__isnull=False).count() == 4


def test_the_claim_reads_in_a_fixed_number_of_queries(
    api, receiver, clock: Clock, django_assert_max_num_queries: Any, settings: Any
) -> None:
    settings.WEBHOOKS_MAX_IN_FLIGHT_PER_CLIENT = 10  # one client's 3 endpoints, 2 slots each
    _backlog(api, receiver, 3)
    with django_assert_max_num_queries(8):  # savepoint, lock, busy, ranked, rows, update
        assert len(delivery.claim_due()) == 4
    WebhookDelivery.objects.update(leased_until=None, next_attempt_at=clock.now)
    for i in range(40):  # ten times the rows, and a third endpoint
        events.publish("customer.created", customer_id=f"d{i}", data={})
    subscribe(api, receiver.url("/third"))
    events.relay_pending()
    with django_assert_max_num_queries(8):
        assert len(delivery.claim_due()) == 6


def test_an_eager_dispatch_sends_the_whole_backlog(api, receiver: Receiver) -> None:
    """Without a broker (the embedded setup) the sweep sends in turn until nothing is due,
    so the limit never strands a backlog there."""
    was = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        _backlog(api, receiver, 5)
        assert delivery.dispatch_due() == 10
    finally:
        app.conf.task_always_eager = was
    assert len(receiver.at("/slow")) == len(receiver.at("/fast")) == 5
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"succeeded"}


@pytest.fixture
def broker(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, str]]:
    """As with a broker (not eager): the deliver tasks enqueued, instead of run."""
    from webhooks import tasks

    sent: list[tuple[int, str]] = []
    monkeypatch.setattr(delivery, "_eager", lambda: False)
    monkeypatch.setattr(tasks.deliver, "apply_async", lambda args, **_: sent.append(args))
    return sent


def test_a_lane_sends_its_endpoints_next_deliveries_itself(
    api, receiver: Receiver, broker: list[tuple[int, str]]
) -> None:
    """The deliver task, once its send is recorded, claims the freed slot's next delivery of
    the same endpoint and sends it in place (no task per delivery), until nothing is due."""
    _, fast = _backlog(api, receiver, 5)
    WebhookDelivery.objects.exclude(endpoint_id=fast).delete()
    first, second = delivery.claim_due()
    assert delivery.deliver_lane(*first) == "succeeded"
    # The first lane sent its own and the 3 never claimed; the second is still in flight.
    assert len(receiver.at("/fast")) == 4
    assert WebhookDelivery.objects.get(pk=second[0]).status == "pending"
    assert delivery.deliver_lane(*second) == "succeeded"
    assert len(receiver.at("/fast")) == 5
    assert broker == []  # no task was needed


def test_a_lane_past_its_budget_hands_over_to_new_tasks(
    api, receiver: Receiver, broker: list[tuple[int, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(delivery, "LANE_SECONDS", 0.0)  # as after a slow attempt
    _, fast = _backlog(api, receiver, 4)
    WebhookDelivery.objects.exclude(endpoint_id=fast).delete()
    first, _ = delivery.claim_due()
    assert delivery.deliver_lane(*first) == "succeeded"
    assert len(receiver.at("/fast")) == 1
    assert len(broker) == 1  # the freed slot's next, as a task at the back of the queue
    assert WebhookDelivery.objects.get(pk=broker[0][0]).leased_until is not None


def test_the_relay_claims_right_after_its_fan_out(
    api, receiver: Receiver, broker: list[tuple[int, str]], django_capture_on_commit_callbacks
) -> None:
    hook = subscribe(api, receiver.url("/hook"))
    events.publish("customer.created", customer_id="c1", data={})
    with django_capture_on_commit_callbacks(execute=True):
        events.relay_pending()
    [(pk, token)] = broker  # enqueued by the relay itself, no dispatch task in between
    assert WebhookDelivery.objects.get(pk=pk).endpoint.endpoint_id == hook["endpoint_id"]
    assert delivery.deliver(pk, token) == "succeeded"


def test_webhook_tasks_are_routed_to_their_own_queue() -> None:
    route = app.amqp.router.route
    assert route({}, "webhooks.deliver")["queue"].name == "webhooks"
    assert route({}, "webhooks.dispatch_due")["queue"].name == "webhooks"
    assert route({}, "integrations.relay_events")["queue"].name == "events"
    # A worker started without -Q consumes every queue (embedded/dev, CI's test workers);
    # every task's route: tests/test_task_queues.py.
    assert "webhooks" in app.amqp.queues


@pytest.mark.worker
@pytest.mark.postgres
def test_a_slow_receiver_fails_by_timeout_without_delaying_a_healthy_one(
    worker_factory: Any, make_client: Any, receiver: Receiver, settings
) -> None:
    """Three worker processes, a 1 s timeout, the default limit of 2. /slow answers after 3 s
    (a timeout), /fast at once; 4 events for each. The healthy endpoint gets all four while
    the slow one's first attempts are still in flight; at most 2 slow attempts overlap; the
    slow attempts are logged as timeouts and retried on the schedule (5 s, +-10 %)."""
    settings.WEBHOOKS_TIMEOUT_SECONDS = 1
    timeout = 1.0
    api = make_client()
    receiver.on("/slow", *[Reply(200, delay=3)] * 20)
    for _ in range(3):
        worker_factory(env={"WEBHOOKS_TIMEOUT_SECONDS": "1"})
    assert wait_until(lambda: len(app.control.ping(timeout=0.5) or []) >= 3, timeout=60)
    subscribe(api, receiver.url("/slow"))
    subscribe(api, receiver.url("/fast"))
    with transaction.atomic():  # relay -> fan-out -> dispatch -> deliver, all on the workers
        for i in range(4):
            events.publish("customer.created", customer_id=f"c{i}", data={})
    assert wait_until(lambda: len(receiver.at("/slow")) == 4, timeout=60)
    assert len(receiver.at("/fast")) == 4
    slow = sorted(r.at for r in receiver.at("/slow"))
    fast = sorted(r.at for r in receiver.at("/fast"))
    # Every healthy delivery arrived before the first slow attempt could even time out.
    assert fast[-1] < slow[0] + timeout, (fast, slow)
    # The limit: a third slow attempt starts only when one of the first two has timed out.
    for i in range(len(slow) - 2):
        assert slow[i + 2] >= slow[i] + 0.9 * timeout, slow
    assert wait_until(lambda: WebhookAttempt.objects.filter(succeeded=False).count() == 4)
    first = list(WebhookAttempt.objects.filter(delivery__endpoint__url__endswith="/slow"))
    assert {(a.error_class, a.succeeded) for a in first} == {("timeout", False)}
    assert all(900 <= a.latency_ms < 2500 for a in first)
    due = {
        d.pk: d.next_attempt_at
        for d in WebhookDelivery.objects.filter(status="pending")
        if d.next_attempt_at is not None
    }
    assert len(due) == 4
    for attempt in first:  # recorded when the timeout fired, then 5 s +-10 %
        wait = (due[attempt.delivery_id] - attempt.attempted_at).total_seconds()
        assert 0.9 * timeout + 4.5 <= wait <= 2.5 + 5.5, wait
    assert (
        WebhookDelivery.objects.filter(endpoint__url__endswith="/fast")
        .filter(status="succeeded")
        .count()
        == 4
    )
    # Beat's sweep (done here by the test): the retries go out once due, not before.
    while timezone.now() < max(due.values()):
        assert delivery.dispatch_due() == 0 or timezone.now() >= min(due.values())
        time.sleep(0.2)
    delivery.dispatch_due()
    assert wait_until(lambda: len(receiver.at("/slow")) == 8, timeout=30)
    for attempt in WebhookAttempt.objects.filter(delivery__endpoint__url__endswith="/slow"):
        if attempt.pk not in {a.pk for a in first}:
            assert attempt.attempted_at >= due[attempt.delivery_id] - timedelta(seconds=0.001)
