"""Celery queues by kind of work (README "Celery queues and brokers"): every task has an
explicit route, beat sends each schedule to its queue, a worker without -Q takes them all, and
the broker options fit the tasks' time limits."""

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from celery.beat import Scheduler
from django.conf import settings

from config.brokers import FAIL_FAST, LONGEST_TASK_SECONDS, BrokerOptions, broker_options
from config.celery import app
from tests.conftest import producer_on

WORK_QUEUES = {"ingest", "events", "workflows", "webhooks", "analytics"}

# By hand, from the README's table: a new task fails here until it is given a queue.
EXPECTED_QUEUE = {
    "integrations.purge_idempotency_keys": "ingest",
    "product.prune_usage_changes": "ingest",
    "product.maintain_usage_partitions": "ingest",
    "integrations.relay_events": "events",
    "operations.run_workflow_step": "workflows",
    "operations.sweep_workflow_steps": "workflows",
    "marketing.send_due_touchpoints": "workflows",
    "webhooks.deliver": "webhooks",
    "webhooks.dispatch_due": "webhooks",
    "customers.recompute_health": "analytics",
    "customers.rescore_everyone": "analytics",
    "sales.score_expansion": "analytics",
    "finance.fit_renewal_model": "analytics",
    "finance.refresh_renewal_risk_summary": "analytics",
    "marketing.finalize_campaigns": "analytics",
    "marketing.apply_lifecycle_stages": "analytics",
}


def registered_tasks() -> dict[str, Any]:
    app.loader.import_default_modules()  # autodiscovery, as a worker does at start
    return {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}


def queue_of(task_name: str, options: dict[str, Any] | None = None) -> str:
    name: str = app.amqp.router.route(dict(options or {}), task_name)["queue"].name
    return name


def test_every_registered_task_has_an_explicit_route_to_a_work_queue() -> None:
    tasks = registered_tasks()
    unrouted = sorted(set(tasks) - set(settings.CELERY_TASK_ROUTES))
    assert unrouted == [], f"give these a queue in CS_HUB_TASKS_BY_QUEUE: {unrouted}"
    assert {name: queue_of(name) for name in tasks} == EXPECTED_QUEUE
    assert set(EXPECTED_QUEUE.values()) == WORK_QUEUES  # every work queue has work


def test_an_unrouted_task_lands_in_the_default_queue_that_every_worker_consumes() -> None:
    assert queue_of("someapp.new_task") == settings.CELERY_TASK_DEFAULT_QUEUE == "celery"
    # A worker started without -Q consumes all of these (embedded/dev, CI, small installs).
    assert set(app.amqp.queues) == {"celery", *WORK_QUEUES}
    for queue in app.amqp.queues.values():  # survive a broker restart
        assert queue.durable, queue
        assert queue.exchange.durable, queue


@pytest.fixture
def memory_broker() -> Iterator[Any]:
    """A real publish through kombu's in-memory transport, not eagerly run."""
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        with producer_on("memory://localhost//"), app.connection_for_write() as connection:
            yield connection
    finally:
        app.conf.task_always_eager = eager


def _drain(connection: Any, queue: str) -> list[tuple[str, bool]]:
    """(task name, persistent) of every message waiting in `queue`."""
    channel = connection.default_channel
    got = []
    while (message := channel.basic_get(queue, no_ack=True)) is not None:
        got.append((message.headers["task"], message.properties.get("delivery_mode") == 2))
    return got


def test_beat_sends_every_schedule_to_its_queue(memory_broker: Any) -> None:
    tasks = registered_tasks()
    scheduler = Scheduler(app, lazy=True)
    scheduler.setup_schedule()
    beat = {
        name: entry
        for name, entry in scheduler.schedule.items()
        if name in settings.CELERY_BEAT_SCHEDULE
    }
    assert set(beat) == set(settings.CELERY_BEAT_SCHEDULE)
    for entry in beat.values():
        assert entry.task in tasks, entry.task  # a schedule for a task that exists
        scheduler.apply_async(entry, advance=False)
    landed = {queue: _drain(memory_broker, queue) for queue in app.amqp.queues}
    expected: dict[str, list[tuple[str, bool]]] = {queue: [] for queue in app.amqp.queues}
    for entry in beat.values():
        task = str(entry.task)
        expected[EXPECTED_QUEUE[task]].append((task, True))  # persistent messages
    assert {q: sorted(v) for q, v in landed.items()} == {q: sorted(v) for q, v in expected.items()}
    assert landed["celery"] == []


def test_the_redis_visibility_timeout_outlasts_every_task() -> None:
    limits = [task.time_limit or app.conf.task_time_limit for task in registered_tasks().values()]
    assert max(limits) == LONGEST_TASK_SECONDS
    options = broker_options("redis://127.0.0.1:6379/0").transport_options
    assert options == {**FAIL_FAST, "visibility_timeout": options["visibility_timeout"]}
    timeout = options["visibility_timeout"]
    assert timeout > LONGEST_TASK_SECONDS


@pytest.mark.parametrize("url", ["amqp://guest:guest@127.0.0.1:5672//", "pyamqp://h//"])
def test_rabbitmq_gets_publisher_confirms_and_no_visibility_timeout(url: str) -> None:
    options = broker_options(url)
    assert options.transport_options == {**FAIL_FAST, "confirm_publish": True}
    assert options.cancel_on_connection_loss  # its message is already back in the queue


def _refused_url(scheme: str) -> str:
    with socket.socket() as s:  # a port nobody listens on once closed
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return (
        f"{scheme}://guest:guest@127.0.0.1:{port}/"
        if scheme == "amqp"
        else f"{scheme}://127.0.0.1:{port}/0"
    )


@pytest.mark.parametrize("scheme", ["redis", "amqp"])
def test_a_publish_to_a_broker_that_is_down_fails_without_waiting(
    scheme: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a request's on-commit relay kick meets during an outage: one immediate retry, then
    the error kick_relay logs (the outbox row waits for beat's sweep). The waits are recorded,
    not slept; before FAIL_FAST they were 2 s and 4 s."""
    from kombu.exceptions import OperationalError
    from kombu.utils import functional

    from integrations.tasks import relay_events

    waits: list[float] = []
    monkeypatch.setattr(functional, "sleep", waits.append)
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        with producer_on(_refused_url(scheme)), pytest.raises(OperationalError):
            relay_events.apply_async(retry=False)
    finally:
        app.conf.task_always_eager = eager
    assert sum(waits) < 0.5, waits


def test_eager_without_a_broker_needs_no_options() -> None:
    assert broker_options("") == BrokerOptions({}, cancel_on_connection_loss=False)
