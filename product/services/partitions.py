"""Usage's monthly partitions on PostgreSQL (README "Usage partitions"): the daily maintenance
creates the months ahead (and any month whose rows wait in DEFAULT), and drops the months
entirely past retention. SQLite keeps usage in one plain table: a no-op there.

Each step is its own short transaction with a lock timeout, so a step that cannot get its lock
(a long report holding the table) gives up, is reported, and is tried again the next day, rather
than queueing every reader and writer behind it. Runs take turns on an advisory lock: a second
run at the same time does nothing."""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import partial

from django.conf import settings
from django.db import DatabaseError, connection, transaction

from ..selectors.partitions import (
    DEFAULT_PARTITION,
    PARENT,
    Month,
    Partition,
    UsageLayout,
    retention_start,
    usage_layout,
)

logger = logging.getLogger(__name__)

LOCK_NAME = "product.usage_partitions"
# How long a step waits for its table lock before giving up until the next run.
LOCK_TIMEOUT = "10s"
_COLUMNS = "id, customer_id, feature_id, date, events, active_users"


@dataclass(frozen=True)
class Plan:
    create: list[Month]  # oldest first
    drop: list[Partition]  # managed partitions entirely before keep_from
    keep_from: date  # the first day retention keeps: the first of a month
    purge_default: bool  # DEFAULT holds rows from before keep_from

    @property
    def empty(self) -> bool:
        return not (self.create or self.drop or self.purge_default)


def maintenance_plan(
    layout: UsageLayout, *, today: date, months_ahead: int, retention_months: int
) -> Plan:
    """What a run would do (pure: from the layout, the day and the settings)."""
    if months_ahead < 0 or retention_months < 1:
        raise ValueError("months ahead must be >= 0 and retention at least 1 month")
    keep_from = retention_start(today, retention_months)
    if not layout.partitioned:
        return Plan([], [], keep_from, purge_default=False)
    current = Month.of(today)
    oldest = Month(keep_from)
    waiting = [m for m in layout.default_months if m >= oldest]  # older ones are purged
    # Contiguous from the oldest month holding rows (within retention) to the months ahead: a
    # 30-day read then never touches DEFAULT (partition pruning skips it).
    starts = [current, *waiting]
    starts += [Month.of(p.start) for p in layout.ranges if p.managed and p.start]
    low = max(min(starts), oldest)
    high = max([current.shift(months_ahead), *waiting])
    create = []
    month = low
    while month <= high:
        if not layout.covers(month):
            create.append(month)
        month = month.shift(1)
    drop = [p for p in layout.ranges if p.managed and p.end is not None and p.end <= keep_from]
    purge = bool(layout.default_months) and layout.default_months[0] < oldest
    return Plan(create, drop, keep_from, purge_default=purge)


@dataclass
class MaintenanceResult:
    skipped: str = ""  # why nothing was done (SQLite, not partitioned, another run)
    created: list[str] = field(default_factory=list)
    moved: dict[str, int] = field(default_factory=dict)  # new partition -> rows from DEFAULT
    dropped: list[str] = field(default_factory=list)
    purged: int = 0  # rows past retention deleted from DEFAULT
    # DEFAULT's space after rows left it: "" (nothing left it), else what was done
    vacuumed: str = ""
    failed: dict[str, str] = field(default_factory=dict)  # step -> error

    def lines(self) -> list[str]:
        if self.skipped:
            return [f"nothing done ({self.skipped})"]
        lines = []
        for name in self.created:
            moved = self.moved.get(name, 0)
            extra = f", {moved:,} rows moved in from {DEFAULT_PARTITION}" if moved else ""
            lines.append(f"created {name}{extra}")
        lines += [f"dropped {name} (past retention)" for name in self.dropped]
        if self.purged:
            lines.append(f"deleted {self.purged:,} rows past retention from {DEFAULT_PARTITION}")
        if self.vacuumed:
            lines.append(self.vacuumed)
        lines += [
            f"FAILED {step}: {error} (tried again next run)" for step, error in self.failed.items()
        ]
        return lines or ["up to date"]

    def text(self) -> str:
        """One line, for the log."""
        return "Usage partitions: " + "; ".join(self.lines()) + "."


def usage_partitions_maintain(
    *, today: date, months_ahead: int | None = None, retention_months: int | None = None
) -> MaintenanceResult:
    """One maintenance run (the daily task, `manage.py usage_partitions maintain`). Idempotent:
    a second run the same day finds nothing to do."""
    ahead = settings.USAGE_PARTITION_MONTHS_AHEAD if months_ahead is None else months_ahead
    retention = settings.USAGE_RETENTION_MONTHS if retention_months is None else retention_months
    if connection.vendor != "postgresql":
        result = MaintenanceResult(skipped="SQLite keeps usage in one table, not partitioned")
        logger.info(result.text())
        return result
    with _run_lock() as holder:
        if not holder:
            result = MaintenanceResult(skipped="another maintenance run is in progress")
        else:
            layout = usage_layout()
            if not layout.partitioned:
                result = MaintenanceResult(skipped=f"{PARENT} is not partitioned")
            else:
                plan = maintenance_plan(
                    layout, today=today, months_ahead=ahead, retention_months=retention
                )
                result = _carry_out(plan)
                if result.moved or result.purged:
                    _vacuum_default(result)
    log = logger.warning if result.failed else logger.info
    log(result.text())
    return result


def usage_partitions_cover(*, first: date, last: date) -> MaintenanceResult:
    """Create the monthly partitions for first..last that do not exist yet (rows of those
    months waiting in DEFAULT move in), as the daily run would once rows were there: before a
    backfill of old usage, so its rows land in their months, not in DEFAULT (whose planner
    statistics say "empty" until an ANALYZE). Idempotent; PostgreSQL only."""
    if connection.vendor != "postgresql":
        return MaintenanceResult(skipped="SQLite keeps usage in one table, not partitioned")
    with _run_lock() as holder:
        if not holder:
            return MaintenanceResult(skipped="another maintenance run is in progress")
        layout = usage_layout()
        if not layout.partitioned:
            return MaintenanceResult(skipped=f"{PARENT} is not partitioned")
        months = []
        month = Month.of(first)
        while month <= Month.of(last):
            if not layout.covers(month):
                months.append(month)
            month = month.shift(1)
        return _carry_out(Plan(months, [], retention_start(first, 1), purge_default=False))


@contextmanager
def _run_lock() -> Iterator[bool]:
    """A session advisory lock: held across the run's several transactions."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", [LOCK_NAME])
        held = bool(cursor.fetchone()[0])
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", [LOCK_NAME])


def _carry_out(plan: Plan) -> MaintenanceResult:
    result = MaintenanceResult()
    for month in plan.create:
        if _step(result, month.name, partial(_create, month, result)):
            result.created.append(month.name)
    for partition in plan.drop:
        if _step(result, partition.name, partial(_drop, partition)):
            result.dropped.append(partition.name)
    if plan.purge_default:
        _step(result, DEFAULT_PARTITION, partial(_purge_default, plan.keep_from, result))
    return result


def _step(result: MaintenanceResult, name: str, work: Callable[[], None]) -> bool:
    """Run one step in its own transaction (a savepoint inside a caller's); a database error
    (most often the lock timeout) is reported and leaves that step for the next run."""
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
            work()
    except DatabaseError as error:
        result.failed[name] = str(error).strip().splitlines()[0]
        return False
    return True


def _create(month: Month, result: MaintenanceResult) -> None:
    """Create the month's partition. Rows of that month waiting in DEFAULT would make
    CREATE ... PARTITION OF fail, so they move into the new table first, in this transaction,
    with DEFAULT locked meanwhile (no new row of the month can land there). The parent takes
    only SHARE UPDATE EXCLUSIVE (ATTACH): reads and ingestion of other months go on."""
    start, end = month.start.isoformat(), month.end.isoformat()
    with connection.cursor() as cursor:
        # Parent before DEFAULT, the order an insert takes them in: no deadlock with ingestion.
        cursor.execute(f'LOCK TABLE "{PARENT}" IN SHARE UPDATE EXCLUSIVE MODE')
        cursor.execute(f'LOCK TABLE "{DEFAULT_PARTITION}" IN ACCESS EXCLUSIVE MODE')
        like = f'LIKE "{PARENT}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS'
        cursor.execute(f'CREATE TABLE "{month.name}" ({like})')
        cursor.execute(
            f"""
            WITH moved AS (
                DELETE FROM "{DEFAULT_PARTITION}" WHERE date >= %s AND date < %s
                RETURNING {_COLUMNS}
            )
            INSERT INTO "{month.name}" ({_COLUMNS}) SELECT {_COLUMNS} FROM moved
            """,  # noqa: S608 - our own table names; the bounds are bound parameters
            [start, end],
        )
        if cursor.rowcount:
            result.moved[month.name] = cursor.rowcount
        # Attaching adds the parent's constraints, indexes and foreign keys to the new table.
        cursor.execute(
            f'ALTER TABLE "{PARENT}" ATTACH PARTITION "{month.name}" '
            f"FOR VALUES FROM ('{start}') TO ('{end}')"
        )


def _drop(partition: Partition) -> None:
    """Drop a whole month: no row-by-row DELETE, no dead rows for VACUUM. Takes the parent's
    ACCESS EXCLUSIVE lock for the catalogue change only (milliseconds once granted)."""
    with connection.cursor() as cursor:
        cursor.execute(f'LOCK TABLE "{PARENT}" IN ACCESS EXCLUSIVE MODE')
        cursor.execute(f'DROP TABLE "{partition.name}"')


def _vacuum_default(result: MaintenanceResult) -> None:
    """Give back DEFAULT's space once rows moved out of it (or were purged): the DELETE leaves
    its heap and its four indexes full size (a 300,000-row DEFAULT emptied by a run kept 86 MB).
    Emptied, as after a whole run, it gets VACUUM FULL: a rewrite of nothing, ~0.1 s under
    ACCESS EXCLUSIVE (the lock _create takes anyway), down to 32 kB; plain VACUUM would leave the
    indexes' 66 MB. Still holding rows (a step failed), plain VACUUM: no lock that blocks
    ingestion, the space becomes reusable. VACUUM cannot run in a transaction: a caller's
    transaction (the tests') skips it, and says so."""
    if connection.in_atomic_block:
        result.vacuumed = f"{DEFAULT_PARTITION} not vacuumed (inside a transaction)"
        return
    table = f'"{DEFAULT_PARTITION}"'
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_total_relation_size(%s::regclass)", [DEFAULT_PARTITION])
        before = cursor.fetchone()[0]
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table})")  # noqa: S608 - our table
        full = not cursor.fetchone()[0]
        command = "VACUUM FULL" if full else "VACUUM"
        try:
            cursor.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
            cursor.execute(f"{command} {table}")
        except DatabaseError as error:
            result.failed[f"{command} {DEFAULT_PARTITION}"] = str(error).strip().splitlines()[0]
            return
        finally:
            cursor.execute("RESET lock_timeout")
        cursor.execute("SELECT pg_total_relation_size(%s::regclass)", [DEFAULT_PARTITION])
        after = cursor.fetchone()[0]
    result.vacuumed = f"{command} {DEFAULT_PARTITION}: {before:,} bytes -> {after:,}"


def _purge_default(keep_from: date, result: MaintenanceResult) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'DELETE FROM "{DEFAULT_PARTITION}" WHERE date < %s', [keep_from])  # noqa: S608
        result.purged = cursor.rowcount
