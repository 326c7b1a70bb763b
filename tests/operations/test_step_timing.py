"""A workflow step records when it started and when it finished, live and in the demo."""

import itertools
import time
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core.management import call_command

from integrations.events import relay_pending
from operations.models import WorkflowRun, WorkflowStepRun
from operations.workflows import engine, registry
from tests.customers.factories import CustomerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]
PAUSE = 0.05


def _slow(result: dict[str, Any], fail: bool = False) -> registry.StepFn:
    def run(ctx: registry.StepContext) -> dict[str, Any]:
        time.sleep(PAUSE)
        if fail:
            raise ConnectionError("CRM unreachable")
        return result

    return run


def _times(step: WorkflowStepRun) -> tuple[datetime, datetime]:
    assert step.started_at is not None
    assert step.finished_at is not None
    return step.started_at, step.finished_at


def _run(steps: list[str]) -> WorkflowRun:
    run = engine.workflow_start(
        customer=CustomerFactory.create(),
        workflow_type="timing",
        trigger_conditions={},
        steps=steps,
        force=True,
    )
    while relay_pending():
        pass
    return run


def test_a_step_finishes_after_it_started(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(registry._steps, "slow_a", registry.Step("slow_a", _slow({"a": 1}), ""))
    monkeypatch.setitem(registry._steps, "slow_b", registry.Step("slow_b", _slow({"b": 2}), ""))
    run = _run(["slow_a", "slow_b"])
    run.refresh_from_db()
    a, b = WorkflowStepRun.objects.filter(run=run).order_by("position")
    assert run.status == "completed"
    (a_start, a_end), (b_start, b_end) = _times(a), _times(b)
    assert a_end - a_start >= timedelta(seconds=PAUSE)
    assert b_end - b_start >= timedelta(seconds=PAUSE)
    assert a_end <= b_start
    assert (run.started_at, run.finished_at) == (a_start, b_end)


def test_a_failed_step_keeps_the_start_of_its_attempt(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.CS_HUB_WORKFLOW_MAX_ATTEMPTS = 1
    broken = registry.Step("broken", _slow({}, fail=True), "")
    monkeypatch.setitem(registry._steps, "broken", broken)
    run = _run(["broken"])
    run.refresh_from_db()
    step = WorkflowStepRun.objects.get(run=run)
    assert (step.status, run.status) == ("failed", "failed")
    start, end = _times(step)
    assert end - start >= timedelta(seconds=PAUSE)
    assert run.started_at == step.started_at


def test_demo_runs_have_their_evaluation_time_and_sequential_steps() -> None:
    call_command("seed_demo", "--customers", "40", "--health-weeks", "1", "--no-progress")
    runs = list(WorkflowRun.objects.prefetch_related("steps"))
    assert runs
    for run in runs:
        assert run.evaluation["evaluated_at"] == run.created_at.isoformat()
        steps = list(run.steps.all())
        assert steps[0].started_at == run.started_at
        assert steps[-1].finished_at == run.finished_at
        for step, following in itertools.pairwise(steps):
            start, end = _times(step)
            assert start < end <= _times(following)[0]
