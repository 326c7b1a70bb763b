"""The in-process measurements bench/run.py makes beside the HTTP ones: usage ingestion (its
HTTP side against the running server, its floor directly), the full recomputes (health,
expansion readiness, renewal model features). The analytics reads' hand-written SQL: sql_floors.py.
Imported after django.setup()."""

import http.client
import json
import statistics
import threading
import time
from datetime import date, timedelta
from typing import Any


def usage_batches(n: int, first_day: date) -> list[list[dict[str, object]]]:
    """n batches of 10,000 rows: every customer and feature on `first_day`, then the day
    before, and so on."""
    from customers.models import Customer
    from product.models import Feature

    customers = list(Customer.objects.order_by("pk").values_list("customer_id", flat=True))
    features = list(Feature.objects.order_by("pk").values_list("feature_id", flat=True))
    batches, batch = [], []
    day = first_day
    i = 0
    while len(batches) < n:
        cid = customers[i % len(customers)]
        fid = features[(i // len(customers)) % len(features)]
        batch.append(
            {
                "customer_id": cid,
                "feature_id": fid,
                "date": day.isoformat(),
                "events": 10 + i % 90,
                "active_users": 1 + i % 9,
            }
        )
        i += 1
        if i % (len(customers) * len(features)) == 0:
            day -= timedelta(days=1)
        if len(batch) == 10_000:
            batches.append(batch)
            batch = []
    return batches


def new_usage_days(batches: int) -> tuple[date, date, date]:
    """Days no usage row has, so that both sides of bench_ingestion insert: the API's
    batches start the day before the oldest row, the floor's 40 days before the API's last.
    (The data set is reused from run to run: rows already there would be re-sent, not
    inserted, `unchanged` with no write at all and about three times as fast; the runs of
    2026-11-30 measured that.) Returns the API's first day, the floor's, and the oldest day
    either writes."""
    from django.db.models import Min

    from customers.models import Customer
    from product.models import Feature, FeatureUsage

    oldest = FeatureUsage.objects.aggregate(day=Min("date"))["day"] or date.today()
    per_day = max(Customer.objects.count() * Feature.objects.count(), 1)
    span = -(-batches * 10_000 // per_day)  # the days n batches cover (rounded up)
    api_first = oldest - timedelta(days=1)
    floor_first = api_first - timedelta(days=span + 40)
    return api_first, floor_first, floor_first - timedelta(days=span)


def forget_ingested(since: date, before: date, usage_changes_after: int) -> int:
    """Delete what bench_ingestion wrote (usage rows dated since..before, the usage changes
    it noted), so the data set stays as built and the next run inserts again."""
    from django.db import connection

    from product.models import FeatureUsage, UsageChange

    table = FeatureUsage._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE date >= %s AND date < %s", [since, before])  # noqa: S608
        deleted = cursor.rowcount
        cursor.execute(f"VACUUM ANALYZE {table}")
    UsageChange.objects.filter(pk__gt=usage_changes_after).delete()
    return deleted


def bench_ingestion(port: int, batches: int) -> dict[str, object]:
    """Usage rows through the running server (2 client threads, 10,000-row batches of days no
    usage row has) against the floor: the same rows COPYed into a staging table and upserted
    with the same ON CONFLICT, from 2 threads on other new days (copy_upsert). Both must
    insert every row (a run that found its rows there would time re-sends: it stops
    instead); the rows are deleted afterwards."""
    from integrations.models import ApiKey
    from product.models import UsageChange
    from product.services.partitions import usage_partitions_cover

    api_first, floor_first, oldest_written = new_usage_days(batches)
    # Their months' partitions first (PostgreSQL): rows in DEFAULT would be timed against a
    # partition the planner believes empty, which no production ingestion writes into.
    covered = usage_partitions_cover(first=oldest_written, last=api_first)
    if covered.failed:
        raise SystemExit(f"ingestion: partitions for the bench's days: {covered.failed}")
    changes_before = UsageChange.objects.order_by("-pk").values_list("pk", flat=True).first()
    api_key, key = ApiKey.objects.create_key(name="bench", scopes=["product:write"])
    api_batches = [json.dumps(b).encode() for b in usage_batches(batches, api_first)]
    floor_batches = usage_batches(batches, floor_first)

    try:
        return _ingest_and_floor(port, key, api_batches, floor_batches)
    finally:
        api_key.delete()
        forget_ingested(oldest_written, api_first + timedelta(days=1), changes_before or 0)


def _ingest_and_floor(
    port: int, key: str, api_batches: list[bytes], floor_batches: list[list[dict[str, object]]]
) -> dict[str, object]:
    queue = list(enumerate(api_batches))
    lock = threading.Lock()
    latencies: list[float] = []
    failures: list[str] = []

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while True:
            with lock:
                if not queue:
                    break
                _, body = queue.pop()
            t0 = time.perf_counter()
            conn.request(
                "POST",
                "/api/v1/cs-product/usage",
                body=body,
                headers={"Authorization": f"Api-Key {key}", "Content-Type": "application/json"},
            )
            response = conn.getresponse()
            payload = response.read()
            latencies.append(time.perf_counter() - t0)
            if response.status != 200 or json.loads(payload).get("created") != 10_000:
                failures.append(f"{response.status} {payload[:200]!r}")
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    if failures:
        raise SystemExit(f"ingestion failed: {failures[:3]}")
    rows = 10_000 * len(api_batches)

    from customers.models import Customer
    from product.models import Feature

    cpk = dict(Customer.objects.values_list("customer_id", "pk"))
    fpk = dict(Feature.objects.values_list("feature_id", "pk"))
    tuple_batches = [
        [
            (cpk[r["customer_id"]], fpk[r["feature_id"]], r["date"], r["events"], r["active_users"])
            for r in batch
        ]
        for batch in floor_batches
    ]
    floor_times: list[float] = []
    # Each thread opens its connection and staging table first; the clock starts when all have.
    ready = threading.Barrier(3)

    def floor_client() -> None:
        # Its own connection per thread (Django's are per thread): 2-way parallelism as the
        # API run's. psycopg waits for the server with the GIL released, so the two overlap.
        from django.db import connection as conn
        from django.db import transaction

        try:
            with conn.cursor() as cursor:
                stage_create(cursor)
        finally:
            ready.wait()
        while True:
            with lock:
                if not tuple_batches:
                    break
                tuples = tuple_batches.pop()
            t0 = time.perf_counter()
            with transaction.atomic(), conn.cursor() as cursor:
                written = copy_upsert(cursor, tuples)
            floor_times.append(time.perf_counter() - t0)
            if written != len(tuples):
                failures.append(f"floor: {written} of {len(tuples)} rows written")
        conn.close()

    threads = [threading.Thread(target=floor_client) for _ in range(2)]
    for t in threads:
        t.start()
    ready.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    floor_rate = 10_000 * len(floor_times) / (time.perf_counter() - started)
    if len(floor_times) != len(floor_batches):  # a thread that died wrote nothing more
        failures.append(f"floor: {len(floor_times)} of {len(floor_batches)} batches written")
    if failures:
        raise SystemExit(f"ingestion floor failed: {failures[:3]}")
    return {
        "ingest_rows": rows,
        "ingest_wall_seconds": round(wall, 2),
        "ingest_rows_per_second": round(rows / wall),
        "ingest_batch_p50_ms": round(statistics.median(latencies) * 1000),
        "ingest_batch_max_ms": round(max(latencies) * 1000),
        "ingest_sql_floor_rows_per_second": round(floor_rate),
        "ingest_sql_floor": "copy",  # what the floor ran (bench/report.py INGEST_FLOORS)
        "ingest_sql_floor_batch_ms": round(statistics.median(floor_times) * 1000),
    }


USAGE_COLUMNS = "customer_id, feature_id, date, events, active_users"
STAGE = "bench_usage_stage"


def stage_create(cursor: Any) -> None:
    """The floor's staging table: temporary (this connection's), emptied at every commit."""
    cursor.execute(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGE} (customer_id bigint, feature_id bigint,"
        " date date, events integer, active_users integer) ON COMMIT DELETE ROWS"
    )


def copy_upsert(cursor: Any, rows: list[tuple[int, int, str, int, int]]) -> int:
    """The ingestion floor's write of one batch, in the caller's transaction: the rows
    COPYed into the staging table (stage_create), then moved into usage with the API's own
    ON CONFLICT clause. Returns the rows inserted or changed. What it leaves out is exactly
    the API's overhead: HTTP, JSON, validation, resolving public ids, the array parameters
    and the created/updated/unchanged counts. No lookup join either, so its plan is the same
    whatever the target partition's statistics say."""
    from product.services.ingestion import _CONFLICT, _TABLE

    with cursor.copy(f"COPY {STAGE} ({USAGE_COLUMNS}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    cursor.execute(
        f"INSERT INTO {_TABLE} ({USAGE_COLUMNS}) SELECT {USAGE_COLUMNS} FROM {STAGE} {_CONFLICT}"  # noqa: S608
    )
    return int(cursor.rowcount)


def bench_recompute(runs: int = 3, relay_load: int = 10_000) -> dict[str, object]:
    """Median of `runs` full recomputes. The event relay is a worker's job, so it is kept out
    of the timing (as on a deployment with a worker) and measured on its own afterwards."""
    from unittest import mock

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from customers.health.services import health_recompute
    from integrations.events import relay_pending
    from integrations.models import Event

    times = []
    for _ in range(runs):
        connection.queries_log.clear()
        t0 = time.perf_counter()
        with mock.patch("integrations.events.kick_relay"), CaptureQueriesContext(connection) as ctx:
            results = health_recompute()
        times.append(time.perf_counter() - t0)
    scored = sum(1 for r in results.values() if r.score is not None)
    selects = [
        q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")
    ]
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        for sql in selects:
            cursor.execute(sql)
            cursor.fetchall()
    floor = time.perf_counter() - t0
    # The recompute right after the seed moves few scores, so relay a fixed load instead:
    # 10,000 health_changed-shaped events, published as the recompute publishes them.
    from integrations.events import publish_many

    with mock.patch("integrations.events.kick_relay"):
        publish_many(
            ("customer.health_changed", f"cust_{i:05d}", {"score": 50, "grade": "at_risk"})
            for i in range(relay_load)
        )
    pending = Event.objects.filter(status=Event.Status.PENDING).count()
    t0 = time.perf_counter()
    relayed = 0
    while True:
        n = relay_pending()
        relayed += n
        if n == 0:
            break
    relay_seconds = time.perf_counter() - t0
    return {
        "recompute_customers": len(results),
        "recompute_scored": scored,
        "recompute_seconds_median": round(statistics.median(times), 2),
        "recompute_seconds_all": [round(t, 2) for t in times],
        "recompute_queries": len(ctx.captured_queries),
        "recompute_select_sql_floor_seconds": round(floor, 2),
        "relay_events": relayed,
        "relay_pending_before": pending,
        "relay_events_per_second": round(relayed / relay_seconds) if relay_seconds else None,
    }


def bench_scoring() -> dict[str, object]:
    """The other set-based scorings over every customer, timed once each: expansion readiness
    (the nightly snapshot per live customer) and renewal scoring (the active model's
    probability for every customer's next-ending active contract)."""
    from unittest import mock

    from customers.models import Customer
    from finance.renewals.scoring import renewal_probabilities
    from integrations.clock import today
    from sales.services.expansion import expansion_score

    t0 = time.perf_counter()
    with mock.patch("integrations.events.kick_relay"):
        scored = expansion_score(publish=False)
    readiness = time.perf_counter() - t0
    pks = list(Customer.objects.values_list("pk", flat=True))
    t0 = time.perf_counter()
    renewals = renewal_probabilities(pks, today())
    return {
        "readiness_customers": len(scored),
        "readiness_seconds": round(readiness, 2),
        "renewal_scoring_customers": len(renewals),
        "renewal_scoring_seconds": round(time.perf_counter() - t0, 2),
    }
