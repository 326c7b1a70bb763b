"""Shared fixtures: API clients holding scoped keys, and database-kind markers."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
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
        if app._pool is not None:
            with suppress(Exception):  # the broker may be gone (an outage test)
                app._pool.force_close_all()
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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    has_worker_env = bool(settings.CELERY_BROKER_URL) and on_postgres
    skip_worker = pytest.mark.skip(reason="needs PostgreSQL, Redis and CELERY_BROKER_URL")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_pg)
        if "worker" in item.keywords and not has_worker_env:
            item.add_marker(skip_worker)


WorkerFactory = Callable[..., subprocess.Popen[bytes]]


@pytest.fixture
def worker_factory(transactional_db: None) -> Iterator[WorkerFactory]:
    """Start real `celery worker` processes on this test's database; all stopped at the end.

    `broker_url` defaults to the configured broker; `env` adds variables (test-step knobs).
    """
    from django.conf import settings
    from django.db import connection

    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    started: list[subprocess.Popen[bytes]] = []

    def start(broker_url: str | None = None, env: dict[str, str] | None = None) -> Any:
        process = subprocess.Popen(
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
def celery_worker_process(worker_factory: WorkerFactory) -> subprocess.Popen[bytes]:
    """A real `celery worker` on the configured broker, using this test's database."""
    return worker_factory()


def wait_until(predicate: Callable[[], bool], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()
