"""Writes for product data: the feature catalogue and daily usage ingestion."""

import json
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Max, Min, QuerySet

from integrations.upsert import BulkResult, upsert_rows
from integrations.writes import atomic_upsert

from ..bulk_schema import USAGE_SCHEMA
from ..models import Feature, FeatureUsage, UsageChange

FEATURE_FIELDS = (
    "name",
    "category",
    "is_key",
    "is_premium",
    "list_price",
    "adoption_threshold_days",
)


@atomic_upsert
def features_bulk_upsert(*, items: Sequence[dict[str, Any]]) -> BulkResult:
    return upsert_rows(Feature, items, key="feature_id", fields=FEATURE_FIELDS)


@atomic_upsert
def usage_ingest(*, items: Sequence[dict[str, Any]]) -> BulkResult:
    """Upsert daily usage rows by (customer, feature, date) in one statement.

    Rows whose counts already match are not rewritten, so a re-sent batch reports them as
    `unchanged`. PostgreSQL passes the batch as five arrays (`unnest`), SQLite as one JSON
    document (`json_each`): either way one round trip, not one per row. ON CONFLICT keeps
    racing batches safe: a key another batch inserted meanwhile becomes an update or unchanged.
    """
    pks = USAGE_SCHEMA.resolve(items)  # unknown customers and features, all reported
    customer_pks, feature_pks = pks["customer_id"], pks["feature_id"]
    # In key order: racing batches then insert shared keys in the same order (no deadlock).
    rows = sorted(
        (c, f, item["date"].isoformat(), item["events"], item["active_users"])
        for c, f, item in zip(customer_pks, feature_pks, items, strict=True)
    )
    result = _upsert_postgres(rows) if connection.vendor == "postgresql" else _upsert_sqlite(rows)
    if result.created or result.updated:
        days = [item["date"] for item in items]
        usage_change_record(
            first_date=min(days), last_date=max(days), rows=result.created + result.updated
        )
    return result


def usage_change_record(*, first_date: date, last_date: date, rows: int) -> UsageChange:
    """Note that usage rows dated first_date..last_date were created or changed, in the
    writer's transaction: what was remembered from those days is then read again."""
    return UsageChange.objects.create(first_date=first_date, last_date=last_date, rows=rows)


def usage_rows_delete(rows: QuerySet[FeatureUsage]) -> int:
    """Delete usage rows (the admin's delete) and note the days they covered as a usage
    change, as any usage write does: what was remembered from those days is read again."""
    with transaction.atomic():
        span = rows.aggregate(first=Min("date"), last=Max("date"), n=Count("pk"))
        if not span["n"]:
            return 0
        deleted, _ = rows.delete()
        usage_change_record(first_date=span["first"], last_date=span["last"], rows=deleted)
    return int(deleted)


# Usage changes are read only for windows ending today; the longest window any read offers is
# 365 days (the adoption API's `window_days`), so older changes can never matter again.
USAGE_CHANGES_KEPT_DAYS = 366


def usage_changes_prune(*, today: date) -> int:
    """Forget the usage changes that touched no day of the last USAGE_CHANGES_KEPT_DAYS days
    (one row per ingestion batch otherwise grows for ever). Returns how many went. One query."""
    oldest_kept = today - timedelta(days=USAGE_CHANGES_KEPT_DAYS - 1)
    deleted, _ = UsageChange.objects.filter(last_date__lt=oldest_kept).delete()
    return deleted


_TABLE = FeatureUsage._meta.db_table
_CONFLICT = f"""
    ON CONFLICT (customer_id, feature_id, date) DO UPDATE
    SET events = excluded.events, active_users = excluded.active_users
    WHERE {_TABLE}.events <> excluded.events OR {_TABLE}.active_users <> excluded.active_users
"""  # noqa: S608 - our own table name; values are always bound parameters


def _upsert_postgres(rows: list[tuple[int, int, str, int, int]]) -> BulkResult:
    # Usage is partitioned by month on PostgreSQL (README "Usage partitions"), where RETURNING
    # cannot read a system column (xmax = 0 said "inserted"): the keys already present are read
    # in the same statement and snapshot instead. A key a racing batch commits meanwhile is
    # then counted as created here although ON CONFLICT updated it (the counts only; the rows
    # are right either way).
    # The lookup runs to its end before the first row is inserted (the INSERT reads its count,
    # `looked_up`): run after or beside the INSERT, its probes walked the index entries this
    # statement had just written, invisible to it but there, 10,000 per probe on a month's
    # fresh partition whose statistics say "empty" (8-48 s for a 10,000-row batch, not 0.5 s).
    if not rows:
        return BulkResult(created=0, updated=0, unchanged=0)
    sql, arrays = upsert_statement(rows)
    with connection.cursor() as cursor:
        cursor.execute(sql, arrays)
        created, written = cursor.fetchone()
    return BulkResult(created=created, updated=written - created, unchanged=len(rows) - written)


def upsert_statement(rows: list[tuple[int, int, str, int, int]]) -> tuple[str, list[str]]:
    """PostgreSQL's usage upsert of `rows` (customer pk, feature pk, ISO date, events, active
    users): the statement and its five array parameters. Its one row: (created, written)."""
    # The five columns go as array literals ('{1,2,3}') written here with str.join: psycopg
    # dumping five 10,000-element lists cost ~22 ms of CPU per batch, the join ~4 ms. Every
    # value is an int or an ISO date, so no element needs quoting. The counts are made in the
    # statement: one row comes back, not one per written row.
    customers, features, days, events, users = zip(*rows, strict=True)
    arrays = [
        "{" + ",".join(map(str, customers)) + "}",
        "{" + ",".join(map(str, features)) + "}",
        "{" + ",".join(days) + "}",
        "{" + ",".join(map(str, events)) + "}",
        "{" + ",".join(map(str, users)) + "}",
    ]
    sql = f"""
        WITH batch AS (
            SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::date[], %s::int[], %s::int[])
                AS b (customer_id, feature_id, date, events, active_users)
        ), present AS MATERIALIZED (
            SELECT u.customer_id, u.feature_id, u.date FROM {_TABLE} u
            JOIN batch USING (customer_id, feature_id, date)
        ), looked_up AS (
            SELECT count(*) FROM present
        ), written AS (
            INSERT INTO {_TABLE} (customer_id, feature_id, date, events, active_users)
            SELECT batch.* FROM batch, looked_up
            {_CONFLICT}
            RETURNING customer_id, feature_id, date
        )
        SELECT count(*) FILTER (WHERE present.date IS NULL), count(*)
        FROM written LEFT JOIN present USING (customer_id, feature_id, date)
    """  # noqa: S608 - table name is ours; values are bound parameters
    return sql, arrays


def _upsert_sqlite(rows: list[tuple[int, int, str, int, int]]) -> BulkResult:
    document = json.dumps(rows)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT COUNT(*) FROM json_each(%s) AS j
            JOIN {_TABLE} u ON u.customer_id = json_extract(j.value, '$[0]')
              AND u.feature_id = json_extract(j.value, '$[1]')
              AND u.date = json_extract(j.value, '$[2]')
            """,  # noqa: S608
            [document],
        )
        existing = cursor.fetchone()[0]
        cursor.execute(
            f"""
            INSERT INTO {_TABLE} (customer_id, feature_id, date, events, active_users)
            SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'),
                   json_extract(value, '$[2]'), json_extract(value, '$[3]'),
                   json_extract(value, '$[4]')
            FROM json_each(%s) WHERE true
            {_CONFLICT}
            RETURNING 1
            """,  # noqa: S608
            [document],
        )
        written = len(cursor.fetchall())
    created = len(rows) - existing
    return BulkResult(created=created, updated=written - created, unchanged=len(rows) - written)
