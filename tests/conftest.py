"""Shared fixtures: API clients holding scoped keys, and database-kind markers."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


@pytest.fixture
def worker_factory(transactional_db: None) -> Iterator[WorkerFactory]:
    """Start real `celery worker` processes on this test's database; all stopped at the end.

    `broker_url` defaults to the configured broker; `env` adds variables (test-step knobs);
    `queues` limits the queues it consumes (`-Q`; default: every queue).
    """
    from django.conf import settings
    from django.db import connection

    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    started: list[subprocess.Popen[bytes]] = []

    def start(
        broker_url: str | None = None,
        env: dict[str, str] | None = None,
        queues: list[str] | None = None,
    ) -> Any:
        process = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool",
                "solo",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "warning",
                *(["-Q", ",".join(queues)] if queues else []),
            ],
            cwd=Path(__file__).resolve().parents[1],
            env={
                **os.environ,
                "DATABASE_URL": url,
                "DJANGO_SETTINGS_MODULE": "config.settings.test",
                "CELERY_BROKER_URL": broker_url or settings.CELERY_BROKER_URL,
                **(env or {}),
            },
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in started:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def celery_worker_process(
    worker_factory: WorkerFactory, task_broker: str
) -> subprocess.Popen[bytes]:
    """A real `celery worker` on the test's broker (`task_broker`), using its database."""
    return worker_factory(broker_url=task_broker)


def wait_until(predicate: Callable[[], bool], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()
