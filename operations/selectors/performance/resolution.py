"""average_resolution_time over alerts and escalations (README, "CS operations performance").
Rows with resolved_at before opened_at are skipped as corrupt; hours 1 decimal and seconds
whole, both half up."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, DurationField, ExpressionWrapper, F, Sum

from integrations.rounding import round_half_up

from ...models import Alert, Escalation
from .base import Window

_DURATION = ExpressionWrapper(F("resolved_at") - F("opened_at"), output_field=DurationField())


def _resolution_sums(model: type[Alert] | type[Escalation], window: Window) -> tuple[int, int]:
    """(count, total microseconds) of the model's rows resolved in the window."""
    found = model.objects.filter(
        window.q("resolved_at"), resolved_at__gte=F("opened_at")
    ).aggregate(n=Count("pk"), total=Sum(_DURATION))
    total: timedelta | None = found["total"]
    return found["n"], (total // timedelta(microseconds=1)) if total is not None else 0


def resolution(window: Window) -> dict[str, Any]:
    alerts, alert_us = _resolution_sums(Alert, window)
    escalations, escalation_us = _resolution_sums(Escalation, window)
    n = alerts + escalations
    out: dict[str, Any] = {
        "resolved_count": n,
        "resolved_alerts": alerts,
        "resolved_escalations": escalations,
        "average_resolution_time": None,
        "average_resolution_seconds": None,
        "average_resolution_time_reason": "no alert or escalation resolved in the window",
    }
    if n:
        mean_us = Decimal(alert_us + escalation_us) / n
        hours = round_half_up(mean_us / Decimal(3_600_000_000), 1)
        out.update(
            average_resolution_time=f"{hours}_hours",
            average_resolution_seconds=round_half_up(mean_us / Decimal(1_000_000)),
            average_resolution_time_reason=None,
        )
    return out
