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


# The renewal model's features by position (finance.renewals.features.FEATURES): each term's
# value is vals[array_position(names, term feature)] (an unknown feature reads NULL: 0).
RENEWALS_SQL = """
WITH m AS MATERIALIZED (  -- the active version, its terms unpacked once: coefficients,
    -- means, scales and each term's position in vals (a term missing reads NULL: adds 0)
    SELECT v.version, v.kind, v.intercept, v.terms, t.cs, t.ms, t.ss, t.ix
    FROM finance_renewalmodelversion v
    CROSS JOIN LATERAL (
        SELECT array_agg((e.t->>'coefficient')::float8 ORDER BY e.o) AS cs,
               array_agg((e.t->>'mean')::float8 ORDER BY e.o) AS ms,
               array_agg((e.t->>'scale')::float8 ORDER BY e.o) AS ss,
               array_agg(array_position(%(names)s::text[], e.t->>'feature') ORDER BY e.o) AS ix
        FROM jsonb_array_elements(v.terms) WITH ORDINALITY AS e(t, o)
    ) t
    WHERE v.is_active
), nxt AS (  -- each customer's next-ending active contract: the one the model scores
    SELECT DISTINCT ON (customer_id) id, customer_id, contract_id, end_date, annual_value
    FROM finance_contract
    WHERE status = 'active' AND end_date >= %(as_of)s
    ORDER BY customer_id, end_date, contract_id
), due AS MATERIALIZED (
    SELECT n.*, c.customer_id AS public_id, c.name, c.segment, c.licensed_seats,
           c.success_manager_id
    FROM nxt n JOIN customers_customer c ON c.id = n.customer_id
    WHERE n.end_date > %(as_of)s AND n.end_date <= %(last)s
), per_feature AS (  -- the 30 days to as_of: active days and peak users per feature
    SELECT u.customer_id, u.feature_id, max(u.active_users) AS peak,
           count(*) FILTER (WHERE u.events > 0 OR u.active_users > 0) AS days
    FROM product_featureusage u
    WHERE u.date >= %(usage_first)s AND u.date <= %(as_of)s
      AND u.customer_id IN (SELECT customer_id FROM due)
    GROUP BY u.customer_id, u.feature_id
), usage AS (
    SELECT p.customer_id, max(p.peak) AS peak,
           count(*) FILTER (WHERE f.is_key AND p.days >= f.adoption_threshold_days) AS adopted
    FROM per_feature p JOIN product_feature f ON f.id = p.feature_id
    GROUP BY p.customer_id
), feats AS MATERIALIZED (  -- else each of the many references to vals re-runs its subqueries
    SELECT d.*, ARRAY[
        h.now::float8,
        (h.now - h.before)::float8,
        CASE WHEN k.n > 0 THEN coalesce(us.adopted, 0)::float8 / k.n END,
        CASE WHEN d.licensed_seats > 0
             THEN least(1.0::float8, coalesce(us.peak, 0)::float8 / d.licensed_seats) END,
        (SELECT CASE WHEN min(i.due_on) IS NULL THEN 0
                     WHEN %(as_of)s - min(i.due_on) <= 15 THEN 1
                     WHEN %(as_of)s - min(i.due_on) <= 30 THEN 2
                     WHEN %(as_of)s - min(i.due_on) <= 60 THEN 3 ELSE 4 END
           FROM finance_invoice i  -- the oldest unpaid invoice past due: its band
          WHERE i.customer_id = d.customer_id AND i.issued_on <= %(as_of)s
            AND i.due_on < %(as_of)s AND (i.paid_at IS NULL OR i.paid_at >= %(end)s))::float8,
        (SELECT count(*) FROM operations_escalation e
          WHERE e.customer_id = d.customer_id AND e.opened_at < %(end)s
            AND (e.resolved_at IS NULL OR e.resolved_at >= %(end)s))::float8,
        (EXISTS (SELECT 1 FROM customers_stakeholder s
                  WHERE s.customer_id = d.customer_id AND s.is_executive_sponsor
                    AND s.created_at < %(end)s))::int::float8,
        (d.end_date - %(as_of)s)::float8,
        (d.segment = 'enterprise')::int::float8,
        (d.segment = 'mid_market')::int::float8,
        (d.segment = 'small_business')::int::float8
    ] AS vals
    FROM due d
    CROSS JOIN (SELECT count(*) AS n FROM product_feature WHERE is_key) k
    LEFT JOIN usage us ON us.customer_id = d.customer_id
    CROSS JOIN LATERAL (
        SELECT (SELECT score FROM customers_healthscore x
                 WHERE x.customer_id = d.customer_id AND x.as_of <= %(as_of)s
                 ORDER BY x.computed_at DESC, x.id DESC LIMIT 1) AS now,
               (SELECT score FROM customers_healthscore x
                 WHERE x.customer_id = d.customer_id AND x.as_of <= %(before)s
                 ORDER BY x.computed_at DESC, x.id DESC LIMIT 1) AS before
    ) h
), lo AS MATERIALIZED (  -- the log-odds once per row (it is read four times below)
    SELECT f.*, m.version, m.kind, m.intercept, m.terms, {log_odds} AS log_odds
    FROM feats f CROSS JOIN m
), scored AS (
    SELECT lo.*,
           round((CASE WHEN log_odds >= 0 THEN 1 / (1 + exp(-log_odds))
                       ELSE exp(log_odds) / (1 + exp(log_odds)) END)::text::numeric, 4) AS p
    FROM lo
), ranked AS (
    SELECT s.*, round(s.annual_value * (1 - s.p), 2) AS at_risk
    FROM scored s
    ORDER BY at_risk DESC, s.contract_id COLLATE "C"
    LIMIT %(limit)s
)
SELECT r.public_id, r.name, r.segment, r.contract_id, r.end_date,
       r.end_date - %(as_of)s AS days_to_end, round(r.annual_value)::bigint AS arr,
       r.p::float8 AS renewal_probability, round(r.at_risk)::bigint AS arr_at_risk,
       r.version, r.kind, round(r.log_odds::text::numeric, 4)::float8 AS log_odds,
       r.intercept,
       (SELECT json_agg(json_build_object(
            'feature', t->>'feature',
            'value', r.vals[array_position(%(names)s::text[], t->>'feature')],
            'coefficient', (t->>'coefficient')::float8,
            'mean', (t->>'mean')::float8,
            'scale', (t->>'scale')::float8,
            'contribution', round(coalesce((t->>'coefficient')::float8
                * (r.vals[array_position(%(names)s::text[], t->>'feature')]
                   - (t->>'mean')::float8) / (t->>'scale')::float8, 0)::text::numeric, 4)
        ) ORDER BY o) FROM jsonb_array_elements(r.terms) WITH ORDINALITY AS e(t, o)) AS terms,
       hs.score AS health_score, hs.grade AS health_grade,
       CASE WHEN tm.id IS NOT NULL THEN json_build_object('email', tm.email, 'name', tm.name)
       END AS csm
FROM ranked r
LEFT JOIN customers_healthscore hs ON hs.customer_id = r.customer_id AND hs.is_latest
LEFT JOIN customers_teammember tm ON tm.id = r.success_manager_id
ORDER BY r.at_risk DESC, r.contract_id COLLATE "C"
"""


def _renewals_log_odds(terms: int) -> str:
    """intercept + c1 + c2 + ...: written out, left to right, as `scoring.log_odds_of` adds
    them (a sum() aggregate would add in another order, and floats are not associative);
    a term missing or without a value adds 0."""
    parts = ["m.intercept"]
    for i in range(1, terms + 1):
        parts.append(f"coalesce(m.cs[{i}] * (f.vals[m.ix[{i}]] - m.ms[{i}]) / m.ss[{i}], 0.0)")
    return "\n        + ".join(parts)


def renewals_statements(days: int = 90, limit: int = 100) -> list[Statement]:
    """RENEWALS_SQL for `GET /api/v1/cs-finance/renewals?due_within_days=90`'s first page (the
    default page size, 100): every customer's next-ending active contract ending in
    (today, today + days] scored from the active model's stored terms, the page's rows in
    the API's order with the API's columns. Its log-odds adds the terms the model holds."""
    from finance.models import RenewalModelVersion
    from finance.renewals.features import FEATURES
    from integrations.clock import local_day_end, today

    as_of = today()
    active = RenewalModelVersion.objects.filter(is_active=True).values_list("terms", flat=True)
    terms = max((len(t) for t in active), default=0)
    return [
        (
            RENEWALS_SQL.replace("{log_odds}", _renewals_log_odds(terms)),
            {
                "as_of": as_of,
                "last": as_of + timedelta(days=days),
                "usage_first": as_of - timedelta(days=29),  # the 30 days to as_of
                "before": as_of - timedelta(days=30),
                "end": local_day_end(as_of),
                "names": list(FEATURES),
                "limit": limit,
            },
        )
    ]


# read name (bench/report.py READS) -> its statements
FLOORS: dict[str, Callable[[], list[Statement]]] = {
    "adoption": adoption_statements,
    "renewals": renewals_statements,
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
