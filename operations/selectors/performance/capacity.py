"""capacity_usage and workload_balancing over active CSMs (README, "CS operations
performance"). CSMs with capacity 0 have no utilisation; one with accounts counts as
overloaded."""

from typing import Any

from django.db.models import Count, F, FloatField, Max, Min, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Cast, Coalesce, NullIf

from customers.read import active_customers, active_team_members
from integrations.rounding import round_half_up

from .base import (
    OPTIMAL,
    OVERLOADED,
    OVERLOADED_UTILISATION,
    UNEVEN,
    UNEVEN_SPREAD,
    ratio,
)


def capacity() -> dict[str, Any]:
    """One query: per active CSM the assigned count (a correlated count) and u, aggregated
    over the CSMs."""
    assigned = (
        active_customers()
        .filter(success_manager_id=OuterRef("pk"))
        .order_by()
        .values("success_manager_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    per_csm = (
        active_team_members()
        .annotate(assigned=Coalesce(Subquery(assigned), 0))
        .annotate(
            u=Cast("assigned", FloatField()) / NullIf(Cast("capacity", FloatField()), 0.0),
        )
    )
    has_capacity = Q(capacity__gt=0)
    found = per_csm.aggregate(
        csms=Count("pk"),
        total_capacity=Coalesce(Sum("capacity"), 0),
        total_assigned=Coalesce(Sum("assigned"), 0),
        max_u=Max("u", filter=has_capacity),
        min_u=Min("u", filter=has_capacity),
        with_u=Count("pk", filter=has_capacity),
        overloaded=Count("pk", filter=Q(assigned__gt=F("capacity") * OVERLOADED_UTILISATION)),
    )
    csms, max_u, min_u = found["csms"], found["max_u"], found["min_u"]
    spread = round_half_up(max_u - min_u, 4) if max_u is not None and min_u is not None else None
    balancing: str | None = None
    reason: str | None = "no active CSMs"
    if csms:
        reason = None
        if found["overloaded"]:
            balancing = OVERLOADED
        elif found["with_u"] >= 2 and spread is not None and spread > UNEVEN_SPREAD:
            balancing = UNEVEN
        else:
            balancing = OPTIMAL
    usage = ratio(found["total_assigned"], found["total_capacity"])
    return {
        "capacity_usage": usage,
        "assigned_accounts": found["total_assigned"],
        "total_capacity": found["total_capacity"],
        "capacity_usage_reason": None if usage is not None else "no active CSM capacity",
        "workload_balancing": balancing,
        "max_utilisation": round_half_up(max_u, 4) if max_u is not None else None,
        "min_utilisation": round_half_up(min_u, 4) if min_u is not None else None,
        "utilisation_spread": spread,
        "overloaded_csms": found["overloaded"],
        "active_csms": csms,
        "workload_balancing_reason": reason,
    }
