"""The adoption correlations: adoption intensity vs non-usage health (`success`), and adoption
`lead_days` before the renewal decision vs the renewal outcome (`retention`, with its 2×2
read-out). Definitions and formulas: README, "Product: adoption analytics and feedback"."""

import math
from datetime import date, timedelta

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce

from customers import facts
from integrations.replica import read_connection
from integrations.rounding import round_half_up

from ...lookback import RETENTION_LEAD_DAYS, RETENTION_LOOKBACK_DAYS
from ...models import Feature, FeatureUsage
from .base import (
    ACTIVE_ROW,
    MIN_CORRELATION_N,
    Z_95,
    Correlation,
    Group,
    RetentionComparison,
    compiled,
)


def pearson(n: int, sx: float, sy: float, sxy: float, sxx: float, syy: float) -> Correlation:
    """r (with interval and p-value) from sums; null with a reason when the sample is small or
    a variable is constant."""
    if n < MIN_CORRELATION_N:
        return Correlation(None, n, f"insufficient data: n = {n} < {MIN_CORRELATION_N}")
    vx, vy = n * sxx - sx * sx, n * syy - sy * sy
    if vx <= 0 or vy <= 0:
        which = "adoption" if vx <= 0 else "the outcome"
        return Correlation(None, n, f"no variation in {which} across the {n} customers")
    return Correlation.of((n * sxy - sx * sy) / math.sqrt(vx * vy), n)


def _r4(x: float | None) -> float | None:
    return None if x is None else round_half_up(x, 4)


def compare(n: int, adopted: int, renewed: int, both: int, phi: Correlation) -> RetentionComparison:
    """The 2×2 read-out from the table's four sums (adopters = x = 1, renewed = y = 1)."""
    adopters, others = Group(adopted, both), Group(n - adopted, renewed - both)
    p_x, p_y = (adopted / n, renewed / n) if n else (0.0, 0.0)
    lo, hi = sorted((p_x, p_y))
    phi_max = math.sqrt(lo * (1 - hi) / (hi * (1 - lo))) if lo > 0 and hi < 1 else None
    reason = phi.reason
    if n >= MIN_CORRELATION_N and (not adopters.n or not others.n):
        reason = f"no {'adopters' if not adopters.n else 'non-adopters'} among the {n} customers"
    difference = ci_low = ci_high = None
    if n >= MIN_CORRELATION_N and adopters.rate is not None and others.rate is not None:
        p1, p2 = adopters.rate, others.rate
        difference = p1 - p2
        half = Z_95 * math.sqrt(p1 * (1 - p1) / adopters.n + p2 * (1 - p2) / others.n)
        ci_low, ci_high = difference - half, difference + half
    return RetentionComparison(
        lead_days=RETENTION_LEAD_DAYS,
        adopters=adopters,
        non_adopters=others,
        difference=_r4(difference),
        difference_ci_low=_r4(ci_low),
        difference_ci_high=_r4(ci_high),
        phi=phi.r,
        phi_max=_r4(phi_max),
        reason=reason,
    )


def retention(
    feature: Feature, as_of: date, window: int
) -> tuple[Correlation, RetentionComparison]:
    """One query over each customer's latest renewal decision in the lookback year (decided_on
    in (as_of − 365, as_of]); adoption in the `window` days ending `lead_days` before it."""
    since = as_of - timedelta(days=RETENTION_LOOKBACK_DAYS)  # D1 window
    outcomes = facts.renewal_outcomes(since, as_of)
    if outcomes is None:
        none = Correlation(None, 0, "no renewal outcomes: no app provides contracts")
        none.lead_days = RETENTION_LEAD_DAYS
        return none, compare(0, 0, 0, 0, none)
    before = (
        FeatureUsage.objects.filter(
            ACTIVE_ROW,
            customer_id=OuterRef("customer_pk"),
            feature_id=feature.pk,
            # D1 window: the `window` days ending lead_days before the decision
            date__lte=OuterRef("decided_on") - timedelta(days=RETENTION_LEAD_DAYS),
            date__gt=OuterRef("decided_on") - timedelta(days=RETENTION_LEAD_DAYS + window),
        )
        .order_by()
        .values("customer_id")
        .annotate(c=Count("id"))
        .values("c")
    )
    rows = outcomes.annotate(days=Coalesce(Subquery(before), 0))
    inner, params = compiled(rows)
    t = feature.adoption_threshold_days
    # The 2x2 table's cells (at most four rows), summed here: with SUM(x) and SUM(x * y) over
    # the subquery PostgreSQL inlined x twice and counted each customer's usage twice.
    sql = f"""
        SELECT s.x, s.y, COUNT(*)
        FROM (SELECT CASE WHEN r.days >= {t} THEN 1 ELSE 0 END AS x, r.renewed AS y
              FROM ({inner}) r) s
        GROUP BY s.x, s.y
    """  # noqa: S608
    with read_connection(FeatureUsage).cursor() as cursor:
        cursor.execute(sql, params)
        cells = {(int(x), int(y)): int(count) for x, y, count in cursor.fetchall()}
    n = sum(cells.values())
    sx = cells.get((1, 0), 0) + cells.get((1, 1), 0)
    sy = cells.get((0, 1), 0) + cells.get((1, 1), 0)
    sxy = cells.get((1, 1), 0)
    # x and y are 0/1, so Σx² = Σx and Σy² = Σy.
    result = pearson(n, sx, sy, sxy, sx, sy)
    result.lead_days = RETENTION_LEAD_DAYS
    result.extra = {"adopted": sx, "renewed": sy, "lost": n - sy, "adopted_and_renewed": sxy}
    return result, compare(n, sx, sy, sxy, result)
