"""The step registry. A step is a function of a StepContext that does its effect inside the
step's transaction and returns a JSON-able result. Effects in the database happen once: the
step row is locked, skipped when done, and marked done in the same transaction. A step that
reaches outside (email) carries `ctx.key` so the receiver can drop a repeat.

Higher apps may register more steps from their AppConfig.ready().
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from customers.models import Customer, TeamMember

from ..models import WorkflowRun, WorkflowStepRun


@dataclass
class StepContext:
    run: WorkflowRun
    step: WorkflowStepRun
    customer: Customer
    csm: TeamMember | None
    now: datetime

    @property
    def key(self) -> str:
        return self.step.key


class StepSkipped(Exception):
    """Raised by a step that has nothing to do (recorded as done, with the reason)."""


StepFn = Callable[[StepContext], dict[str, Any]]


@dataclass(frozen=True)
class Step:
    name: str
    run: StepFn
    description: str


_steps: dict[str, Step] = {}


def register_step(name: str, run: StepFn, description: str) -> None:
    _steps[name] = Step(name=name, run=run, description=description)


def registered_steps() -> dict[str, Step]:
    return dict(sorted(_steps.items()))
