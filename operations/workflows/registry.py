"""The step registry. A step is a function of a StepContext that does its effect inside the
step's transaction and returns a JSON-able result. Effects in the database happen once: the
step row is locked, skipped when done, and marked done in the same transaction. A step that
reaches outside (email) carries `ctx.key` so the receiver can drop a repeat.

Higher apps may register more steps from their AppConfig.ready().
"""

from collections.abc import Callable, Sequence
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


@dataclass(frozen=True, slots=True)
class StepListProblem:
    """Why a list of step names cannot be run: `unknown_step` or `duplicate_step`."""

    code: str
    names: tuple[str, ...]
    known: tuple[str, ...]

    @property
    def message(self) -> str:
        if self.code == "unknown_step":
            return f"Unknown step(s): {', '.join(self.names)}. Known: {', '.join(self.known)}."
        return f"A step may appear once: {', '.join(self.names)}."


def step_list_problem(steps: Sequence[str]) -> StepListProblem | None:
    """The one step-list check (API, admin, automation rules): every name registered, none
    repeated. None when the list can run."""
    known = tuple(registered_steps())
    unknown = tuple(name for name in steps if name not in known)
    if unknown:
        return StepListProblem("unknown_step", unknown, known)
    repeated = tuple(sorted({name for name in steps if steps.count(name) > 1}))
    if repeated:
        return StepListProblem("duplicate_step", repeated, known)
    return None


def runnable_steps(steps: Sequence[str]) -> list[str]:
    """The same rule, forgiving, for rules saved before a step was unregistered: unknown names
    dropped, repeats kept once, order kept."""
    known = registered_steps()
    return list(dict.fromkeys(name for name in steps if name in known))
