"""Benchmark data sets at scale (issue 17): `cs_hub_ds_<scale>`, built once per scale and schema.

    python bench/dataset.py --scale 10000            # build unless already built (and current)
    python bench/dataset.py --scale 2500 --force     # build again
    ensure_dataset(10_000, "postgres://postgres@127.0.0.1:5432")  # what the harness calls

How it is built, and why:
1. A template company is seeded by the demo itself (`seed_demo`, fixed seed 42, 52 weekly
   health snapshots): every domain, every invariant and every derived row exactly as the demo
   makes them, through the apps' own services and health engine. That costs ~0.15-0.25 s per
   customer (the health engine, per-item feedback, the renewal-model fit), so the template is
   at most TEMPLATE_MAX customers: the largest divisor of the scale that is a multiple of 20
   (the demo's story of an account is its id modulo 20) between 250 and TEMPLATE_MAX.
2. The template is then copied (scale / template - 1) times inside PostgreSQL, one
   `INSERT ... SELECT` per table and copy, with no row crossing the wire (foreign-key
   triggers off, plain indexes dropped and built again after: copy_template). Copy k of a
   row gets primary key `id + k * M` (M: the table's largest template id), and every foreign
   key to a copied table moves by that table's M, so a copy's references stay inside it;
   natural keys get `_k` (customer ids continue the demo's numbering, CSM emails get `+k`).
   Every copied customer therefore has a whole, consistent history (usage, tickets, surveys,
   tasks, contracts, invoices, opportunities, value, feedback, workflows, handoffs, campaign
   memberships, journeys, weekly health with its components), and the proportions per
   customer are the template's. Which tables are copied is derived from the models: those
   reaching a customer or a CSM by foreign keys, their history tables, and the customers'
   events; configuration (features, the health and renewal models, playbooks, campaigns,
   journey stages) is shared, as in the demo.
3. Derived state is made consistent after the copy: the campaigns' member counts and the
   additive figures of their frozen impact (the ratios and lifts are the template's: every
   copy repeats the same outcomes), the remembered health distributions are dropped (they
   would recount on the next read anyway), the sequences follow the largest ids, then
   VACUUM ANALYZE. The renewal and expansion models stay as fitted on the template: the copies
   add the same examples again, which changes no fitted proportion.

Deterministic: the demo's RNG is seeded, the copies are arithmetic, and the random part of
server-made public ids (`wfr_`, `alr_`, `fb_`...) is drawn from a seeded RNG during the
build, and the clock the template is seeded by starts at midnight UTC of the build day and
advances a microsecond per reading. Dates are relative to that day (the demo's history ends
"now"), so builds on the same day make the same rows; the day is kept in the record.

A data set is reused while its fingerprint holds: the scale, GENERATOR_VERSION, and a hash of
the migrations in the code and of the demo's sources (COMMENT ON DATABASE, as JSON).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GENERATOR_VERSION = 2  # bump when this file changes the rows it makes
SEED = 42
HEALTH_WEEKS = 52
TEMPLATE_MAX = 1000
TEMPLATE_MIN = 250
STORY_PERIOD = 20  # demo.context.story reads the customer number modulo 20
DEFAULT_PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PREFIX = "cs_hub_ds_"
# Additive figures of a campaign's frozen impact (per group): a copy adds its members' share.
ADDITIVE_IMPACT = (
    "n",
    "retained",
    "n_with_health",
    "events_30d",
    "baseline_events_30d",
    "expansion_revenue",
    "won_opportunities",
)


def template_size(scale: int) -> int:
    """The demo company that is seeded for `scale` customers (and copied scale / it times)."""
    if scale < 1:
        raise ValueError("scale must be at least 1")
    if scale <= TEMPLATE_MAX:
        return scale
    for size in range(TEMPLATE_MAX, TEMPLATE_MIN - 1, -1):
        if scale % size == 0 and size % STORY_PERIOD == 0:
            return size
    raise ValueError(
        f"scale {scale}: above {TEMPLATE_MAX} it must be a multiple of a multiple of "
        f"{STORY_PERIOD} between {TEMPLATE_MIN} and {TEMPLATE_MAX} (e.g. a multiple of 1,000)"
    )


def database_name(scale: int) -> str:
    return f"{PREFIX}{scale}"


def fingerprint(scale: int, template: int | None = None) -> str:
    """What the data set depends on: the scale and template, the generator's version, the
    migrations of the code (names and contents) and the demo that seeds the template."""
    digest = hashlib.sha256(
        f"v{GENERATOR_VERSION}:{scale}:{template or template_size(scale)}".encode()
    )
    files = sorted(ROOT.glob("*/migrations/[0-9]*.py")) + sorted((ROOT / "demo").glob("*.py"))
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


def _connect(pg_url: str, database: str = "postgres") -> Any:
    import psycopg

    return psycopg.connect(f"{pg_url.rstrip('/')}/{database}", autocommit=True)


def stored_record(pg_url: str, name: str) -> dict[str, Any] | None:
    """The fingerprint record of database `name`, or None if it does not exist or has none."""
    with _connect(pg_url) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [name],
        ).fetchone()
    if row is None or not row[0]:
        return None
    try:
        record = json.loads(row[0])
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def ensure_dataset(scale: int, pg_url: str, *, progress: bool = True) -> str:
    """The name of the data set for `scale` customers on the server at `pg_url` (no database
    in the URL), built first unless it exists for this scale and schema."""
    name = database_name(scale)
    record = stored_record(pg_url, name)
    if record is not None and record.get("fingerprint") == fingerprint(scale):
        return name
    _build_in_child(scale, pg_url, progress=progress)
    return name


def clone_dataset(scale: int, pg_url: str, target: str, *, progress: bool = True) -> str:
    """A scratch copy of the data set named `target` (replaced if it exists), for a run that
    writes (ingestion, recompute): the data set itself stays as built, so the next run reuses
    it. PostgreSQL copies the files (CREATE DATABASE ... TEMPLATE): seconds, not a rebuild."""
    source = ensure_dataset(scale, pg_url, progress=progress)
    if target == source:
        raise ValueError("the scratch copy needs a name of its own")
    with _connect(pg_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
    return target


def _build_in_child(
    scale: int, pg_url: str, *, progress: bool, template: int | None = None
) -> None:
    """Build in a fresh interpreter: Django is set up there on the data set's database, so the
    caller's own Django settings (if any) are untouched."""
    args = [sys.executable, str(Path(__file__)), "--scale", str(scale), "--pg", pg_url, "--force"]
    if not progress:
        args.append("--no-progress")
    if template is not None:
        args += ["--template", str(template)]
    subprocess.run(args, cwd=ROOT, check=True)  # noqa: S603


# --- the build (runs with Django set up on the data set's database) ---------------------------


@dataclass
class Table:
    """A copied table: how to copy one template row into copy `k`."""

    name: str
    pk: str
    stride: int  # the largest template id (M)
    columns: list[str]
    expressions: list[str]
    where: str


@contextmanager
def reproducible(seed: int, start: datetime) -> Iterator[None]:
    """While the template is seeded: the clock starts at `start` and advances one microsecond
    per reading (django.utils.timezone.now, which every app and the demo read), and the random
    part of server-made public ids comes from a seeded RNG (integrations.ids draws it from
    `secrets`, its time part from `time`). The demo's draws are seeded already; its dates and
    times are relative to now, so a build on the same day makes the same rows."""
    from django.utils import timezone

    from integrations import ids

    rng = random.Random(f"dataset:{seed}")
    ticks = 0

    def now() -> datetime:
        nonlocal ticks
        ticks += 1
        return start + timedelta(microseconds=ticks)

    class _Secrets:
        @staticmethod
        def token_hex(nbytes: int = 32) -> str:
            return rng.randbytes(nbytes).hex()

    class _Time:
        @staticmethod
        def time() -> float:
            return (start + timedelta(microseconds=ticks)).timestamp()

    saved = timezone.now, ids.secrets, ids.time
    timezone.now = now  # type: ignore[assignment]
    ids.secrets, ids.time = _Secrets, _Time  # type: ignore[assignment]
    try:
        yield
    finally:
        timezone.now, ids.secrets, ids.time = saved  # type: ignore[assignment]


def _strides(cursor: Any, tables: Sequence[str], pks: dict[str, str]) -> dict[str, int]:
    strides = {}
    for table in tables:
        cursor.execute(f"SELECT coalesce(max({pks[table]}), 0) FROM {table}")  # noqa: S608
        strides[table] = int(cursor.fetchone()[0])
    return strides


def copy_plan(template: int) -> list[Table]:
    """The copied tables (customers and CSMs first), with each column's expression for copy
    `k`. The order matters little: the copy runs without foreign-key triggers."""
    from django.apps import apps
    from django.db import connection

    from customers.models import Customer, TeamMember

    models = [m for m in apps.get_models(include_auto_created=True) if m._meta.managed]
    roots = {Customer._meta.db_table, TeamMember._meta.db_table}
    copied = set(roots)

    def source(model: Any) -> Any:
        return getattr(model, "instance_type", None)  # a simple-history table's model

    def links(model: Any) -> list[Any]:
        return [
            f
            for f in model._meta.concrete_fields
            if f.is_relation and f.related_model._meta.db_table in copied
        ]

    changed = True
    while changed:  # tables reaching a customer or a CSM through foreign keys
        changed = False
        for model in models:
            table = model._meta.db_table
            origin = source(model)
            reaches = links(model) or (origin is not None and origin._meta.db_table in copied)
            if table not in copied and reaches:
                copied.add(table)
                changed = True
    ordered = [m for m in models if m._meta.db_table in copied]
    ordered.sort(key=lambda m: (m._meta.db_table not in roots, source(m) is not None))
    pks = {m._meta.db_table: m._meta.pk.column for m in ordered}
    with connection.cursor() as cursor:
        strides = _strides(cursor, [m._meta.db_table for m in ordered], pks)
    plan = []
    for model in ordered:
        table = model._meta.db_table
        origin = source(model)
        keyed = origin or model  # whose natural keys the rows carry
        natural = {
            f.column: f
            for f in keyed._meta.concrete_fields
            if f.unique and not f.primary_key and not f.is_relation
        }
        columns, expressions = [], []
        for field in model._meta.concrete_fields:
            column = field.column
            name = _quote(column)
            if column == pks[table]:
                expression = f"{name} + k * {strides[table]}"
            elif origin is not None and column == origin._meta.pk.column:
                expression = f"{name} + k * {strides[origin._meta.db_table]}"
            elif field.is_relation and field.related_model._meta.db_table in copied:
                expression = f"{name} + k * {strides[field.related_model._meta.db_table]}"
            elif field.is_relation and field.unique:
                expression = "NULL"  # a one-to-one outside the copy (a CSM's sign-in)
            elif column in natural:
                expression = _natural_key(keyed, natural[column], name, template)
            elif (table, column) in DERIVED:
                expression = DERIVED[table, column].format(column=name, template=template)
            else:
                expression = name
            columns.append(name)
            expressions.append(expression)
        # A row is copied with the customer or CSM it belongs to; a row belonging to neither
        # (an optional link left empty) is shared, and stays single.
        owners = [_quote(f.column) for f in links(model)]
        if origin is not None:
            owners.append(_quote(origin._meta.pk.column))
        where = " OR ".join(f"{c} IS NOT NULL" for c in owners)
        if table in roots:
            where = "TRUE"
        plan.append(Table(table, pks[table], strides[table], columns, expressions, f"({where})"))
    plan.append(_events_table(template))
    return plan


# Columns that are not unique keys but spell one out: copy k's value is derived as the key's.
DERIVED = {
    # rank_key = "<100 - score, 3 digits>:cust_<n>" (sales.services.expansion.rank_key): the
    # list's keyset order, one per customer.
    ("sales_expansionsnapshot", "rank_key"): (
        "substr({column}, 1, 9) || (substr({column}, 10)::bigint + k * {template})"
    ),
}


def _quote(column: str) -> str:
    return f'"{column}"'


def _natural_key(model: Any, field: Any, column: str, template: int) -> str:
    """Copy k's value of a unique natural key (`column` quoted)."""
    from customers.models import Customer, TeamMember

    if model is Customer and field.column == "customer_id":
        # cust_10000 + i: copy k continues the numbering (and keeps each account's story)
        return f"'cust_' || (substr({column}, 6)::bigint + k * {template})"
    if model is TeamMember and field.column == "email":
        return f"split_part({column}, '@', 1) || '+' || k || '@' || split_part({column}, '@', 2)"
    return f"{column} || '_' || k"


def _events_table(template: int) -> Table:
    """The customers' events (customer.created, feedback.submitted ...): keyed by customer_id,
    the integrating systems' key, not by a foreign key."""
    from django.db import connection

    from integrations.models import Event

    table = Event._meta.db_table
    with connection.cursor() as cursor:
        stride = _strides(cursor, [table], {table: "id"})[table]
    columns, expressions = [], []
    for field in Event._meta.concrete_fields:
        columns.append(field.column)
        if field.column == "id":
            expressions.append(f"id + k * {stride}")
        elif field.column == "event_id":
            expressions.append("event_id || '_' || k")
        elif field.column == "customer_id":
            expressions.append(f"'cust_' || (substr(customer_id, 6)::bigint + k * {template})")
        else:
            expressions.append(field.column)
    return Table(table, "id", stride, columns, expressions, "(customer_id LIKE 'cust\\_%')")


def copy_template(plan: Sequence[Table], copies: int, bar: Any) -> dict[str, float]:
    """Copies 1..copies of every template row: per table, one INSERT ... SELECT per copy (so
    each copy's rows lie together, in the template's order, as a customer's rows would).
    Meanwhile the foreign-key triggers are off (session_replication_role: every reference is
    computed to point inside its own copy) and the table's plain indexes are dropped, then
    built again once (the unique ones stay: they check the copied keys). `bar(rows)` counts the
    rows written. Returns the seconds per table."""
    from django.db import connection

    seconds: dict[str, float] = {}
    if copies < 1:
        return seconds
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("SET maintenance_work_mem = '512MB'")
        try:
            for table in plan:
                mark = time.perf_counter()
                indexes = _plain_indexes(cursor, table.name)
                for name, _ in indexes:
                    cursor.execute(f'DROP INDEX "{name}"')
                names = ", ".join(table.columns)
                selected = ", ".join(table.expressions)
                for k in range(1, copies + 1):
                    cursor.execute(
                        f"INSERT INTO {table.name} ({names}) SELECT {selected} "  # noqa: S608
                        f"FROM {table.name} CROSS JOIN (VALUES ({k})) AS copy (k) "
                        f"WHERE {table.pk} <= {table.stride} AND {table.where} "
                        f"ORDER BY {table.pk}"
                    )
                    bar(cursor.rowcount)
                for _, definition in indexes:
                    cursor.execute(definition)
                seconds[table.name] = time.perf_counter() - mark
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")
    return seconds


def _plain_indexes(cursor: Any, table: str) -> list[tuple[str, str]]:
    """The table's indexes that back no constraint (primary key, unique): name, definition.
    A partitioned table's (usage, README "Usage partitions") is defined `ON ONLY` the parent,
    which would build it on no partition: dropped, it goes from every partition, so it is
    built again on all of them (plain `ON`)."""
    cursor.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i "
        "WHERE i.schemaname = 'public' AND i.tablename = %s AND NOT EXISTS ("
        "SELECT 1 FROM pg_constraint c WHERE c.conindid = (quote_ident(i.indexname))::regclass)",
        [table],
    )
    return [(name, sql.replace(" ON ONLY ", " ON ", 1)) for name, sql in cursor.fetchall()]


def _template_rows(plan: Sequence[Table]) -> int:
    from django.db import connection

    total = 0
    with connection.cursor() as cursor:
        for table in plan:
            cursor.execute(
                f"SELECT count(*) FROM {table.name} WHERE {table.pk} <= {table.stride} "  # noqa: S608
                f"AND {table.where}"
            )
            total += cursor.fetchone()[0]
    return total


def _check_lengths(plan: Sequence[Table], copies: int) -> None:
    """A natural key that would outgrow its column with its `_k` stops the build here, before
    any copy, rather than failing halfway."""
    from django.apps import apps

    if copies < 1:
        return
    widths = {}
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if getattr(field, "max_length", None):
                widths[(model._meta.db_table, field.column)] = field.max_length
    from django.db import connection

    suffix = len(f"_{copies}") + 1
    with connection.cursor() as cursor:
        for table in plan:
            for column, expression in zip(table.columns, table.expressions, strict=True):
                width = widths.get((table.name, column.strip('"')))
                if width is None or "|| '_' || k" not in expression:
                    continue
                cursor.execute(f"SELECT coalesce(max(length({column})), 0) FROM {table.name}")  # noqa: S608
                longest = cursor.fetchone()[0]
                if longest + suffix > width:
                    raise RuntimeError(
                        f"{table.name}.{column}: a {longest}-character key plus '_{copies}' "
                        f"exceeds {width} characters"
                    )


def reconcile(copies: int) -> None:
    """Derived state after the copies (see the module docstring, step 3)."""
    from django.db import connection
    from django.db.models import Count

    from customers.models import HealthDistributionDay
    from marketing.models import Campaign, CampaignMember

    HealthDistributionDay.objects.all().delete()
    if copies < 1:
        return
    factor = copies + 1
    counts: dict[int, dict[str, int]] = {}
    for campaign, group, n in (
        CampaignMember.objects.values_list("campaign_id", "group")
        .order_by()
        .annotate(n=Count("pk"))
    ):
        counts.setdefault(campaign, {})[group] = n
    for campaign in Campaign.objects.all():
        groups = counts.get(campaign.pk, {})
        campaign.treated_count = groups.get("treated", 0)
        campaign.holdout_count = groups.get("holdout", 0)
        campaign.size = campaign.treated_count + campaign.holdout_count
        if campaign.final_impact:
            for group in ("treated", "holdout"):
                figures = campaign.final_impact.get(group)
                if isinstance(figures, dict):
                    for key in ADDITIVE_IMPACT:
                        if isinstance(figures.get(key), int | float) and not isinstance(
                            figures.get(key), bool
                        ):
                            figures[key] = figures[key] * factor
        campaign.save(update_fields=["treated_count", "holdout_count", "size", "final_impact"])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, a.attname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' "
            "AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped "
            "AND pg_get_serial_sequence(quote_ident(c.relname), a.attname) IS NOT NULL"
        )
        for table, column in cursor.fetchall():
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, %s), "  # noqa: S608
                f"coalesce((SELECT max({column}) FROM {table}), 0) + 1, false)",
                [table, column],
            )


def build(
    scale: int,
    pg_url: str,
    *,
    progress: bool,
    template: int | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    """Create `cs_hub_ds_<scale>` (or `name`) afresh (this process sets Django up on it)."""
    template = template or template_size(scale)
    if scale % template:
        raise ValueError(f"scale {scale} is not a multiple of the template ({template})")
    copies = scale // template - 1
    name = name or database_name(scale)
    started = time.perf_counter()
    with _connect(pg_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ.update(
        DATABASE_URL=f"{pg_url.rstrip('/')}/{name}",
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DJANGO_DEBUG="false",
        CELERY_BROKER_URL="",  # tasks run in-process, as in the benchmark's seed
    )
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from tqdm import tqdm

    timings: dict[str, float] = {}
    mark = time.perf_counter()
    call_command("migrate", verbosity=0)
    timings["migrate"] = time.perf_counter() - mark
    mark = time.perf_counter()
    # The start of the build day (UTC): every row is dated relative to it.
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    with reproducible(SEED, today):
        call_command(
            "seed_demo",
            customers=template,
            seed=SEED,
            health_weeks=HEALTH_WEEKS,
            no_progress=not progress,
        )
    # The template's usage into its monthly partitions (it landed in DEFAULT: the migration
    # makes only this month and those ahead), so the copies land in their months too and a
    # 30-day read scans one or two months, as in production.
    call_command("usage_partitions", "maintain", stdout=io.StringIO())
    timings["template"] = time.perf_counter() - mark
    mark = time.perf_counter()
    plan = copy_plan(template)
    _check_lengths(plan, copies)
    with tqdm(
        desc=f"copies x{copies}",
        unit=" rows",
        total=_template_rows(plan) * copies,
        disable=not progress or copies < 1,
    ) as bar:
        written = [0]

        def count(rows: int) -> None:
            written[0] += rows
            bar.update(rows)

        per_table = copy_template(plan, copies, count)
    rows = written[0]
    timings["copy"] = time.perf_counter() - mark
    mark = time.perf_counter()
    reconcile(copies)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    timings["vacuum_analyze"] = time.perf_counter() - mark
    record = {
        "fingerprint": fingerprint(scale, template),
        "scale": scale,
        "template": template,
        "generator_version": GENERATOR_VERSION,
        "built_on": today.date().isoformat(),
        "copied_rows": rows,
        "slowest_copies": {
            t: round(v, 1) for t, v in sorted(per_table.items(), key=lambda kv: -kv[1])[:5]
        },
        "seconds": {k: round(v, 1) for k, v in timings.items()},
        "total_seconds": round(time.perf_counter() - started, 1),
    }
    connection.close()
    with _connect(pg_url) as conn:
        text = json.dumps(record).replace("'", "''")
        conn.execute(f"COMMENT ON DATABASE \"{name}\" IS '{text}'")
    return record


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=10_000, help="customers (default 10,000)")
    parser.add_argument("--pg", default=DEFAULT_PG, help="server URL, without a database")
    parser.add_argument("--force", action="store_true", help="build even if current")
    parser.add_argument("--no-progress", action="store_true")
    parser.add_argument(
        "--template", type=int, default=None, help="template size (default: chosen by scale)"
    )
    parser.add_argument(
        "--name",
        default=None,
        help="build into this database instead (a trial build beside the shared data sets)",
    )
    args = parser.parse_args(argv)
    template = args.template or template_size(args.scale)
    name = args.name or database_name(args.scale)
    record = stored_record(args.pg, name)
    if not args.force and record and record.get("fingerprint") == fingerprint(args.scale, template):
        print(f"{name}: current (built {record.get('built_on')}); nothing to do.")
        return
    record = build(
        args.scale, args.pg, progress=not args.no_progress, template=template, name=args.name
    )
    print(f"{name}: built in {record['total_seconds']} s {json.dumps(record['seconds'])}")


if __name__ == "__main__":
    main()
