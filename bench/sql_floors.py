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
from datetime import date, timedelta
from typing import Any

Statement = tuple[str, dict[str, Any]]

ADOPTION_SQL = """
WITH alive AS MATERIALIZED (  -- each customer's health looked up once, not once per SUM
    SELECT c.id, c.segment, c.lifecycle_stage,
           (SELECT h.non_usage_score FROM customers_healthscore h
             WHERE h.customer_id = c.id AND h.as_of > %(fresh)s AND h.as_of <= %(as_of)s
             ORDER BY h.computed_at DESC, h.id DESC LIMIT 1) AS y
    FROM customers_customer c
    WHERE (c.churned_at >= %(day_end)s OR (c.churned_at IS NULL AND c.status = 'active'))
      AND c.created_at < %(day_end)s
), u AS (  -- the window and the one before it, constant bounds: two or three partitions
    SELECT customer_id,
           count(*) FILTER (WHERE date >= %(first)s) AS days,
           count(*) FILTER (WHERE date < %(first)s) AS prev,
           count(*) FILTER (WHERE date >= %(first)s AND events > 0) AS tried_days
    FROM product_featureusage
    WHERE feature_id = %(f)s AND date >= %(prev_first)s AND date <= %(as_of)s
      AND (events > 0 OR active_users > 0)
    GROUP BY customer_id
), per AS (
    SELECT a.segment, a.lifecycle_stage, a.y, coalesce(u.days, 0) AS days,
           coalesce(u.prev, 0) AS prev, (coalesce(u.tried_days, 0) > 0)::int AS tried
    FROM alive a LEFT JOIN u ON u.customer_id = a.id
), groups AS (
    SELECT segment, lifecycle_stage, count(*) AS active,
           count(*) FILTER (WHERE days >= %(t)s) AS adopting, sum(tried) AS tried,
           count(*) FILTER (WHERE tried = 1 AND days < %(t)s) AS tried_not_adopted,
           count(*) FILTER (WHERE prev >= %(t)s) AS previous_adopters,
           count(*) FILTER (WHERE prev >= %(t)s AND days < %(t)s) AS lapsed,
           count(y) AS n, coalesce(sum(days) FILTER (WHERE y IS NOT NULL), 0) AS sx,
           coalesce(sum(y), 0) AS sy, coalesce(sum(days * y), 0) AS sxy,
           coalesce(sum(days * days) FILTER (WHERE y IS NOT NULL), 0) AS sxx,
           coalesce(sum(y * y), 0) AS syy
    FROM per GROUP BY segment, lifecycle_stage
), decisions AS MATERIALIZED (  -- each customer's latest decision in the lookback year
    SELECT DISTINCT ON (customer_id) customer_id, end_date, (status = 'renewed')::int AS renewed
    FROM finance_contract
    WHERE status IN ('renewed', 'churned', 'expired')
      AND end_date > %(lookback)s AND end_date <= %(as_of)s
    ORDER BY customer_id, end_date DESC, id DESC
), cells AS (  -- one index probe per decision into its window's one or two partitions
    SELECT (b.days >= %(t)s)::int AS x, d.renewed AS y, count(*) AS n
    FROM decisions d CROSS JOIN LATERAL (
        -- count(x.id), not count(*): the id is in no index but the primary key, so the
        -- covering (feature, date) index, which would scan the feature's whole window for
        -- each decision, loses to the (customer, feature, date) key's probe
        SELECT count(x.id) AS days FROM product_featureusage x
        WHERE x.customer_id = d.customer_id AND x.feature_id = %(f)s
          AND x.date <= d.end_date - %(lead)s AND x.date > d.end_date - %(lead)s - %(window)s
          AND (x.events > 0 OR x.active_users > 0)) b
    GROUP BY 1, 2
)
SELECT (SELECT json_agg(groups) FROM groups) AS groups, (SELECT json_agg(cells) FROM cells) AS cells
"""


def adoption_params(feature: Any, as_of: date, window: int) -> dict[str, Any]:
    """ADOPTION_SQL's parameters for one feature, as GET /cs-product/adoption/{feature_id}
    reads them (README, "Product: adoption analytics and feedback")."""
    from integrations.clock import local_day_end
    from product.selectors.adoption import (
        HEALTH_FRESH_DAYS,
        RETENTION_LEAD_DAYS,
        RETENTION_LOOKBACK_DAYS,
    )

    return {
        "f": feature.pk,
        "t": feature.adoption_threshold_days,
        "as_of": as_of,
        "day_end": local_day_end(as_of),  # alive: created before it, not churned by it
        "fresh": as_of - timedelta(days=HEALTH_FRESH_DAYS),
        "first": as_of - timedelta(days=window - 1),  # the window's first day
        "prev_first": as_of - timedelta(days=2 * window - 1),  # the previous window's
        "lookback": as_of - timedelta(days=RETENTION_LOOKBACK_DAYS),
        "window": window,
        "lead": RETENTION_LEAD_DAYS,  # the retention window ends this long before a decision
    }


def adoption_statements() -> list[Statement]:
    """ADOPTION_SQL once per feature, with the API's defaults (a 30-day window, today)."""
    from django.utils import timezone

    from product.models import Feature

    as_of = timezone.localdate()
    return [
        (ADOPTION_SQL, adoption_params(feature, as_of, 30))
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
      -- every feature named, as the API does, so the (feature, date) covering index answers
      -- it; the due customers as one hashed array (a join here was planned from a row
      -- estimate of 17 due contracts against 3,430: a nested loop of index probes, 1.4 s)
      AND u.feature_id = ANY(ARRAY(SELECT id FROM product_feature))
      AND u.customer_id = ANY(ARRAY(SELECT customer_id FROM due))
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


PERFORMANCE_SQL = """
WITH csm AS (  -- each active CSM's active customers, one grouped pass over the customers
    SELECT m.id, m.capacity, coalesce(a.n, 0) AS assigned,
           coalesce(a.n, 0)::float8 / nullif(m.capacity, 0)::float8 AS u
    FROM customers_teammember m
    LEFT JOIN (SELECT success_manager_id, count(*) AS n FROM customers_customer
               WHERE status = 'active' GROUP BY success_manager_id) a
      ON a.success_manager_id = m.id
    WHERE m.active
), cap AS (
    SELECT count(*) AS csms, coalesce(sum(capacity), 0) AS total_capacity,
           coalesce(sum(assigned), 0) AS assigned, max(u) FILTER (WHERE capacity > 0) AS max_u,
           min(u) FILTER (WHERE capacity > 0) AS min_u,
           count(*) FILTER (WHERE capacity > 0) AS with_u,
           count(*) FILTER (WHERE assigned > capacity * %(overloaded)s::float8) AS overloaded
    FROM csm
), pairs AS (  -- (CSM, segment) groups of active customers, each tested once
    SELECT c.success_manager_id, c.segment, count(*) AS n
    FROM customers_customer c
    WHERE c.status = 'active' AND c.success_manager_id IS NOT NULL
    GROUP BY 1, 2
), skills AS (  -- matched: the CSM holds every skill the segment requires (trimmed, folded)
    SELECT coalesce(sum(p.n), 0) AS total,
           coalesce(sum(p.n) FILTER (WHERE r.id IS NULL OR NOT EXISTS (
               SELECT 1 FROM jsonb_array_elements(
                   CASE WHEN jsonb_typeof(r.skills) = 'array' THEN r.skills END) need
               WHERE jsonb_typeof(need) = 'string' AND btrim(need #>> '{}') <> ''
                 AND lower(btrim(need #>> '{}')) NOT IN (
                     SELECT lower(btrim(have #>> '{}')) FROM jsonb_array_elements(
                         CASE WHEN jsonb_typeof(m.skills) = 'array' THEN m.skills END) have
                     WHERE jsonb_typeof(have) = 'string'))), 0) AS matched
    FROM pairs p JOIN customers_teammember m ON m.id = p.success_manager_id
    LEFT JOIN operations_segmentskillrequirement r ON r.segment = p.segment
), runs AS (
    SELECT count(*) FILTER (WHERE status = 'completed') AS completed,
           count(*) FILTER (WHERE status = 'failed') AS failed
    FROM operations_workflowrun WHERE finished_at >= %(since)s AND finished_at < %(until)s
), resolved AS (
    SELECT (SELECT count(*) FROM operations_alert
             WHERE resolved_at >= %(since)s AND resolved_at < %(until)s
               AND resolved_at >= opened_at) AS alerts,
           (SELECT count(*) FROM operations_escalation
             WHERE resolved_at >= %(since)s AND resolved_at < %(until)s
               AND resolved_at >= opened_at) AS escalations,
           (SELECT sum(resolved_at - opened_at) FROM (
               SELECT resolved_at, opened_at FROM operations_alert
                WHERE resolved_at >= %(since)s AND resolved_at < %(until)s
                  AND resolved_at >= opened_at
               UNION ALL
               SELECT resolved_at, opened_at FROM operations_escalation
                WHERE resolved_at >= %(since)s AND resolved_at < %(until)s
                  AND resolved_at >= opened_at) x) AS total
), csat AS (
    SELECT count(*) AS n, sum(score) AS total FROM operations_surveyresponse
    WHERE kind = 'csat' AND score BETWEEN 1 AND 5
      AND answered_at >= %(since)s AND answered_at < %(until)s
), tasks AS (
    SELECT count(*) FILTER (WHERE m.active) AS attributed, count(*) AS total
    FROM operations_task t LEFT JOIN customers_teammember m ON m.id = t.owner_id
    WHERE t.completed_at >= %(since)s AND t.completed_at < %(until)s
), critical AS (  -- the latest grade (by computed_at) up to now, looked up once per customer
    SELECT count(*) AS critical,
           count(*) FILTER (WHERE NOT EXISTS (
               SELECT 1 FROM operations_workflowrun w WHERE w.customer_id = c.id
                  AND w.created_at >= %(since)s AND w.created_at < %(until)s)) AS unwatched
    FROM customers_customer c CROSS JOIN LATERAL (
        SELECT h.grade FROM customers_healthscore h
        WHERE h.customer_id = c.id AND h.computed_at <= %(now)s
        ORDER BY h.computed_at DESC, h.id DESC LIMIT 1) g
    WHERE c.status = 'active' AND g.grade = 'critical'
)
SELECT
    round(runs.completed::numeric / nullif(runs.completed + runs.failed, 0), 4)
        AS workflow_execution_rate,
    runs.completed AS workflow_runs_completed, runs.failed AS workflow_runs_failed,
    round(extract(epoch FROM resolved.total) / nullif(resolved.alerts + resolved.escalations, 0)
          / 3600, 1) AS average_resolution_hours,
    round(extract(epoch FROM resolved.total) / nullif(resolved.alerts + resolved.escalations, 0))
        AS average_resolution_seconds,
    resolved.alerts + resolved.escalations AS resolved_count,
    resolved.alerts AS resolved_alerts, resolved.escalations AS resolved_escalations,
    round(csat.total::numeric / nullif(csat.n, 0), 2) AS customer_satisfaction,
    csat.n AS csat_responses,
    round(tasks.attributed / nullif(cap.csms * %(weeks)s::numeric, 0) / %(target)s::numeric, 4)
        AS team_productivity,
    tasks.attributed AS tasks_completed, tasks.total - tasks.attributed
        AS tasks_completed_unattributed,
    round(tasks.attributed / nullif(cap.csms * %(weeks)s::numeric, 0), 4) AS tasks_per_csm_week,
    round(cap.assigned::numeric / nullif(cap.total_capacity, 0), 4) AS capacity_usage,
    cap.assigned AS assigned_accounts, cap.total_capacity,
    round(skills.matched::numeric / nullif(skills.total, 0), 4) AS skill_matching_accuracy,
    skills.matched AS matched_customers, skills.total AS customers_with_csm,
    CASE WHEN cap.csms = 0 THEN NULL
         WHEN cap.overloaded > 0 THEN 'overloaded'
         WHEN cap.with_u >= 2 AND round((cap.max_u - cap.min_u)::numeric, 4) > %(uneven)s::numeric
             THEN 'uneven'
         ELSE 'optimal' END AS workload_balancing,
    round(cap.max_u::numeric, 4) AS max_utilisation,
    round(cap.min_u::numeric, 4) AS min_utilisation,
    round((cap.max_u - cap.min_u)::numeric, 4) AS utilisation_spread,
    cap.overloaded AS overloaded_csms, cap.csms AS active_csms,
    critical.critical AS critical_customers, critical.unwatched AS without_workflow_run
FROM runs, resolved, csat, tasks, cap, skills, critical
"""


def performance_params(days: int = 30, now: Any = None) -> dict[str, Any]:
    """PERFORMANCE_SQL's parameters: GET /cs-ops/performance's window (the last `days` days,
    instants [since, until)) and thresholds."""
    from django.conf import settings

    from operations.selectors import performance as perf

    window = perf.Window.ending_now(days, now)
    return {
        "since": window.since,
        "until": window.until,
        "now": window.now,
        "weeks": window.weeks,
        "target": float(settings.CS_HUB_TASKS_PER_CSM_WEEK_TARGET),
        "overloaded": perf.OVERLOADED_UTILISATION,
        "uneven": perf.UNEVEN_SPREAD,
    }


def performance_statements() -> list[Statement]:
    """PERFORMANCE_SQL with the API's defaults (the last 30 days)."""
    return [(PERFORMANCE_SQL, performance_params())]


EXPANSION_LIST_SQL = """
SELECT c.customer_id, c.name, c.segment, m.email AS success_manager, s.score, s.ready,
       s.readiness_factors, s.factors, s.model_version, s.as_of, s.computed_at
FROM sales_expansionsnapshot s
JOIN customers_customer c ON c.id = s.customer_id
LEFT JOIN customers_teammember m ON m.id = c.success_manager_id
WHERE s.is_latest AND c.status = 'active'
ORDER BY s.rank_key
LIMIT %(limit)s
"""


def expansion_list_statements() -> list[Statement]:
    """The list's first page, page_size=100: one more row than the page, as a cursor page
    reads to know whether a next page exists."""
    return [(EXPANSION_LIST_SQL, {"limit": 101})]


# read name (bench/report.py READS) -> its statements
FLOORS: dict[str, Callable[[], list[Statement]]] = {
    "adoption": adoption_statements,
    "performance": performance_statements,
    "expansion_list": expansion_list_statements,
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
