"""team_productivity (README, "CS operations performance"). A task counts for its owner;
tasks completed by nobody or by inactive members are reported as unattributed and left out."""

from typing import Any

from django.conf import settings
from django.db.models import Count, Q

from integrations.rounding import round_half_up

from ...models import Task
from .base import Window, ratio


def productivity(window: Window, active_csms: int) -> dict[str, Any]:
    found = Task.objects.filter(window.q("completed_at")).aggregate(
        attributed=Count("pk", filter=Q(owner__active=True)),
        total=Count("pk"),
    )
    target = float(getattr(settings, "CS_HUB_TASKS_PER_CSM_WEEK_TARGET", 8.0))
    done = found["attributed"]
    per_csm_week = ratio(done, active_csms * window.weeks)
    result = None
    if per_csm_week is not None and target > 0:
        result = round_half_up(done / (active_csms * window.weeks) / target, 4)
    reason = None
    if not active_csms:
        reason = "no active CSMs"
    elif result is None:
        reason = "CS_HUB_TASKS_PER_CSM_WEEK_TARGET is not positive"
    return {
        "team_productivity": result,
        "tasks_completed": done,
        "tasks_completed_unattributed": found["total"] - done,
        "active_csms": active_csms,
        "window_weeks": round_half_up(window.weeks, 4),
        "tasks_per_csm_week": per_csm_week,
        "tasks_per_csm_week_target": target,
        "team_productivity_reason": reason,
    }
