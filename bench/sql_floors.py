"""The analytics reads' floors: each read-out computed as one hand-written SQL statement, timed
in-process (issue 17: an analytics GET should cost at most 2x its statement). Imported after
django.setup().

A floor is a function returning the statements one request of its read makes, with their
parameters: one per URL the bench drives (adoption: one per feature). `sql_floors(rounds)` runs
every floor's statements `rounds` times and reports `<read>_sql_p50_ms` per floor, the read's
name as in bench/report.py's READS. The statements must compute what the API answers (the
tests in tests/bench/ compare them on seeded data), or the ratio means nothing."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

Statement = tuple[str, dict[str, Any]]

ADOPTION_SQL = """
WITH alive AS MATERIALIZED (  -- else its health subquery is inlined into each SUM
    SELECT c.id, c.segment, c.lifecycle_stage,
           (SELECT h.non_usage_score FROM customers_healthscore h
             WHERE h.customer_id = c.id AND h.as_of <= %(as_of)s AND h.as_of > %(fresh)s
             ORDER BY h.computed_at DESC LIMIT 1) AS y
    FROM customers_customer c
    WHERE c.status = 'active' OR c.churned_at > %(eod)s
), u AS (
    SELECT customer_id,
           count(date) FILTER (WHERE date > %(since)s) AS days,
           count(date) FILTER (WHERE date > %(before)s AND date <= %(since)s) AS prev_days
    FROM product_featureusage
    WHERE feature_id = %(f)s AND date <= %(as_of)s AND (events > 0 OR active_users > 0)
    GROUP BY customer_id
), per AS (
    SELECT a.segment, a.lifecycle_stage, a.y, coalesce(u.days, 0) AS days,
           coalesce(u.prev_days, 0) AS prev, (u.customer_id IS NOT NULL)::int AS tried
    FROM alive a LEFT JOIN u ON u.customer_id = a.id
), groups AS (
    SELECT segment, lifecycle_stage, count(*) AS active,
           count(*) FILTER (WHERE days >= %(t)s) AS adopting, sum(tried) AS tried,
           count(*) FILTER (WHERE prev >= %(t)s) AS prev_adopters,
           count(*) FILTER (WHERE prev >= %(t)s AND days < %(t)s) AS lapsed,
           count(y) AS n, sum(days) FILTER (WHERE y IS NOT NULL) AS sx, sum(y) AS sy,
           sum(days * y) AS sxy, sum(days * days) FILTER (WHERE y IS NOT NULL) AS sxx,
           sum(y * y) AS syy
    FROM per GROUP BY segment, lifecycle_stage
), decisions AS (
    SELECT DISTINCT ON (customer_id) customer_id, end_date, (status = 'renewed')::int AS renewed
    FROM finance_contract
    WHERE status IN ('renewed', 'churned', 'expired')
      AND end_date > %(lookback)s AND end_date <= %(as_of)s
    ORDER BY customer_id, end_date DESC, id DESC
), ret AS MATERIALIZED (  -- the usage count once per decision, not once per SUM
    SELECT d.renewed,
           ((SELECT count(*) FROM product_featureusage x
              WHERE x.customer_id = d.customer_id AND x.feature_id = %(f)s
                AND x.date <= d.end_date - %(lead)s
                AND x.date > d.end_date - %(lead)s - %(window)s
                AND (x.events > 0 OR x.active_users > 0)) >= %(t)s)::int AS adopted
    FROM decisions d
)
SELECT (SELECT json_agg(groups) FROM groups),
       (SELECT json_build_array(count(*), sum(adopted), sum(renewed), sum(adopted * renewed))
          FROM ret)
"""


def adoption_statements() -> list[Statement]:
    """ADOPTION_SQL once per feature, with the API's defaults (a 30-day window, today)."""
    from django.utils import timezone

    from integrations.clock import local_last_second as end_of_day
    from product.models import Feature
    from product.selectors.adoption import RETENTION_LEAD_DAYS

    as_of = timezone.localdate()
    return [
        (
            ADOPTION_SQL,
            {
                "f": feature.pk,
                "t": feature.adoption_threshold_days,
                "as_of": as_of,
                "fresh": as_of - timedelta(days=35),
                "eod": end_of_day(as_of),
                "since": as_of - timedelta(days=30),
                "before": as_of - timedelta(days=60),
                "lookback": as_of - timedelta(days=365),
                "window": 30,  # the API's default window_days
                "lead": RETENTION_LEAD_DAYS,  # the window ends this long before the decision
            },
        )
        for feature in Feature.objects.order_by("feature_id")
    ]


# read name (bench/report.py READS) -> its statements
FLOORS: dict[str, Callable[[], list[Statement]]] = {
    "adoption": adoption_statements,
}


def time_statements(statements: list[Statement], rounds: int) -> float:
    """The median wall time in ms of running (and fetching) each statement, `rounds` times."""
    from django.db import connection

    times: list[float] = []
    with connection.cursor() as cursor:
        for sql, params in statements * rounds:
            t0 = time.perf_counter()
            cursor.execute(sql, params)
            cursor.fetchall()
            times.append(time.perf_counter() - t0)
    return round(statistics.median(times) * 1000, 1)


def sql_floors(rounds: int = 2) -> dict[str, object]:
    """Every floor's p50: `<read>_sql_p50_ms`."""
    return {
        f"{name}_sql_p50_ms": time_statements(statements(), rounds)
        for name, statements in FLOORS.items()
    }
