"""workflow_execution_rate (README, "CS operations performance")."""

from typing import Any

from django.db.models import Count, Q

from ...choices import RunStatus
from ...models import WorkflowRun
from .base import Window, ratio


def execution(window: Window) -> dict[str, Any]:
    found = WorkflowRun.objects.filter(window.q("finished_at")).aggregate(
        completed=Count("pk", filter=Q(status=RunStatus.COMPLETED)),
        failed=Count("pk", filter=Q(status=RunStatus.FAILED)),
    )
    completed, failed = found["completed"], found["failed"]
    rate = ratio(completed, completed + failed)
    return {
        "workflow_execution_rate": rate,
        "workflow_runs_completed": completed,
        "workflow_runs_failed": failed,
        "workflow_execution_rate_reason": None
        if rate is not None
        else "no workflow run finished (completed or failed) in the window",
    }
