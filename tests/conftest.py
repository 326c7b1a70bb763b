"""Shared fixtures: API clients holding scoped keys, and database-kind markers."""

import os
import signal
import subprocess
import sys
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from integrations.models import ApiKey
from integrations.scopes import ALL_SCOPES


class KeyedAPIClient(APIClient):
    """An API client holding an API key; `raw_key` is the key as the client sends it."""

    raw_key: str = ""


MakeClient = Callable[..., KeyedAPIClient]


@pytest.fixture
def make_client(db: None) -> MakeClient:
    def make(*scopes: str, **key_fields: object) -> KeyedAPIClient:
        _, raw = ApiKey.objects.create_key(
            name="test", scopes=list(scopes or ALL_SCOPES), **key_fields
        )
        client = KeyedAPIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
        client.raw_key = raw
        return client

    return make


@pytest.fixture
def staff(client: Any, admin_user: Any) -> Any:
    """Django's test client signed in as a superuser (the admin)."""
    client.force_login(admin_user)
    return client


@pytest.fixture
def api(make_client: MakeClient) -> KeyedAPIClient:
    """A client whose key holds every scope."""
    return make_client()


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    """Run Celery tasks in-process, also in CI's Redis run (the tests that need a real worker
    start one: `worker_factory`)."""
    from config.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@contextmanager
def producer_on(broker_url: str) -> Iterator[str]:
    """Point this process's Celery producer (`apply_async`, `on_commit` kicks) at another broker,
    with that broker's options (config/brokers.py); restored afterwards."""
    from config.brokers import broker_options
    from config.celery import app

    def reset() -> None:
        # Only forget them: the pools are kombu's, shared per URL (closing one would close it
        # for the next test on the same broker too).
        app._pool = None
        app.amqp._producer_pool = None

    keys = ("broker_url", "broker_write_url", "broker_read_url", "broker_transport_options")
    before = {key: app.conf[key] for key in keys}
    for key in keys[:3]:
        app.conf[key] = broker_url
    app.conf.broker_transport_options = broker_options(broker_url).transport_options
    reset()
    try:
        yield broker_url
    finally:
        for key, value in before.items():
            app.conf[key] = value
        reset()


# The RabbitMQ variants of the durability tests (marker `rabbitmq`) use this node; CI starts it.
RABBITMQ_URL = os.environ.get("CS_HUB_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")
IN_CI = os.environ.get("CI") == "true"


def rabbitmq_reachable(url: str = RABBITMQ_URL) -> bool:
    return broker_reachable(url)


def broker_reachable(url: str) -> bool:
    """Whether the broker at `url` (RabbitMQ or Redis) takes a connection now."""
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=2) as connection:
            connection.ensure_connection(max_retries=1)
    except Exception:
        return False
    return True


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    has_worker_env = bool(settings.CELERY_BROKER_URL) and on_postgres
    skip_worker = pytest.mark.skip(reason="needs PostgreSQL, Redis and CELERY_BROKER_URL")
    # Without RabbitMQ its variants are skipped, except in CI (`CI=true`), where `.ci/run`
    # starts it and an unreachable broker is a failure.
    skip_rabbitmq = pytest.mark.skip(
        reason=f"no RabbitMQ at {RABBITMQ_URL} (CS_HUB_TEST_RABBITMQ_URL)"
    )
    rabbitmq: bool | None = None  # checked once, only when a test would need it
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_pg)
        if "worker" in item.keywords and not has_worker_env:
            item.add_marker(skip_worker)
        elif "rabbitmq" in item.keywords and not IN_CI:
            if rabbitmq is None:
                rabbitmq = rabbitmq_reachable()
            if not rabbitmq:
                item.add_marker(skip_rabbitmq)


def queue_depth(broker_url: str, queue: str) -> int:
    """Messages waiting (not delivered) in a RabbitMQ queue."""
    from kombu import Connection

    with Connection(broker_url, connect_timeout=2) as connection:
        declared = connection.default_channel.queue_declare(queue=queue, passive=True)
        return int(declared.message_count)


def _purge_rabbitmq(broker_url: str) -> None:
    """Empty the app's queues: messages a previous test left (its workers stopped) would reach
    this test's workers. CI's Redis database is flushed before the suite for the same reason."""
    from kombu import Connection

    from config.celery import app

    with Connection(broker_url, connect_timeout=2) as connection:
        channel = connection.default_channel
        for queue in app.amqp.queues.values():
            bound = queue.bind(channel)
            bound.declare()
            bound.purge()


@pytest.fixture(params=["configured", pytest.param("rabbitmq", marks=pytest.mark.rabbitmq)])
def task_broker(request: pytest.FixtureRequest) -> Iterator[str]:
    """The broker a durability test runs on, its workers and this process's producer alike:
    the configured one (Redis in CI), then RabbitMQ (Celery's recommended production broker)."""
    from django.conf import settings

    if request.param == "configured":
        yield settings.CELERY_BROKER_URL
        return
    _purge_rabbitmq(RABBITMQ_URL)
    with producer_on(RABBITMQ_URL) as url:
        yield url


WorkerFactory = Callable[..., subprocess.Popen[bytes]]

# How long a worker may take to start consuming (`ready=True`): Django and every app imported
# under CI's load took 10-20 s here; generous, it only bounds how long a broken start fails.
WORKER_START_SECONDS = 180.0
# How long a worker may take to finish its warm shutdown before it is killed. Generous: under
# CI's load (three suites on two cores) a clean exit takes a few seconds; a kill is only the
# last resort, and says so.
WORKER_STOP_SECONDS = 30.0


@dataclass(frozen=True)
class StartedWorker:
    process: subprocess.Popen[bytes]
    name: str  # its --hostname
    broker_url: str


def worker_answers(worker: StartedWorker) -> bool:
    """Whether the worker answers a ping on its broker: it is connected and consuming."""
    from config.celery import app

    if worker.process.poll() is not None:
        raise AssertionError(f"worker {worker.name} exited with {worker.process.returncode}")
    if not broker_reachable(worker.broker_url):
        return False
    # Celery's control commands publish through the app's producer pool whatever connection
    # they are given: point it at the worker's broker.
    with producer_on(worker.broker_url):
        return bool(app.control.ping(destination=[worker.name], timeout=1))


def _wake_for_shutdown(broker_url: str, names: list[str]) -> None:
    """Send the named workers Celery's remote `shutdown` (a warm shutdown, as SIGTERM asks).

    Why, after the SIGTERM: Celery's signal handler only sets a flag, which the worker's event
    loop reads between polls, and Python resumes an interrupted poll (PEP 475). An idle worker
    on Redis wakes every second (its BRPOP times out) and noticed within 0.1 s here; on
    RabbitMQ nothing arrives on its socket and kombu's hub sleeps until its next timer, at
    most 10 s (the AMQP heartbeat check runs every 60 s). Measured: 8-11 s from SIGTERM to
    exit, per RabbitMQ test. The broadcast is a message on the worker's own connection: its
    poll returns at once. Skipped when the broker is unreachable (a test that failed with its
    broker stopped): the SIGTERM and the bounded wait still apply."""
    from config.celery import app

    # Checked first: the broadcast's publish retries until the broker takes it.
    if not broker_reachable(broker_url):
        return
    with producer_on(broker_url):  # as in worker_answers
        app.control.shutdown(destination=names)


def stop_workers(workers: list[StartedWorker]) -> None:
    """Warm-shut down every live worker (SIGTERM, woken by a broadcast), wait a bounded time,
    then SIGKILL what is left."""
    live = [w for w in workers if w.process.poll() is None]
    for worker in live:
        worker.process.send_signal(signal.SIGTERM)
    for broker_url in dict.fromkeys(w.broker_url for w in live):
        _wake_for_shutdown(broker_url, [w.name for w in live if w.broker_url == broker_url])
    deadline = time.monotonic() + WORKER_STOP_SECONDS
    for worker in live:
        try:
            worker.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            warnings.warn(f"worker {worker.name} ignored its shutdown; killed", stacklevel=1)
            worker.process.kill()
            worker.process.wait()


@pytest.fixture
def worker_factory(transactional_db: None) -> Iterator[WorkerFactory]:
    """Start real `celery worker` processes on this test's database; all stopped at the end.

    `broker_url` defaults to the configured broker; `env` adds variables (test-step knobs);
    `queues` limits the queues it consumes (`-Q`; default: every queue); `ready` waits until
    it answers a ping (it consumes), for a test that must know it was up before a step.
    `CS_HUB_TEST_WORKER_LOG_LEVEL` (default `warning`; `info` logs every task) sets the
    workers' log level, to see what a worker did when a test is slow (`pytest -s`).
    """
    from django.conf import settings
    from django.db import connection

    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    started: list[StartedWorker] = []

    def start(
        broker_url: str | None = None,
        env: dict[str, str] | None = None,
        queues: list[str] | None = None,
        ready: bool = False,
    ) -> Any:
        broker_url = broker_url or settings.CELERY_BROKER_URL
        # A name of its own, so the shutdown broadcast below reaches only this worker (other
        # suites' workers may share the broker).
        name = f"cs_hub_test_{uuid.uuid4().hex[:12]}@localhost"
        process = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--hostname",
                name,
                "--pool",
                "solo",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                os.environ.get("CS_HUB_TEST_WORKER_LOG_LEVEL", "warning"),
                *(["-Q", ",".join(queues)] if queues else []),
            ],
            cwd=Path(__file__).resolve().parents[1],
            env={
                **os.environ,
                "DATABASE_URL": url,
                "DJANGO_SETTINGS_MODULE": "config.settings.test",
                "CELERY_BROKER_URL": broker_url,
                **(env or {}),
            },
        )
        worker = StartedWorker(process, name, broker_url)
        started.append(worker)
        if ready:
            assert wait_until(lambda: worker_answers(worker), timeout=WORKER_START_SECONDS), (
                f"worker {name} did not start consuming within {WORKER_START_SECONDS:.0f} s"
            )
        return process

    yield start
    stop_workers(started)


@pytest.fixture
def celery_worker_process(
    worker_factory: WorkerFactory, task_broker: str
) -> subprocess.Popen[bytes]:
    """A real `celery worker` on the test's broker (`task_broker`), using its database;
    consuming before the test starts, so the test's own waits do not include its start (10-40
    s under CI's load: a 30 s wait on a relay failed that way)."""
    return worker_factory(broker_url=task_broker, ready=True)


def wait_until(predicate: Callable[[], bool], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()
