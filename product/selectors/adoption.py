"""Feature adoption analytics (DESIGN.md section 5, Product), computed in SQL.

Definitions, for a feature, a day `as_of` (A) and a window of W days, (A - W, A]:
- active customer: alive on A (status active, or churned after A).
- active day: a usage row of the feature with events > 0 or active_users > 0.
- adopting: an active customer with at least the feature's `adoption_threshold_days` active
  days in the window. overall_adoption = adopting ÷ active; per segment and per lifecycle
  stage (the customer's current stage) the same.
- tried: an active customer with any active day on the feature on or before A.
- previous adopter: adopting in the window before, (A - 2W, A - W]; lapsed: a previous adopter
  not adopting now.
- adoption_success_link: Pearson r over active customers with a health snapshot in the 35
  days up to A, between adoption intensity (active days ÷ W) and the snapshot's
  non_usage_score: health from the measures not derived from usage, so usage is not
  correlated with itself. r is computed from exact integer sums (n, Σx, Σy, Σxy, Σx², Σy²)
  that SQL returns; scaling x by 1/W does not change r, so the sums use active days.
- retention_correlation: r between adopted (1 when the customer had >= threshold active days
  in the W days before the renewal decision) and the outcome (renewed 1, churned or expired
  0), over customers whose latest renewal decision falls in the 365 days up to A.
- health_impact from |adoption_success_link|: high >= 0.5, medium >= 0.3, else low.
- Each r is null with a reason when n < 10 or either variable is constant.

Queries: one for the per-segment × per-stage sums, one for retention, whatever the number of
customers (the per-customer rows are aggregated inside the database).
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, F, Max, Min, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from customers import facts
from customers.choices import LifecycleStage, Segment
from customers.health.engine import scorable_customers
from customers.models import HealthScore

from ..models import Feature, FeatureUsage

MIN_CORRELATION_N = 10
HEALTH_FRESH_DAYS = 35  # a snapshot older than this does not describe the customer on A
RETENTION_LOOKBACK_DAYS = 365
HIGH_IMPACT_R, MEDIUM_IMPACT_R = 0.5, 0.3
# Barrier rules: each fires only with at least MIN_RULE_N customers behind its ratio.
MIN_RULE_N = 10
MIN_SEGMENT_N = 5
SEGMENT_GAP = 0.5  # a segment below half the best segment's adoption
TRIED_NOT_ADOPTED = 0.3  # over 30% of those who tried did not adopt
NEVER_TRIED = 0.5  # over half of active customers never tried
LAPSED = 0.2  # over 20% of the previous window's adopters stopped
CAMPAIGN_R, CAMPAIGN_ADOPTION = 0.3, 0.5  # adoption tied to renewal, yet most have not adopted

ACTIVE_ROW = Q(events__gt=0) | Q(active_users__gt=0)


@dataclass
class Counts:
    """Additive counts and sums for one group of active customers."""

    active: int = 0
    adopting: int = 0
    tried: int = 0
    previous_adopters: int = 0
    lapsed: int = 0
    n: int = 0
    sx: int = 0
    sy: int = 0
    sxy: int = 0
    sxx: int = 0
    syy: int = 0

    def add(self, other: "Counts") -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def adoption(self) -> float | None:
        return round(self.adopting / self.active, 4) if self.active else None


@dataclass
class Correlation:
    r: float | None
    n: int
    reason: str | None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Opportunity:
    code: str
    detail: str
    evidence: dict[str, Any]


@dataclass
class FeatureAdoption:
    feature: Feature
    as_of: date
    window_days: int
    total: Counts
    segments: dict[str, Counts]
    stages: dict[str, Counts]
    success: Correlation
    retention: Correlation
    opportunities: list[Opportunity]

    @property
    def health_impact(self) -> str | None:
        r = self.success.r
        if r is None:
            return None
        if abs(r) >= HIGH_IMPACT_R:
            return "high"
        return "medium" if abs(r) >= MEDIUM_IMPACT_R else "low"


def pearson(n: int, sx: float, sy: float, sxy: float, sxx: float, syy: float) -> Correlation:
    """r from sums; null with a reason when the sample is small or a variable is constant."""
    if n < MIN_CORRELATION_N:
        return Correlation(None, n, f"insufficient data: n = {n} < {MIN_CORRELATION_N}")
    vx, vy = n * sxx - sx * sx, n * syy - sy * sy
    if vx <= 0 or vy <= 0:
        which = "adoption" if vx <= 0 else "the outcome"
        return Correlation(None, n, f"no variation in {which} across the {n} customers")
    r = (n * sxy - sx * sy) / math.sqrt(vx * vy)
    return Correlation(round(max(-1.0, min(1.0, r)), 4), n, None)


def _sql(queryset: Any) -> tuple[str, list[Any]]:
    sql, params = queryset.query.sql_with_params()
    return sql, list(params)


def _per_customer_sql(feature: Feature, as_of: date, window: int) -> tuple[str, list[Any]]:
    """Alive customers with their segment, stage and fresh non-usage health, and the feature's
    per-customer active-day counts (window, previous window, ever) as a LEFT JOIN."""
    since, before = as_of - timedelta(days=window), as_of - timedelta(days=2 * window)
    health = (
        HealthScore.objects.filter(
            customer_id=OuterRef("pk"),
            as_of__lte=as_of,
            as_of__gt=as_of - timedelta(days=HEALTH_FRESH_DAYS),
        )
        .order_by("-computed_at")
        .values("non_usage_score")[:1]
    )
    customers = scorable_customers(as_of).values(
        "id", "segment", "lifecycle_stage", y=Subquery(health)
    )
    usage = (
        FeatureUsage.objects.filter(ACTIVE_ROW, feature_id=feature.pk, date__lte=as_of)
        .values("customer_id")
        .annotate(
            days=Count("date", filter=Q(date__gt=since)),
            prev_days=Count("date", filter=Q(date__gt=before, date__lte=since)),
        )
        .order_by()
    )
    c_sql, c_params = _sql(customers)
    u_sql, u_params = _sql(usage)
    sql = f"""
        SELECT c.id, c.segment, c.lifecycle_stage, c.y,
               COALESCE(u.days, 0) AS days, COALESCE(u.prev_days, 0) AS prev_days,
               CASE WHEN u.customer_id IS NULL THEN 0 ELSE 1 END AS tried
        FROM ({c_sql}) c LEFT JOIN ({u_sql}) u ON u.customer_id = c.id
    """  # noqa: S608 - composed of ORM-compiled SQL; values are bound parameters
    return sql, c_params + u_params


def _group_sums(feature: Feature, as_of: date, window: int) -> list[tuple[str, str, Counts]]:
    inner, params = _per_customer_sql(feature, as_of, window)
    t = feature.adoption_threshold_days
    has_y = "t.y IS NOT NULL"
    sql = f"""
        SELECT t.segment, t.lifecycle_stage,
               COUNT(*),
               SUM(CASE WHEN t.days >= {t} THEN 1 ELSE 0 END),
               SUM(t.tried),
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
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [(seg, stage, Counts(*(int(v or 0) for v in rest))) for seg, stage, *rest in rows]


def _retention(feature: Feature, as_of: date, window: int) -> Correlation:
    outcomes = facts.renewal_outcomes(as_of - timedelta(days=RETENTION_LOOKBACK_DAYS), as_of)
    if outcomes is None:
        return Correlation(None, 0, "no renewal outcomes: no app provides contracts")
    before = (
        FeatureUsage.objects.filter(
            ACTIVE_ROW,
            customer_id=OuterRef("customer_pk"),
            feature_id=feature.pk,
            date__lt=OuterRef("decided_on"),
            date__gte=OuterRef("decided_on") - timedelta(days=window),
        )
        .order_by()
        .values("customer_id")
        .annotate(c=Count("id"))
        .values("c")
    )
    rows = outcomes.annotate(days=Coalesce(Subquery(before), 0))
    inner, params = _sql(rows)
    t = feature.adoption_threshold_days
    sql = f"""
        SELECT COUNT(*), SUM(x), SUM(y), SUM(x * y)
        FROM (SELECT CASE WHEN r.days >= {t} THEN 1 ELSE 0 END AS x, r.renewed AS y
              FROM ({inner}) r) s
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        n, sx, sy, sxy = (int(v or 0) for v in cursor.fetchone())
    # x and y are 0/1, so Σx² = Σx and Σy² = Σy.
    result = pearson(n, sx, sy, sxy, sx, sy)
    result.extra = {"adopted": sx, "renewed": sy, "lost": n - sy, "adopted_and_renewed": sxy}
    return result


def feature_adoption(feature: Feature, *, as_of: date, window_days: int) -> FeatureAdoption:
    groups = _group_sums(feature, as_of, window_days)
    total = Counts()
    segments = {s.value: Counts() for s in Segment}
    stages = {s.value: Counts() for s in LifecycleStage}
    for segment, stage, counts in groups:
        total.add(counts)
        segments.setdefault(segment, Counts()).add(counts)
        stages.setdefault(stage, Counts()).add(counts)
    success = pearson(total.n, total.sx, total.sy, total.sxy, total.sxx, total.syy)
    retention = _retention(feature, as_of, window_days)
    result = FeatureAdoption(
        feature=feature,
        as_of=as_of,
        window_days=window_days,
        total=total,
        segments=segments,
        stages=stages,
        success=success,
        retention=retention,
        opportunities=[],
    )
    result.opportunities = list(opportunities(result))
    return result


def opportunities(a: FeatureAdoption) -> Iterable[Opportunity]:
    """Barrier rules; each carries the numbers that made it fire."""
    total = a.total
    rated = {
        name: c.adoption
        for name, c in a.segments.items()
        if c.active >= MIN_SEGMENT_N and c.adoption is not None
    }
    if len(rated) >= 2:
        best = max(rated, key=lambda name: rated[name])
        lagging = {
            name: rate
            for name, rate in rated.items()
            if rated[best] > 0 and rate < SEGMENT_GAP * rated[best]
        }
        if lagging:
            yield Opportunity(
                "enhanced_onboarding",
                f"{', '.join(sorted(lagging))} adopt at under half the rate of {best}.",
                {
                    "best_segment": best,
                    "best_adoption": rated[best],
                    "lagging_segments": lagging,
                    "threshold": f"< {SEGMENT_GAP} x best",
                },
            )
    yield from _share_rule(
        "training_content",
        "of customers who tried it did not adopt it",
        part=("tried_not_adopted", total.tried - total.adopting),
        whole=("tried_customers", total.tried),
        above=TRIED_NOT_ADOPTED,
    )
    yield from _share_rule(
        "feature_discovery",
        "of active customers never tried it",
        part=("never_tried", total.active - total.tried),
        whole=("active_customers", total.active),
        above=NEVER_TRIED,
    )
    yield from _share_rule(
        "re_engagement",
        "of the previous window's adopters stopped using it",
        part=("lapsed", total.lapsed),
        whole=("previous_adopters", total.previous_adopters),
        above=LAPSED,
    )
    r, rate = a.retention.r, total.adoption
    if r is not None and rate is not None and r >= CAMPAIGN_R and rate < CAMPAIGN_ADOPTION:
        yield Opportunity(
            "adoption_campaign",
            "Adoption goes with renewal, yet most active customers have not adopted it.",
            {
                "retention_correlation": r,
                "overall_adoption": rate,
                "threshold": f"r >= {CAMPAIGN_R} and adoption < {CAMPAIGN_ADOPTION}",
            },
        )


def _share_rule(
    code: str, sentence: str, *, part: tuple[str, int], whole: tuple[str, int], above: float
) -> Iterable[Opportunity]:
    """Fire when part ÷ whole > `above`, with at least MIN_RULE_N customers in the whole."""
    (part_name, part_n), (whole_name, whole_n) = part, whole
    if whole_n < MIN_RULE_N or part_n / whole_n <= above:
        return
    share = part_n / whole_n
    yield Opportunity(
        code,
        f"{share:.0%} {sentence}.",
        {whole_name: whole_n, part_name: part_n, "share": round(share, 4), "threshold": above},
    )


@dataclass
class Headline:
    active: int
    adopting: int
    using: int

    @property
    def adoption(self) -> float | None:
        return round(self.adopting / self.active, 4) if self.active else None


def adoption_headlines(
    features: Sequence[Feature], *, as_of: date, window_days: int
) -> dict[int, Headline]:
    """Adoption for many features at once: two queries whatever their number."""
    active = scorable_customers(as_of).count()
    if not features:
        return {}
    rows = (
        FeatureUsage.objects.filter(
            ACTIVE_ROW,
            feature_id__in=[f.pk for f in features],
            date__gt=as_of - timedelta(days=window_days),
            date__lte=as_of,
            customer__in=scorable_customers(as_of),
        )
        .values("feature_id", "customer_id")
        .annotate(days=Count("id"), threshold=F("feature__adoption_threshold_days"))
        .order_by()
    )
    inner, params = _sql(rows)
    sql = f"""
        SELECT t.feature_id, COUNT(*), SUM(CASE WHEN t.days >= t.threshold THEN 1 ELSE 0 END)
        FROM ({inner}) t GROUP BY t.feature_id
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = {pk: (int(using), int(adopting or 0)) for pk, using, adopting in cursor.fetchall()}
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
    since = as_of - timedelta(days=window_days)
    in_window = Q(date__gt=since)
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
