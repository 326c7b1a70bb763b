"""Health measures owned by product: `product_usage` and `feature_adoption`.

Each runs a fixed number of aggregate queries for any number of customers.
"""

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Sum

from customers import read as customers_read
from customers.health.measures import MeasureValue, clamp
from integrations.clock import DayWindow, days_window
from integrations.rounding import round_half_up

from .models import Feature, FeatureUsage
from .read import usage_ratio

PRODUCT_USAGE_DOC = """\
product_usage = 100 x (0.7 x seat_utilisation + 0.3 x trend_factor), where
seat_utilisation = min(1, peak daily active users in the last 30 days / licensed seats) and
trend_factor = clamp(events in the last 30 days / events in the 30 days before - 0.5, 0, 1)
(flat usage = 0.5, +50% or more = 1, -50% or worse = 0; new usage with nothing before = 1).
Without licensed seats the score is 100 x trend_factor. No usage rows in the last 365 days:
no data. Peak daily active users = the largest active_users of any single feature row on a
day of the window (README, Definitions: a lower bound that never counts a user twice)."""

FEATURE_ADOPTION_DOC = """\
feature_adoption = 100 x key features adopted / key features, where a feature is adopted when
the customer was active on it (events or active users > 0) on at least its
adoption_threshold_days distinct days in the trailing 30. No key features defined, or no usage
rows in the last 90 days: no data."""


def _usage(customer_pks: Sequence[int] | None, window: DayWindow) -> QuerySet[FeatureUsage]:
    rows = FeatureUsage.objects.filter(window.dates("date"))
    if customer_pks is not None:
        rows = rows.filter(customer_id__in=customer_pks)
    return rows


def _lapsed(
    customer_pks: Sequence[int] | None, seen: Collection[int], year: DayWindow
) -> list[dict[str, int]]:
    """The customers not `seen` in the 60 days with usage in `year`, as rows of the 60 days'
    aggregate with nothing in them (so one loop scores both): a hashed NOT IN over the
    customers, then an index probe per customer left, where grouping the year's rows read all
    of them (35 million at 100,000 customers) and an anti-join hashed the 60 days' rows
    again."""
    used = FeatureUsage.objects.filter(year.dates("date"), customer_id=OuterRef("pk"))
    rows = (
        customers_read.customers_among(customer_pks, excluding=seen)
        .filter(Exists(used))
        .values_list("pk", "licensed_seats")
    )
    return [
        {"customer_id": pk, "seats": seats, "events_30": 0, "events_prior": 0, "peak_users": 0}
        for pk, seats in rows
    ]


def product_usage(customer_pks: Sequence[int] | None, as_of: date) -> dict[int, MeasureValue]:
    last_30 = days_window(as_of, 30)
    # The 60 days' rows grouped by customer alone (the seats ride along as an aggregate): with
    # the seats in the GROUP BY, PostgreSQL guessed millions of groups at 100,000 customers
    # and sorted a year of rows through the index instead of hashing (14 s against 1.1 s at
    # 10,000). Customers whose last usage is older than the 60 days but inside the year score
    # on zeros (`_lapsed`).
    rows: list[dict[str, Any]] = list(
        _usage(customer_pks, DayWindow(last_30.prior().first_day, as_of))
        .values("customer_id")
        .annotate(
            seats=Max("customer__licensed_seats"),
            events_30=Sum("events", filter=last_30.dates("date")),
            events_prior=Sum("events", filter=last_30.prior().dates("date")),
            peak_users=Max("active_users", filter=last_30.dates("date")),
        )
        .order_by()
    )
    seen = {row["customer_id"] for row in rows}
    rows += _lapsed(customer_pks, seen, days_window(as_of, 365))
    result: dict[int, MeasureValue] = {}
    for row in rows:
        last, prior = row["events_30"] or 0, row["events_prior"] or 0
        peak, seats = row["peak_users"] or 0, row["seats"]
        ratio = usage_ratio(last, prior)
        # New usage with nothing before counts as growth; silence for 60 days as collapse.
        trend = clamp(ratio - 0.5) if ratio is not None else (1.0 if last > 0 else 0.0)
        utilisation = min(1.0, peak / seats) if seats else None
        score = 100 * (0.7 * utilisation + 0.3 * trend) if utilisation is not None else 100 * trend
        result[row["customer_id"]] = MeasureValue(
            score=round_half_up(score, 2),
            inputs={
                "peak_daily_active_users_30d": peak,
                "licensed_seats": seats,
                "seat_utilisation": None if utilisation is None else round_half_up(utilisation, 4),
                "events_last_30d": last,
                "events_prior_30d": prior,
                "usage_trend_ratio": None if ratio is None else round_half_up(ratio, 4),
                "trend_factor": round_half_up(trend, 4),
            },
        )
    return result


def feature_adoption(customer_pks: Sequence[int] | None, as_of: date) -> dict[int, MeasureValue]:
    key_features = dict(
        Feature.objects.filter(is_key=True).values_list("id", "adoption_threshold_days")
    )
    if not key_features:
        return {}
    names = dict(Feature.objects.filter(is_key=True).values_list("id", "feature_id"))
    active = Q(events__gt=0) | Q(active_users__gt=0)
    rows = (
        _usage(customer_pks, days_window(as_of, 90))
        .values("customer_id", "feature_id")
        .annotate(days=Count("id", filter=days_window(as_of, 30).dates("date") & active))
    )
    adopted: dict[int, list[str]] = defaultdict(list)
    seen: set[int] = set()
    for row in rows:
        seen.add(row["customer_id"])
        threshold = key_features.get(row["feature_id"])
        if threshold is not None and row["days"] >= threshold:
            adopted[row["customer_id"]].append(names[row["feature_id"]])
    total = len(key_features)
    all_names = sorted(names.values())
    return {
        pk: MeasureValue(
            score=round_half_up(100 * len(adopted[pk]) / total, 2),
            inputs={
                "key_features": total,
                "adopted": sorted(adopted[pk]),
                "not_adopted": [n for n in all_names if n not in adopted[pk]],
            },
        )
        for pk in seen
    }
