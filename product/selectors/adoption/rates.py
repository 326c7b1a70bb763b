"""Adoption rates: per feature by segment and lifecycle stage, headlines for many features, and
one customer's adoption of every feature (definitions: README, "Product: adoption analytics
and feedback"). The per-customer rows are aggregated inside the database."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, F, Max, Min, Q, Sum
from django.db.models.functions import Coalesce

from customers.read import latest_health, scorable_customers
from integrations.clock import days_window
from integrations.replica import read_connection
from integrations.rounding import round_half_up

from ...models import Feature, FeatureUsage
from .base import ACTIVE_ROW, HEALTH_FRESH_DAYS, Counts, compiled


def _per_customer_sql(feature: Feature, as_of: date, window: int) -> tuple[str, list[Any]]:
    """Alive customers with their segment, stage and fresh non-usage health, and the feature's
    per-customer counts (active days in the window and the previous one, days with events in
    the window = tried) as a LEFT JOIN."""
    current = days_window(as_of, window)  # (as_of - W, as_of]; prior: (as_of - 2W, as_of - W]
    health = latest_health(
        "non_usage_score",
        as_of_after=as_of - timedelta(days=HEALTH_FRESH_DAYS),
        as_of_until=as_of,
    )
    # Ordered on purpose: PostgreSQL does not pull a sorted subquery up into the query around
    # it, so each customer's health (a subquery) is read once; without the ORDER BY it was
    # inlined into each of group_sums' SUMs that read y, ten lookups per customer.
    customers = (
        scorable_customers(as_of)
        .order_by("pk")
        .values("id", "segment", "lifecycle_stage", y=health)
    )
    usage = (
        FeatureUsage.objects.filter(
            ACTIVE_ROW, current.extend_back(window).dates("date"), feature_id=feature.pk
        )
        .values("customer_id")
        .annotate(
            days=Count("date", filter=current.dates("date")),
            prev_days=Count("date", filter=current.prior().dates("date")),
            tried_days=Count("date", filter=current.dates("date") & Q(events__gt=0)),
        )
        .order_by()
    )
    c_sql, c_params = compiled(customers)
    u_sql, u_params = compiled(usage)
    sql = f"""
        SELECT c.id, c.segment, c.lifecycle_stage, c.y,
               COALESCE(u.days, 0) AS days, COALESCE(u.prev_days, 0) AS prev_days,
               CASE WHEN COALESCE(u.tried_days, 0) > 0 THEN 1 ELSE 0 END AS tried
        FROM ({c_sql}) c LEFT JOIN ({u_sql}) u ON u.customer_id = c.id
    """  # noqa: S608 - composed of ORM-compiled SQL; values are bound parameters
    return sql, c_params + u_params


def group_sums(feature: Feature, as_of: date, window: int) -> list[tuple[str, str, Counts]]:
    """Counts and correlation sums per (segment, lifecycle stage): one query."""
    inner, params = _per_customer_sql(feature, as_of, window)
    t = feature.adoption_threshold_days
    has_y = "t.y IS NOT NULL"
    sql = f"""
        SELECT t.segment, t.lifecycle_stage,
               COUNT(*),
               SUM(CASE WHEN t.days >= {t} THEN 1 ELSE 0 END),
               SUM(t.tried),
               SUM(CASE WHEN t.tried = 1 AND t.days < {t} THEN 1 ELSE 0 END),
               SUM(CASE WHEN t.prev_days >= {t} THEN 1 ELSE 0 END),
               SUM(CASE WHEN t.prev_days >= {t} AND t.days < {t} THEN 1 ELSE 0 END),
               SUM(CASE WHEN {has_y} THEN 1 ELSE 0 END),
               SUM(CASE WHEN {has_y} THEN t.days ELSE 0 END),
               SUM(CASE WHEN {has_y} THEN t.y ELSE 0 END),
               SUM(CASE WHEN {has_y} THEN t.days * t.y ELSE 0 END),
               SUM(CASE WHEN {has_y} THEN t.days * t.days ELSE 0 END),
               SUM(CASE WHEN {has_y} THEN t.y * t.y ELSE 0 END)
        FROM ({inner}) t
        GROUP BY t.segment, t.lifecycle_stage
    """  # noqa: S608 - the threshold is an integer from our own column
    with read_connection(FeatureUsage).cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [(seg, stage, Counts(*(int(v or 0) for v in rest))) for seg, stage, *rest in rows]


@dataclass
class Headline:
    active: int
    adopting: int
    tried: int

    @property
    def adoption(self) -> float | None:
        return round_half_up(self.adopting / self.active, 4) if self.active else None


def adoption_headlines(
    features: Sequence[Feature], *, as_of: date, window_days: int
) -> dict[int, Headline]:
    """Adoption and tried customers for many features at once: two queries whatever their
    number."""
    active = scorable_customers(as_of).count()
    if not features:
        return {}
    rows = (
        FeatureUsage.objects.filter(
            ACTIVE_ROW,
            days_window(as_of, window_days).dates("date"),
            feature_id__in=[f.pk for f in features],
            customer__in=scorable_customers(as_of),
        )
        .values("feature_id", "customer_id")
        .annotate(
            days=Count("id"),
            tried=Count("id", filter=Q(events__gt=0)),
            threshold=F("feature__adoption_threshold_days"),
        )
        .order_by()
    )
    inner, params = compiled(rows)
    sql = f"""
        SELECT t.feature_id, SUM(CASE WHEN t.tried > 0 THEN 1 ELSE 0 END),
               SUM(CASE WHEN t.days >= t.threshold THEN 1 ELSE 0 END)
        FROM ({inner}) t GROUP BY t.feature_id
    """  # noqa: S608
    with read_connection(FeatureUsage).cursor() as cursor:
        cursor.execute(sql, params)
        found = {
            pk: (int(tried or 0), int(adopting or 0)) for pk, tried, adopting in cursor.fetchall()
        }
    return {
        f.pk: Headline(active, found.get(f.pk, (0, 0))[1], found.get(f.pk, (0, 0))[0])
        for f in features
    }


@dataclass
class CustomerFeatureAdoption:
    feature: Feature
    active_days: int
    events: int
    peak_active_users: int
    first_used: date | None
    last_used: date | None

    @property
    def adopted(self) -> bool:
        return self.active_days >= self.feature.adoption_threshold_days


def customer_adoption(
    customer_pk: int, *, as_of: date, window_days: int
) -> list[CustomerFeatureAdoption]:
    """One customer's adoption of every feature: two queries (catalogue, one aggregate)."""
    in_window = days_window(as_of, window_days).dates("date")
    rows = {
        row["feature_id"]: row
        for row in FeatureUsage.objects.filter(ACTIVE_ROW, customer_id=customer_pk, date__lte=as_of)
        .values("feature_id")
        .annotate(
            days=Count("date", filter=in_window),
            events_in_window=Coalesce(Sum("events", filter=in_window), 0),
            peak=Coalesce(Max("active_users", filter=in_window), 0),
            first=Min("date"),
            last=Max("date"),
        )
        .order_by()
    }
    out = []
    for feature in Feature.objects.order_by("feature_id"):
        row = rows.get(feature.pk, {})
        out.append(
            CustomerFeatureAdoption(
                feature=feature,
                active_days=row.get("days", 0),
                events=row.get("events_in_window", 0),
                peak_active_users=row.get("peak", 0),
                first_used=row.get("first"),
                last_used=row.get("last"),
            )
        )
    return out
