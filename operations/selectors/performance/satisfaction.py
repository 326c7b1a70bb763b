"""customer_satisfaction: mean CSAT (1-5) in the window, 2 decimals half up (README)."""

from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum

from .base import Window, csat, half_up


def satisfaction(window: Window) -> dict[str, Any]:
    found = csat().filter(window.q("answered_at")).aggregate(n=Count("pk"), total=Sum("score"))
    n = found["n"]
    mean = float(half_up(Decimal(found["total"]) / n, "0.01")) if n else None
    return {
        "customer_satisfaction": mean,
        "csat_responses": n,
        "customer_satisfaction_reason": None if n else "no CSAT response answered in the window",
    }
