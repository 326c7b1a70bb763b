"""Past days' health distributions, remembered (HealthDistributionDay).

`customers.read.health_distribution` counts each asked day with one subquery per customer;
for the dashboard's twelve week-ends that is twelve lookups per customer on every view. A day
before today rarely changes afterwards, so its counts are kept and reused while they still
hold: no snapshot for that day or before arrived since (a pk above `snapshots_through`) and
as many customers were alive that day as the counts hold. Both checks are one query each for
any number of days; a stale or missing day is counted again and stored.
"""

from collections.abc import Callable, Mapping, Sequence
from datetime import date

from django.db.models import Count, Max, Q
from django.utils import timezone

from ..models import Customer, HealthDistributionDay, HealthScore

# (grade counts, unscored) per day
Counted = tuple[dict[str, int], int]


def newest_snapshot_pk() -> int:
    """Read before counting: a snapshot written meanwhile has a larger pk and marks the
    day stale on the next read rather than being missed."""
    return HealthScore.objects.aggregate(newest=Max("pk"))["newest"] or 0


def remembered(days: Sequence[date], alive_on: Callable[[date], Q]) -> dict[date, Counted]:
    """The stored counts of `days` that still hold. At most three queries."""
    rows = list(HealthDistributionDay.objects.filter(day__in=days))
    if not rows:
        return {}
    oldest = min(row.snapshots_through for row in rows)
    later = HealthScore.objects.filter(pk__gt=oldest).aggregate(
        **{
            f"d{i}": Count("pk", filter=Q(pk__gt=row.snapshots_through, as_of__lte=row.day))
            for i, row in enumerate(rows)
        }
    )
    alive = Customer.objects.aggregate(
        **{f"d{i}": Count("pk", filter=alive_on(row.day)) for i, row in enumerate(rows)}
    )
    return {
        row.day: (dict(row.counts), row.unscored)
        for i, row in enumerate(rows)
        if not later[f"d{i}"] and alive[f"d{i}"] == sum(row.counts.values()) + row.unscored
    }


def remember(counted: Mapping[date, Counted], *, snapshots_through: int) -> None:
    """Store (or replace) the counts of past days. One query; two requests counting the
    same day at once both write the same counts."""
    if not counted:
        return
    now = timezone.now()
    HealthDistributionDay.objects.bulk_create(
        [
            HealthDistributionDay(
                day=day,
                counts=counts,
                unscored=unscored,
                snapshots_through=snapshots_through,
                computed_at=now,
            )
            for day, (counts, unscored) in counted.items()
        ],
        update_conflicts=True,
        unique_fields=["day"],
        update_fields=["counts", "unscored", "snapshots_through", "computed_at"],
    )
