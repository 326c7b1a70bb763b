"""Thin Celery tasks for workflow automation: load by id, call the engine, exit quietly."""

from celery import shared_task

from .workflows import engine


@shared_task(name="operations.run_workflow_step", ignore_result=True, acks_late=True)
def run_workflow_step(step_pk: int) -> str:
    return engine.step_execute(step_pk)


@shared_task(name="operations.sweep_workflow_steps", ignore_result=True)
def sweep_workflow_steps() -> int:
    return engine.sweep(lambda pk: run_workflow_step.apply_async(args=(pk,), retry=False))
