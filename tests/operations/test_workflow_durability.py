"""Workflow durability across real `celery worker` processes on Redis (CI's PostgreSQL run).

1. SIGKILL the worker in the middle of a step, start another: the run completes and every
   step's database effect exists exactly once.
2. Stop Redis while runs are being submitted, start it again: every accepted run completes.
Beat is played by the test: it sends the relay and sweep tasks a real beat would.
"""

import contextlib
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from integrations.models import Event
from integrations.tasks import relay_events
from operations.models import Alert, Escalation, WorkflowRun, WorkflowStepRun
from operations.tasks import sweep_workflow_steps
from operations.workflows.engine import workflow_start
from tests.customers.factories import CustomerFactory

pytestmark = [pytest.mark.worker, pytest.mark.postgres]

STEPS = ["test_slow_effect", "create_escalation"]


def beat_tick() -> None:
    """What celery beat sends every few seconds; tolerant of a broker that is down."""
    for task in (relay_events, sweep_workflow_steps):
        with contextlib.suppress(Exception):  # a tick during an outage simply does nothing
            task.apply_async(retry=False)


def until(predicate: Any, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        beat_tick()
        time.sleep(0.5)
    return bool(predicate())


def start_run(customer: Any) -> WorkflowRun:
    with transaction.atomic():
        return workflow_start(
            customer=customer,
            workflow_type="durability_check",
            trigger_conditions={},
            steps=STEPS,
            force=True,
        )


def completed(run: WorkflowRun) -> bool:
    run.refresh_from_db()
    return run.status == "completed"


@pytest.fixture(autouse=True)
def short_lease(settings: Any) -> None:
    """Hand-overs made here get the same short lease the workers use."""
    settings.CS_HUB_WORKFLOW_STEP_LEASE_SECONDS = 2


def test_worker_killed_mid_step_then_a_new_worker_completes_once(
    worker_factory: Any, tmp_path: Path
) -> None:
    marker = tmp_path / "in_flight"
    knobs = {
        "CS_HUB_TEST_STEP_MARKER": str(marker),
        "CS_HUB_TEST_STEP_SLEEP": "4",
        "CS_HUB_WORKFLOW_STEP_LEASE_SECONDS": "2",
    }
    first = worker_factory(env=knobs)
    customer = CustomerFactory.create()
    run = start_run(customer)
    assert until(marker.exists, timeout=60), (
        "the first worker never started the step",
        list(WorkflowStepRun.objects.filter(run=run).values("step", "status", "last_error")),
        list(Event.objects.values("type", "status", "last_error", "attempts")),
    )
    first.send_signal(signal.SIGKILL)  # mid-step: its transaction dies with it
    first.wait(timeout=10)
    step = WorkflowStepRun.objects.get(run=run, step="test_slow_effect")
    assert step.status == "pending"
    assert Alert.objects.filter(customer=customer).count() == 0  # rolled back
    marker.unlink()

    worker_factory(env={**knobs, "CS_HUB_TEST_STEP_SLEEP": "0"})
    assert until(lambda: completed(run), timeout=90), "the run never completed"
    assert Alert.objects.filter(customer=customer).count() == 1  # exactly once
    assert Escalation.objects.filter(run=run).count() == 1
    step.refresh_from_db()
    assert step.attempts == 1  # the killed attempt left no trace; the second one counted


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def own_redis() -> Iterator[dict[str, Any]]:
    """A Redis of the test's own, so stopping it leaves the shared one alone."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    port = _free_port()
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    state: dict[str, Any] = {"url": f"redis://127.0.0.1:{port}/0"}

    def up() -> None:
        state["process"] = subprocess.Popen(args, stdout=subprocess.DEVNULL)  # noqa: S603
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def down() -> None:
        state["process"].terminate()
        state["process"].wait(timeout=10)

    state.update(up=up, down=down)
    up()
    yield state
    if state["process"].poll() is None:
        down()


@pytest.fixture
def broker_switched(own_redis: dict[str, Any]) -> Iterator[str]:
    """Point this process's Celery producer at the test's own Redis."""
    from config.celery import app

    def reset() -> None:
        app._pool = None
        app.amqp._producer_pool = None

    keys = ("broker_url", "broker_write_url", "broker_read_url")
    before = {key: app.conf[key] for key in keys}
    for key in keys:
        app.conf[key] = own_redis["url"]
    reset()
    yield own_redis["url"]
    for key, value in before.items():
        app.conf[key] = value
    reset()


def test_runs_accepted_while_redis_is_down_complete_after_it_returns(
    worker_factory: Any, own_redis: dict[str, Any], broker_switched: str, api: Any
) -> None:
    worker_factory(broker_url=broker_switched, env={"CS_HUB_WORKFLOW_STEP_LEASE_SECONDS": "2"})
    customers = CustomerFactory.create_batch(6)
    body = {"workflow_type": "durability_check", "automation_steps": STEPS, "force": True}

    def submit(customer: Any) -> str:
        response = api.post(
            f"/api/v1/cs-ops/workflows/{customer.customer_id}",
            {**body, "customer_id": customer.customer_id},
            format="json",
        )
        assert response.status_code == 202, response.content
        run_id: str = response.json()["run_id"]
        return run_id

    run_ids = [submit(c) for c in customers[:2]]  # Redis up
    own_redis["down"]()
    run_ids += [submit(c) for c in customers[2:]]  # Redis down: still accepted (committed)
    beat_tick()  # beat during the outage: nothing to send it with
    own_redis["up"]()
    runs = list(WorkflowRun.objects.filter(run_id__in=run_ids))
    assert len(runs) == 6
    assert until(lambda: all(completed(r) for r in runs), timeout=120), [
        (r.run_id, r.status) for r in runs
    ]
    assert Alert.objects.count() == 6  # one slow effect per run, exactly once
    assert Escalation.objects.count() == 6
