"""How usage is laid out on PostgreSQL: its monthly partitions and what sits in the DEFAULT one
(README "Usage partitions"). Read by the maintenance service and `manage.py usage_partitions`.
Catalogue reads plus one index probe per month found in DEFAULT; never a scan of the usage."""

import re
from dataclasses import dataclass
from datetime import date
from time import time

from django.conf import settings
from django.db import connection

from integrations.clock import local_day_end, today

from ..models import FeatureUsage

PARENT = FeatureUsage._meta.db_table
DEFAULT_PARTITION = f"{PARENT}_default"
_BOUND = r"\((MINVALUE|MAXVALUE|'\d{4}-\d{2}-\d{2}')\)"
_BOUNDS = re.compile(f"FOR VALUES FROM {_BOUND} TO {_BOUND}")


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month, [start, end): the range of one partition."""

    start: date

    @classmethod
    def of(cls, day: date) -> "Month":
        return cls(day.replace(day=1))

    def shift(self, months: int) -> "Month":
        index = self.start.year * 12 + self.start.month - 1 + months
        return Month(date(index // 12, index % 12 + 1, 1))

    @property
    def end(self) -> date:
        return self.shift(1).start

    @property
    def name(self) -> str:
        """The partition's table name, e.g. product_featureusage_p2026_11."""
        return f"{PARENT}_p{self.start:%Y_%m}"


def retention_start(today: date, retention_months: int) -> date:
    """The first day kept: the first of the month `retention_months` before today's month,
    so every month ending on or before today minus retention_months is dropped whole (a month
    partly inside retention stays whole: up to a month more is kept, never less). The one
    cutoff: maintenance drops what is older, ingestion refuses it (product.bulk_schema)."""
    return Month.of(today).shift(-retention_months).start


# (retention months, the instant the day ends as epoch seconds, that day's cutoff)
_kept_from_today: tuple[int, float, date] = (0, 0.0, date.min)


def usage_kept_from() -> date:
    """retention_start for now and USAGE_RETENTION_MONTHS: ingestion checks each distinct date
    of a batch against it, and the local day costs ~20 us (timezone.localdate), so the answer
    is kept until the day ends (exact: no stale cutoff after midnight)."""
    global _kept_from_today
    months = settings.USAGE_RETENTION_MONTHS
    kept_months, until, cutoff = _kept_from_today
    if kept_months != months or time() >= until:
        day = today()
        cutoff = retention_start(day, months)
        _kept_from_today = (months, local_day_end(day).timestamp(), cutoff)
    return cutoff


@dataclass(frozen=True)
class Partition:
    name: str
    start: date | None  # None: the DEFAULT partition
    end: date | None
    estimated_rows: int | None  # the planner's estimate; None before the first ANALYZE
    total_bytes: int  # table and indexes

    @property
    def managed(self) -> bool:
        """One of ours: exactly one month, named after it. Only these are ever dropped."""
        if self.start is None or self.end is None:
            return False
        month = Month.of(self.start)
        return self.start == month.start and self.end == month.end and self.name == month.name


@dataclass(frozen=True)
class UsageLayout:
    partitioned: bool  # False on SQLite and before migration product.0006
    ranges: list[Partition]  # oldest first
    default: Partition | None
    default_months: list[Month]  # the months of the rows waiting in DEFAULT, oldest first

    def covers(self, month: Month) -> bool:
        """Some range partition overlaps the month (creating it again would fail)."""
        return any(
            p.start is not None
            and p.end is not None
            and p.start < month.end
            and month.start < p.end
            for p in self.ranges
        )


def usage_layout() -> UsageLayout:
    if connection.vendor != "postgresql":
        return UsageLayout(False, [], None, [])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid), c.reltuples, "
            "pg_total_relation_size(c.oid) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass(%s)",
            [PARENT],
        )
        found = cursor.fetchall()
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [PARENT])
        kind = cursor.fetchone()
    if kind is None or kind[0] != "p":
        return UsageLayout(False, [], None, [])
    ranges, default = [], None
    for name, bound, tuples, size in found:
        estimate = int(tuples) if tuples >= 0 else None
        match = _BOUNDS.fullmatch(bound)
        if match:
            start, end = (_day(v) for v in match.groups())
            ranges.append(Partition(name, start, end, estimate, size))
        elif bound == "DEFAULT":
            default = Partition(name, None, None, estimate, size)
    ranges.sort(key=lambda p: (p.start, p.name))
    months = _months_in(default.name) if default else []
    return UsageLayout(True, ranges, default, months)


def _day(bound: str) -> date:
    """A range bound: a date, or MINVALUE / MAXVALUE (an operator's open-ended partition,
    e.g. the old table attached whole: README "Usage partitions")."""
    if bound == "MINVALUE":
        return date.min
    if bound == "MAXVALUE":
        return date.max
    return date.fromisoformat(bound.strip("'"))


def _months_in(table: str) -> list[Month]:
    """The distinct months of `table`'s rows: a loose scan, one probe of its date index per
    month found, so a large DEFAULT costs as little as an empty one."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH RECURSIVE m (start) AS (
                SELECT date_trunc('month', min(date))::date FROM {table}
                UNION ALL
                SELECT (SELECT date_trunc('month', min(date))::date FROM {table}
                        WHERE date >= (m.start + interval '1 month')::date)
                FROM m WHERE m.start IS NOT NULL
            )
            SELECT start FROM m WHERE start IS NOT NULL
            """  # noqa: S608 - our own partition's name, from the catalogue
        )
        return [Month(start) for (start,) in cursor.fetchall()]
