"""Workflow runs: start, execute one step, retry with backoff, escalate, sweep.

Guarantees (README "Workflow automation"):
- At-least-once execution: a step is handed to a worker through the outbox (a
  `workflow.step_ready` event whose handler enqueues the Celery task; the relay retries until
  the broker takes it), and a beat sweep re-enqueues any pending step whose lease ran out
  (a worker killed mid-step, a message lost with Redis).
- Exactly-once database effects: one step runs in one transaction that locks its row, skips
  it when already done, does the effect and marks it done. A crash rolls all of it back.
- External effects (email) carry the step key `{run_id}:{step}` for the receiver to dedupe.
A step that raises is retried with backoff up to CS_HUB_WORKFLOW_MAX_ATTEMPTS attempts; then
the run fails and an escalation goes to the CS operations manager.
"""

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from customers.models import Customer
from integrations import events
from integrations.domain_errors import DomainError
from integrations.ids import new_public_id
from integrations.models import Event

from ..choices import RunStatus, RunTrigger, StepStatus
from ..errors import WorkflowConditionsNotMet
from ..models import AutomationRule, Escalation, WorkflowRun, WorkflowStepRun
from .conditions import conditions_hold, evaluate
from .incidents import escalation_open
from .registry import StepContext, StepSkipped, registered_steps

logger = logging.getLogger(__name__)

STEP_READY = "workflow.step_ready"


def _lease() -> timedelta:
    return timedelta(seconds=settings.CS_HUB_WORKFLOW_STEP_LEASE_SECONDS)


def _hand_over(step: WorkflowStepRun, now: Any) -> None:
    """Queue the step through the outbox, in the caller's transaction."""
    step.next_attempt_at = now + _lease()
    step.save(update_fields=["next_attempt_at"])
    events.publish(
        STEP_READY,
        customer_id=step.run.customer.customer_id,
        data={"run_id": step.run.run_id, "step": step.step, "step_run": step.pk},
    )


@transaction.atomic
def workflow_start(
    *,
    customer: Customer,
    workflow_type: str,
    trigger_conditions: dict[str, float],
    steps: Sequence[str],
    conditions_match: str = "all",
    force: bool = False,
    trigger: str = RunTrigger.API,
    rule: AutomationRule | None = None,
    requested_by: str = "",
    evaluation: dict[str, Any] | None = None,
) -> WorkflowRun:
    """Measure the conditions; if they hold (or `force`), create the run and its steps and
    hand the first step to a worker. Otherwise raise WorkflowConditionsNotMet (422)."""
    now = timezone.now()
    if evaluation is None:
        measured = evaluate(customer, trigger_conditions, now)
        held = conditions_hold(measured, conditions_match)
        evaluation = {
            "conditions": [m.as_dict() for m in measured],
            "conditions_match": conditions_match,
            "held": held,
            "evaluated_at": now.isoformat(),
        }
        if not held and not force:
            raise WorkflowConditionsNotMet(evaluation)
    run = WorkflowRun.objects.create(
        run_id=new_public_id("wfr"),
        customer=customer,
        workflow_type=workflow_type,
        status=RunStatus.PENDING,
        trigger=trigger,
        rule=rule,
        trigger_conditions=trigger_conditions,
        conditions_match=conditions_match,
        evaluation=evaluation,
        forced=force,
        requested_by=requested_by,
    )
    rows = WorkflowStepRun.objects.bulk_create(
        [
            WorkflowStepRun(run=run, position=i, step=name, key=f"{run.run_id}:{name}")
            for i, name in enumerate(steps)
        ]
    )
    events.publish(
        "workflow.started",
        customer_id=customer.customer_id,
        data={
            "run_id": run.run_id,
            "workflow_type": workflow_type,
            "steps": list(steps),
            "trigger": trigger,
            "forced": force,
        },
    )
    if rows:
        _hand_over(rows[0], now)
    else:
        _finish(run, RunStatus.COMPLETED, now)
    return run


def _finish(run: WorkflowRun, status: str, now: Any, error: str = "") -> None:
    run.status, run.finished_at, run.error = status, now, error
    run.save(update_fields=["status", "finished_at", "error"])
    kind = "workflow.completed" if status == RunStatus.COMPLETED else "workflow.failed"
    events.publish(
        kind,
        customer_id=run.customer.customer_id,
        data={
            "run_id": run.run_id,
            "workflow_type": run.workflow_type,
            "status": status,
            "error": error,
        },
    )


def step_execute(step_pk: int) -> str:
    """Run one step once: what the Celery task calls. Returns what happened, for logs."""
    began = timezone.now()
    try:
        return _execute(step_pk)
    except Exception as exc:  # the effect rolled back; count the attempt on its own
        logger.warning("workflow step %s failed: %s", step_pk, exc)
        return step_failed(step_pk, exc, began=began)


@transaction.atomic
def _execute(step_pk: int) -> str:
    step = (
        WorkflowStepRun.objects.select_for_update(of=("self",))
        .select_related("run__customer__success_manager")
        .filter(pk=step_pk)
        .first()
    )
    if step is None or step.status != StepStatus.PENDING:
        return "skipped: not pending"
    run = step.run
    if run.status not in (RunStatus.PENDING, RunStatus.RUNNING):
        return "skipped: run finished"
    earlier = run.steps.filter(position__lt=step.position).exclude(status=StepStatus.DONE)
    if earlier.exists():
        return "skipped: an earlier step is not done"
    now = timezone.now()  # the step starts now (the row is ours); it finishes below
    if run.status == RunStatus.PENDING:
        run.status, run.started_at = RunStatus.RUNNING, now
        run.save(update_fields=["status", "started_at"])
    step.attempts += 1
    step.started_at = step.started_at or now  # the first attempt's start
    definition = registered_steps().get(step.step)
    if definition is None:
        raise LookupError(f"step {step.step} is no longer registered")
    customer = run.customer
    ctx = StepContext(run=run, step=step, customer=customer, csm=customer.success_manager, now=now)
    try:
        step.result = definition.run(ctx)
    except StepSkipped as skipped:
        step.result = {"skipped": True, "reason": str(skipped)}
    finished = timezone.now()
    step.status, step.finished_at, step.last_error = StepStatus.DONE, finished, ""
    step.next_attempt_at = None
    step.save()
    following = run.steps.filter(position__gt=step.position).order_by("position").first()
    if following is not None:
        _hand_over(following, finished)
    else:
        _finish(run, RunStatus.COMPLETED, finished)
    return "done"


def failure_text(exc: BaseException) -> str:
    """What a failed attempt records: a domain refusal by its stable code, a crash by type."""
    if isinstance(exc, DomainError):
        return f"{exc.code}: {exc.text()}"
    return f"{type(exc).__name__}: {exc}"


@transaction.atomic
def step_failed(step_pk: int, exc: BaseException, *, began: datetime | None = None) -> str:
    """Count a failed attempt (`began`: when it started; its own marks rolled back)."""
    step = (
        WorkflowStepRun.objects.select_for_update(of=("self",))
        .select_related("run__customer")
        .filter(pk=step_pk)
        .first()
    )
    if step is None or step.status != StepStatus.PENDING:
        return "failed: already settled"
    now = timezone.now()
    step.attempts += 1
    step.last_error = failure_text(exc)[:2000]
    step.started_at = step.started_at or began or now
    run = step.run
    if run.status == RunStatus.PENDING:  # it did start: the attempt's own mark rolled back
        run.status, run.started_at = RunStatus.RUNNING, began or now
        run.save(update_fields=["status", "started_at"])
    if step.attempts < settings.CS_HUB_WORKFLOW_MAX_ATTEMPTS:
        base = settings.CS_HUB_WORKFLOW_RETRY_BASE_SECONDS
        step.next_attempt_at = now + timedelta(seconds=base * 2 ** (step.attempts - 1))
        step.save(update_fields=["attempts", "last_error", "next_attempt_at", "started_at"])
        return f"failed: retry {step.attempts + 1} at {step.next_attempt_at.isoformat()}"
    step.status, step.finished_at, step.next_attempt_at = StepStatus.FAILED, now, None
    step.save(
        update_fields=[
            "attempts",
            "last_error",
            "status",
            "finished_at",
            "next_attempt_at",
            "started_at",
        ]
    )
    error = f"step {step.step} failed after {step.attempts} attempts: {step.last_error}"
    # Once per terminal failure (the locked row is settled above); a step retried from the
    # admin and failing again is a new failure, hence the ordinal in the key.
    earlier = Escalation.objects.filter(source_key__startswith=f"{step.key}:failed:").count()
    escalation_open(
        customer=run.customer,
        reason=f"Workflow {run.workflow_type} ({run.run_id}): {error}",
        source_key=f"{step.key}:failed:{earlier + 1}",
        run=run,
        now=now,
    )
    _finish(run, RunStatus.FAILED, now, error)
    return "failed: escalated"


@transaction.atomic
def step_retry(step: WorkflowStepRun) -> WorkflowStepRun:
    """Give a failed step (and its run) a fresh set of attempts: the admin's retry action."""
    step = (
        WorkflowStepRun.objects.select_for_update(of=("self",))
        .select_related("run__customer")
        .get(pk=step.pk)
    )
    if step.status != StepStatus.FAILED:
        return step
    now = timezone.now()
    step.status, step.attempts, step.finished_at = StepStatus.PENDING, 0, None
    step.save(update_fields=["status", "attempts", "finished_at"])
    run = step.run
    run.status, run.finished_at, run.error = RunStatus.RUNNING, None, ""
    run.save(update_fields=["status", "finished_at", "error"])
    _hand_over(step, now)
    return step


def due_steps(limit: int = 500) -> list[int]:
    """Pending steps whose lease or backoff ran out, first in line in a live run."""
    now = timezone.now()
    blocked = WorkflowStepRun.objects.filter(
        run_id=OuterRef("run_id"), position__lt=OuterRef("position")
    ).exclude(status=StepStatus.DONE)
    return list(
        WorkflowStepRun.objects.filter(
            status=StepStatus.PENDING,
            next_attempt_at__lte=now,
            run__status__in=[RunStatus.PENDING, RunStatus.RUNNING],
        )
        .exclude(Exists(blocked))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def sweep(enqueue: Any) -> int:
    """Re-enqueue due steps with `enqueue(step_pk)`, pushing each lease forward first so a
    slow worker is not handed the same step twice in a row."""
    pks = due_steps()
    if pks:
        WorkflowStepRun.objects.filter(pk__in=pks).update(next_attempt_at=timezone.now() + _lease())
    for pk in pks:
        enqueue(pk)
    return len(pks)


def on_step_ready(event: Event) -> None:
    """Outbox handler: give the step to a worker. If the broker refuses, this raises and the
    relay retries the event with backoff; the beat sweep is the second net."""
    from ..tasks import run_workflow_step

    run_workflow_step.apply_async(args=(event.data["step_run"],), retry=False)
