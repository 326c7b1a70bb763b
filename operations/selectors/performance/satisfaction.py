"""customer_satisfaction: mean CSAT (1-5) in the window, 2 decimals half up (README)."""

from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum

from integrations.rounding import round_half_up

from .base import Window, csat


def satisfaction(window: Window) -> dict[str, Any]:
    found = csat().filter(window.q("answered_at")).aggregate(n=Count("pk"), total=Sum("score"))
    n = found["n"]
    mean = round_half_up(Decimal(found["total"]) / n, 2) if n else None
    return {
        "customer_satisfaction": mean,
        "csat_responses": n,
        "customer_satisfaction_reason": None if n else "no CSAT response answered in the window",
    }
