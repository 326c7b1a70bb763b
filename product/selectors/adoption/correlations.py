"""The adoption correlations: adoption intensity vs non-usage health (`success`), and adoption
before the renewal decision vs the renewal outcome (`retention`). Definitions: README,
"Product: adoption analytics and feedback"."""

import math
from datetime import date, timedelta

from django.db import connection
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce

from customers import facts

from ...models import Feature, FeatureUsage
from .base import ACTIVE_ROW, MIN_CORRELATION_N, RETENTION_LOOKBACK_DAYS, Correlation, compiled


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


def retention(feature: Feature, as_of: date, window: int) -> Correlation:
    """One query over each customer's latest renewal decision in the lookback year."""
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
    inner, params = compiled(rows)
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
