"""CS Hub benchmark harness (issue 17): every hot path beside its floor, at a chosen scale.

    make bench                                   # 10,000 customers (the issue's targets)
    make bench BENCH_ARGS="--scale 2500"         # 2,500 / 40,000 / 100,000, or any N
    make bench BENCH_ARGS="--only reads,admin"   # some groups; the day's other figures kept
    python bench/run.py --scale 500 --smoke      # CI: a few seconds per measurement
    python bench/run.py --report-only            # REPORT.md and charts from bench/results/

PostgreSQL and Redis only: SQLite is refused (its timings say nothing about production).
The data set comes from bench/dataset.py's `ensure_dataset` when present (COPY, reused per
scale and schema), and the run works on its own copy of it, `<db-prefix>run_<scale>`
(CREATE DATABASE ... TEMPLATE; dropped at the end unless --keep): every run starts from the
same rows and the shared data set stays as built. Without dataset.py: `seed_demo` into
`<db-prefix><scale>` (reused while its schema matches), used in place. The app is served
as production serves it: gunicorn with config/gunicorn.conf.py (gthread; through
bench/gunicorn.conf.py, which adds a header naming the worker) and 2 workers, and one Celery
worker (`--concurrency 1`) on the bench broker; the load comes from bench/load.py, a separate
process, which spreads its connections evenly over the 2 workers. Groups, in order:

- ingest: usage rows through `POST /cs-product/usage` ÷ the same rows by COPY + the same upsert;
- recompute: the full health recompute ÷ its SELECTs re-run directly, the event relay,
  expansion readiness scoring and the renewal model's features;
- reads: the framework floor (`GET /api/v1/me`), every spec GET, the customer list with
  health fields and the finance/sales lists at concurrency 1 and 8 (p50/p95/p99, req/s,
  req/s ÷ the floor's at 8; adoption also ÷ its hand-written SQL); the web's peak RSS;
- marketing: campaign creation over >= 5,000 members; admin: the manager's admin pages;
- workflows: four-step runs per minute with the one worker, p95 POST -> last step done;
  the worker's peak RSS;
- webhooks: delivery lag with a dead receiver (bench/webhook_lag.py, its own database).

Writes bench/results/<scale>-<date>.json, then bench/REPORT.md and bench/charts/*.png from
every results file. `--smoke` exits non-zero when a measurement produced no number (targets
are not checked: CI timing is noisy).
"""

import argparse
import hashlib
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import report

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))
PY = sys.executable
BROKER_SCHEMES = ("redis", "rediss", "amqp", "pyamqp")
GROUPS = ("ingest", "recompute", "reads", "marketing", "admin", "workflows", "webhooks")
SERVED = ("ingest", "reads", "marketing", "admin", "workflows")


def sh(*args: str, env: dict[str, str]) -> None:
    subprocess.run(args, cwd=ROOT, env=env, check=True)  # noqa: S603


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=10_000, help="customers (default 10,000)")
    parser.add_argument("--customers", type=int, help=argparse.SUPPRESS)  # the old name
    parser.add_argument("--smoke", action="store_true", help="a few seconds per measurement")
    parser.add_argument("--batches", type=int, help="10k-row ingestion batches (20; smoke 2)")
    parser.add_argument(
        "--pg",
        default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"),
        help="PostgreSQL server URL, no database name (BENCH_PG)",
    )
    parser.add_argument(
        "--db-prefix",
        default=os.environ.get("BENCH_DB_PREFIX", "cs_hub_bench_"),
        help="the run's copy of the data set is <prefix>run_<scale>; the fallback (seeded) "
        "data set's database is <prefix><scale> (BENCH_DB_PREFIX)",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the run's copy of the data set (<prefix>run_<scale>) for inspection",
    )
    parser.add_argument(
        "--template",
        help="build the fallback data set as a copy of this seeded database (CREATE DATABASE "
        "... TEMPLATE, then migrate) instead of seeding; e.g. one seed_demo built earlier",
    )
    parser.add_argument("--port", type=int, default=8765, help="the bench's gunicorn (8765)")
    parser.add_argument("--only", help=f"comma-separated groups of: {', '.join(GROUPS)}")
    parser.add_argument(
        "--webhooks-db",
        default="cs_hub_bench_webhooks",
        help="the webhook-lag group's own database (created, then reused)",
    )
    parser.add_argument(
        "--broker",
        default=os.environ.get("BENCH_BROKER", "redis://127.0.0.1:6379/13"),
        help="Celery broker of the bench's worker (BENCH_BROKER)",
    )
    parser.add_argument(
        "--report-only", action="store_true", help="regenerate REPORT.md and the charts only"
    )
    args = parser.parse_args()
    if args.customers:
        args.scale = args.customers
    if args.scale < 50:
        parser.error("--scale must be at least 50 customers")
    try:  # a scale bench/dataset.py cannot build: said now, not as its traceback
        from dataset import template_size

        template_size(args.scale)
    except ImportError:
        pass
    except ValueError as exc:
        parser.error(str(exc))
    if not 1 <= args.port <= 65535:
        parser.error("--port must be from 1 to 65535")
    if args.batches is not None and args.batches < 1:
        parser.error("--batches must be at least 1")
    scheme = urlsplit(args.broker).scheme
    if scheme not in BROKER_SCHEMES:  # else a KeyError deep in kombu once the servers are up
        parser.error(
            f"--broker {args.broker!r}: scheme {scheme or '(none)'!r} is not one of "
            + ", ".join(f"{s}://" for s in BROKER_SCHEMES)
        )
    groups = [g.strip() for g in (args.only or ",".join(GROUPS)).split(",") if g.strip()]
    unknown = sorted(set(groups) - set(GROUPS))
    if unknown:
        parser.error(f"unknown group(s) {', '.join(unknown)}; known: {', '.join(GROUPS)}")
    args.groups = [g for g in GROUPS if g in groups]
    args.batches = args.batches or (2 if args.smoke else 20)
    return args


def refuse_sqlite(pg: str) -> str:
    """The server's version, or a clear exit: the harness measures PostgreSQL only."""
    if not pg.startswith(("postgres://", "postgresql://")):
        raise SystemExit(
            f"make bench measures PostgreSQL + Redis, as production runs; {pg!r} is not a "
            "PostgreSQL URL (SQLite is not supported: its timings would answer nothing). Set "
            "BENCH_PG=postgres://user@host:port (no database name)."
        )
    import psycopg

    try:
        with psycopg.connect(f"{pg}/postgres", connect_timeout=5) as conn:
            row = conn.execute("SHOW server_version").fetchone()
    except psycopg.OperationalError as exc:
        raise SystemExit(f"make bench needs PostgreSQL at {pg}: {exc}") from None
    return str(row[0]).split()[0] if row else "unknown"


def schema_key() -> str:
    """What the data set was built for: every migration file's name and content."""
    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def dataset(args: argparse.Namespace) -> tuple[str, float | None]:
    """The data set's database name, and the seconds spent building it (None when reused)."""
    try:
        from dataset import ensure_dataset  # bench/dataset.py: COPY-built, reused
    except ImportError:
        ensure_dataset = None
    if ensure_dataset is not None:
        t0 = time.perf_counter()
        name = ensure_dataset(args.scale, args.pg, progress=not args.smoke)
        return name, round(time.perf_counter() - t0, 1)
    return seeded_dataset(args)


def has_dataset_module() -> bool:
    try:
        import dataset  # noqa: F401
    except ImportError:
        return False
    return True


def working_copy_name(args: argparse.Namespace) -> str:
    return f"{args.db_prefix}run_{args.scale}"


def refuse_short_disk(source: str, size: int, free: int, where: str) -> None:
    """Exit unless `free` bytes hold a copy of `size` bytes plus 10% (the 100,000 set is
    ~19 GB: a full disk mid-copy would stop PostgreSQL's other users too)."""
    need = size * 1.1
    if free < need:
        raise SystemExit(
            f"bench: copying {source} ({size / 1e9:.1f} GB) needs {need / 1e9:.1f} GB free "
            f"on {where}; {free / 1e9:.1f} GB is. Free some space (drop leftover "
            "*run_* databases) or run a smaller --scale."
        )


def _free_bytes(conn: Any) -> tuple[int, str]:
    """Free bytes where PostgreSQL keeps its files (SHOW data_directory needs a superuser or
    pg_read_all_settings; "/" when it cannot be read or is not on this machine's disk)."""
    import psycopg

    try:
        row = conn.execute("SHOW data_directory").fetchone()
        where = str(row[0]) if row else "/"
        return shutil.disk_usage(where).free, where
    except (psycopg.Error, OSError):
        return shutil.disk_usage("/").free, "/"


def _blockers(conn: Any, source: str) -> list[str]:
    rows = conn.execute(
        "SELECT pid, usename, application_name, client_addr, state, backend_start "
        "FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
        [source],
    ).fetchall()
    return [
        f"pid {pid} ({user}, {app or 'no application_name'}, {addr or 'local'}, {state}, "
        f"since {start:%H:%M:%S})"
        for pid, user, app, addr, state, start in rows
    ]


def create_copy(conn: Any, source: str, target: str, wait: float = 30.0) -> None:
    """CREATE DATABASE target TEMPLATE source. PostgreSQL refuses while any other session is
    connected to the template (another run copying it, someone's psql): retried for `wait`
    seconds, then a clear exit naming those sessions."""
    import psycopg

    deadline = time.monotonic() + wait
    while True:
        try:
            conn.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
            return
        except psycopg.errors.ObjectInUse:
            if time.monotonic() >= deadline:
                blocking = _blockers(conn, source) or ["(gone by now: try again)"]
                raise SystemExit(
                    f"bench: cannot copy {source}: other sessions are connected to it (CREATE "
                    f"DATABASE ... TEMPLATE needs it alone) after {wait:.0f} s: "
                    + "; ".join(blocking)
                ) from None
            time.sleep(1)


def working_copy(args: argparse.Namespace, source: str) -> tuple[str, float]:
    """The run's own copy of `source` (a leftover of an earlier run replaced), and the
    seconds the copy took."""
    target = working_copy_name(args)
    with _connect_admin(args.pg) as conn:
        row = conn.execute("SELECT pg_database_size(%s)", [source]).fetchone()
        size = int(row[0]) if row else 0
        print(f"bench: {source} is {size / 1e9:.2f} GB; copying it to {target}", flush=True)
        free, where = _free_bytes(conn)
        conn.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        refuse_short_disk(source, size, free, where)
        t0 = time.perf_counter()
        create_copy(conn, source, target)
    return target, round(time.perf_counter() - t0, 1)


def drop_copy(pg: str, name: str) -> None:
    if "django.db" in sys.modules:  # this process's own sessions on the copy
        from django.db import connections

        connections.close_all()
    with _connect_admin(pg) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"bench: dropped {name}", flush=True)


def _connect_admin(pg: str) -> Any:
    import psycopg

    return psycopg.connect(f"{pg}/postgres", autocommit=True, connect_timeout=10)


def seeded_dataset(args: argparse.Namespace) -> tuple[str, float | None]:
    """The fallback: `seed_demo --customers N` into <prefix><scale>, reused while the
    marker table says it was built for this scale and schema."""
    import psycopg

    name, key = f"{args.db_prefix}{args.scale}", schema_key()
    with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    if exists:
        with psycopg.connect(f"{args.pg}/{name}") as conn:
            try:
                marker = conn.execute("SELECT scale, schema FROM bench_dataset").fetchone()
            except psycopg.errors.UndefinedTable:
                marker = None
        if marker == (args.scale, key):
            print(f"bench: reusing {name} ({args.scale:,} customers, schema {key})", flush=True)
            return name, None
    how = f"a copy of {args.template}" if args.template else "seed_demo"
    print(f"bench: building {name} with {how} ({args.scale:,} customers)", flush=True)
    t0 = time.perf_counter()
    with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        template = f' TEMPLATE "{args.template}"' if args.template else ""
        conn.execute(f'CREATE DATABASE "{name}"{template}')
    env = app_env(f"{args.pg}/{name}", broker="")
    sh(PY, "manage.py", "migrate", "-v0", env=env)
    if args.template:
        with psycopg.connect(f"{args.pg}/{name}") as conn:
            row = conn.execute("SELECT count(*) FROM customers_customer").fetchone()
        if not row or row[0] != args.scale:
            raise SystemExit(f"{args.template} has {row and row[0]} customers, not {args.scale}")
    else:
        seed = [PY, "manage.py", "seed_demo", "--customers", str(args.scale)]
        seed += ["--health-weeks", "4", *(["--no-progress"] if args.smoke else [])]
        sh(*seed, env=env)
    with psycopg.connect(f"{args.pg}/{name}", autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_dataset")
        conn.execute("CREATE TABLE bench_dataset (scale integer, schema text)")
        conn.execute("INSERT INTO bench_dataset VALUES (%s, %s)", [args.scale, key])
        conn.execute("VACUUM ANALYZE")
    return name, round(time.perf_counter() - t0, 1)


WEB_WORKERS = 2  # gunicorn's, as the machine runs it


def app_env(url: str, broker: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "false",
        "CELERY_BROKER_URL": broker,
        "CS_HUB_API_KEY_DEFAULT_RATE": "10000000/min",
        "LOG_LEVEL": "WARNING",
        "GUNICORN_WORKERS": str(WEB_WORKERS),
    }
    env.pop("REDIS_URL", None)
    return env


# --- serving -------------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with suppress(OSError):  # the task ended meanwhile
            found += [int(p) for p in (task / "children").read_text().split()]
    return found


def peak_rss_mb(pids: list[int]) -> list[float]:
    """VmHWM (peak resident set) of each live process, in MB."""
    found = []
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    found.append(round(int(line.split()[1]) / 1024, 1))
        except OSError:
            pass
    return found


def refuse_busy_port(port: int) -> None:
    """Exit if something already listens on `port`: our gunicorn could not bind it, and
    _wait_for would then time whatever server answers there (seen: a run measured another
    session's server on the same port)."""
    with socket.socket() as probe:
        probe.settimeout(1)
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise SystemExit(f"bench: port {port} is in use; pick a free one with --port")


def _wait_for(port: int) -> None:
    for _ in range(150):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def _wait_for_worker(broker: str) -> None:
    """Until the Celery worker answers a ping on the broker (its boot is seconds of CPU: a
    run POSTed before it would time the boot, not the workflow)."""
    from celery import Celery

    control = Celery(broker=broker).control
    for _ in range(120):
        if control.ping(timeout=1.0):
            return
    raise SystemExit("the Celery worker did not start")


@contextmanager
def serving(args: argparse.Namespace, env: dict[str, str], raw: dict[str, Any]) -> Iterator[None]:
    """gunicorn (production's config, 2 workers; worker recycling off so no restart lands in
    a timing) and one Celery worker on the bench broker; their peak RSS into `raw` at the end."""
    gunicorn = [PY, "-m", "gunicorn", "config.wsgi", "-c", "bench/gunicorn.conf.py"]
    gunicorn += ["-b", f"127.0.0.1:{args.port}", "--max-requests", "0"]
    gunicorn += ["--access-logfile", "/dev/null"]
    refuse_busy_port(args.port)
    log = open(Path(tempfile.gettempdir()) / f"bench-{args.port}.log", "ab")  # noqa: SIM115
    web = subprocess.Popen(gunicorn, cwd=ROOT, env=env, stdout=log, stderr=log)  # noqa: S603
    celery = [PY, "-m", "celery", "-A", "config", "worker", "-l", "warning"]
    celery += ["--concurrency", "1", "--without-gossip", "--without-mingle"]
    worker = subprocess.Popen(celery, cwd=ROOT, env=env, stdout=log, stderr=log)  # noqa: S603
    try:
        _wait_for(args.port)
        _wait_for_worker(args.broker)
        yield
        web_pids = _children(web.pid)
        web_rss = peak_rss_mb(web_pids)
        worker_rss = peak_rss_mb([worker.pid, *_children(worker.pid)])
        if web_rss and "reads" in args.groups:  # the web's peak is under the read load
            raw["rss_web_max_mb"], raw["rss_web_total_mb"] = max(web_rss), round(sum(web_rss))
            raw["rss_web_processes"] = len(web_rss)
        if worker_rss and "workflows" in args.groups:
            raw["rss_worker_max_mb"] = max(worker_rss)
            raw["rss_worker_total_mb"] = round(sum(worker_rss))
    finally:
        with uninterrupted():
            for process in (web, worker):
                process.terminate()
            for process in (web, worker):
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
            log.close()


# --- the HTTP reads ------------------------------------------------------------------------


def load(
    port: int,
    urls: list[str],
    key: str,
    concurrency: int,
    smoke: bool,
    warmup: int,
    seconds: float = 10,
) -> Any:
    """bench/load.py in its own process; any non-2xx stops the run."""
    job = {"urls": urls, "headers": {"Authorization": f"Api-Key {key}"}, "warmup": warmup}
    if smoke:
        bounds = ["--requests", str(10 * concurrency), "--seconds", "0.5"]
    else:
        bounds = ["--requests", str(500 * concurrency), "--seconds", str(seconds)]
    command = [PY, str(BENCH / "load.py"), "--port", str(port), "--concurrency", str(concurrency)]
    command += ["--workers", str(WEB_WORKERS)]
    out = subprocess.run(  # noqa: S603
        [*command, *bounds],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        check=True,
    )
    found = json.loads(out.stdout)
    if found["failures"]:
        raise SystemExit(f"load on {urls[0]} failed: {found['failures']}")
    return found


def read_urls(smoke: bool) -> dict[str, list[str]]:
    from customers.models import Customer
    from finance.models import Contract
    from product.models import Feature

    sample = 50 if smoke else 500
    customers = list(
        Customer.objects.filter(status="active")
        .order_by("customer_id")
        .values_list("customer_id", flat=True)[:sample]
    )
    contracted = list(
        Contract.objects.filter(status="active")
        .order_by("customer__customer_id")
        .values_list("customer__customer_id", flat=True)
        .distinct()[: min(sample, 200)]
    )
    features = list(Feature.objects.order_by("feature_id").values_list("feature_id", flat=True))
    c = "/api/v1/customers"
    return {
        "floor": ["/api/v1/me"],
        "customer_detail": [f"{c}/{x}" for x in customers],
        "customer_health": [f"{c}/{x}/health" for x in customers],
        "marketing_health": [f"/api/v1/cs-marketing/health/{x}" for x in customers],
        "journey": [f"/api/v1/cs-marketing/journey/{x}/status" for x in customers],
        "expansion": [f"/api/v1/cs-sales/expansion/{x}" for x in contracted],
        "value": [f"/api/v1/cs-finance/value/{x}" for x in contracted],
        "adoption": [f"/api/v1/cs-product/adoption/{f}" for f in features],
        "performance": ["/api/v1/cs-ops/performance"],
        "renewals": ["/api/v1/cs-finance/renewals?due_within_days=90"],
        "expansion_list": ["/api/v1/cs-sales/expansion?page_size=100"],
        "customer_list": [f"{c}?page_size=100", f"{c}?page_size=100&ordering=health_score"],
        "calibration": ["/api/v1/cs-finance/renewal-calibration"],
    }


# Concurrency 8 is measured in rounds, each right after a short floor run: the floor and the
# read then see the same machine (a shared 2-core box drifts by 2x over a run), and the ratio
# is the median of the rounds' paired ratios, with their spread.
C8_ROUNDS, C8_SECONDS, FLOOR_SECONDS = 3, 5.0, 3.0


def bench_reads(args: argparse.Namespace) -> dict[str, Any]:
    """Each read at concurrency 1 (after a warm-up pass over its URLs: each customer's rows
    read once, as a running server meets them) then at 8 in C8_ROUNDS rounds paired with the
    framework floor (`GET /api/v1/me`)."""
    from integrations.models import ApiKey
    from integrations.scopes import ALL_SCOPES

    api_key, key = ApiKey.objects.create_key(
        name="bench-reads", scopes=[s for s in ALL_SCOPES if s.endswith(":read")]
    )
    try:  # the key goes with the run, whatever stops it
        found: dict[str, Any] = {}
        urls = read_urls(args.smoke)
        rounds = 1 if args.smoke else C8_ROUNDS
        floor_rates: list[float] = []
        for name, paths in urls.items():
            warm = max(10, min(len(paths), 10 if args.smoke else 500))
            one = load(args.port, paths, key, 1, args.smoke, warm)
            eights, ratios = [], []
            for _ in range(rounds):
                if name != "floor":
                    floor = load(args.port, urls["floor"], key, 8, args.smoke, 0, FLOOR_SECONDS)
                    floor_rates.append(floor["rps"])
                eight = load(args.port, paths, key, 8, args.smoke, 0, C8_SECONDS)
                eights.append(eight)
                if name == "floor":
                    floor_rates.append(eight["rps"])
                else:
                    ratios.append(eight["rps"] / floor["rps"])
            found.update(
                {
                    f"{name}_requests": one["requests"],
                    f"{name}_p50_ms": one["p50_ms"],
                    f"{name}_p95_ms": one["p95_ms"],
                    f"{name}_c1_p99_ms": one["p99_ms"],
                    f"{name}_c1_rps": one["rps"],
                    f"{name}_c8_requests": sum(e["requests"] for e in eights),
                    f"{name}_c8_p50_ms": statistics.median(e["p50_ms"] for e in eights),
                    f"{name}_c8_p95_ms": statistics.median(e["p95_ms"] for e in eights),
                    f"{name}_c8_p99_ms": statistics.median(e["p99_ms"] for e in eights),
                    f"{name}_c8_rps": statistics.median(e["rps"] for e in eights),
                    f"{name}_c8_rps_rounds": [e["rps"] for e in eights],
                    # Per round, the timed requests each worker served (bench/load.py).
                    f"{name}_c8_served_rounds": [e["served"] for e in eights],
                }
            )
            if ratios:
                found[f"{name}_floor_ratio"] = round(statistics.median(ratios), 3)
                found[f"{name}_floor_ratio_min"] = round(min(ratios), 3)
                found[f"{name}_floor_ratio_max"] = round(max(ratios), 3)
            print(
                f"bench: {name}: c1 p95 {one['p95_ms']} ms; c8 {found[f'{name}_c8_rps']} req/s"
                + (f" ({found[f'{name}_floor_ratio']}x the floor)" if ratios else ""),
                flush=True,
            )
        # The header's floor: the median of every floor run, with their spread.
        found["floor_c8_rps"] = statistics.median(floor_rates)
        found["floor_c8_rps_min"], found["floor_c8_rps_max"] = min(floor_rates), max(floor_rates)
        from sql_floors import sql_floors

        found.update(sql_floors(rounds=1 if args.smoke else 2))
        for name in [k.removesuffix("_sql_p50_ms") for k in found if k.endswith("_sql_p50_ms")]:
            api_p50, sql_p50 = found[f"{name}_p50_ms"], found[f"{name}_sql_p50_ms"]
            found[f"{name}_api_over_sql"] = round(api_p50 / sql_p50, 2)
    finally:
        api_key.delete()
    return found


def percentiles(latencies: list[float]) -> tuple[int, int]:
    ordered = sorted(latencies)
    p95 = ordered[max(0, -(-95 * len(ordered) // 100) - 1)]
    return int(statistics.median(ordered) * 1000), int(-(-p95 * 1000 // 1))


def bench_webhooks(args: argparse.Namespace) -> dict[str, object]:
    """bench/webhook_lag.py in its own process on its own database: 300 events at 10/s, a
    healthy and a hung receiver; then at 30/s (`webhook_fast_*`: headroom, no target). The
    smoke run sends 30 events at 30/s, once."""
    script = [PY, str(BENCH / "webhook_lag.py"), "--pg", args.pg]
    command = [*script, "--db", args.webhooks_db, "--broker", args.broker]
    command += ["--schema-key", schema_key()]
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    figures: dict[str, object] = {}
    runs = [("30", "webhook_", "30")] if args.smoke else [("10", "webhook_", "300")]
    if not args.smoke:
        runs.append(("30", "webhook_fast_", "300"))
    for rate, prefix, events in runs:
        child = subprocess.Popen(  # noqa: S603
            [*command, "--rate", rate, "--events", events],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            stdout, _ = child.communicate()
        finally:  # stopped (SIGTERM): it stops its own Celery worker and beat first
            if child.poll() is None:
                child.terminate()
                try:
                    child.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    child.kill()
        if child.returncode:
            raise SystemExit(f"bench: webhook_lag.py failed (exit {child.returncode})")
        found = json.loads(stdout.strip().splitlines()[-1])
        figures.update({prefix + k.removeprefix("webhook_"): v for k, v in found.items()})
    return figures


# --- the run -------------------------------------------------------------------------------


def git_commit() -> str | None:
    out = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip() or None


def _terminated(signum: int, frame: Any) -> None:
    """SIGTERM (a CI timeout, `kill`): leave as an exception, so that every `finally` runs
    (servers stopped, API keys deleted, the run's copy dropped). A second SIGTERM is ignored
    while that cleanup runs; SIGKILL still ends it."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise SystemExit(128 + signum)


@contextmanager
def uninterrupted() -> Iterator[None]:
    """Cleanup that a SIGTERM must not cut short (seen: one arriving while the servers were
    being stopped skipped the rest of the cleanup): it is held until the block ends, then
    acted on as usual."""
    held: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: held.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        if held and callable(previous):
            previous(held[0], None)


def main() -> None:
    args = parse()
    if args.report_only:
        finish([], args)
        return
    signal.signal(signal.SIGTERM, _terminated)
    pg_version = refuse_sqlite(args.pg)
    source, built_seconds = dataset(args)
    if not has_dataset_module():  # the seeded fallback: used in place, as before
        measure(args, pg_version, source, source, built_seconds, None)
        return
    copy = working_copy_name(args)
    try:
        copy, copy_seconds = working_copy(args, source)
        measure(args, pg_version, copy, source, built_seconds, copy_seconds)
    finally:
        with uninterrupted():
            if args.keep:
                print(f"bench: kept {copy} (--keep); drop it with DROP DATABASE", flush=True)
            else:
                drop_copy(args.pg, copy)


def measure(
    args: argparse.Namespace,
    pg_version: str,
    name: str,
    source: str,
    built_seconds: float | None,
    copy_seconds: float | None,
) -> None:
    """Every group of the run against database `name` (the copy of `source`, or the seeded
    data set itself), then the results file and the report."""
    url = f"{args.pg}/{name}"
    env = app_env(url, broker=args.broker)
    # This process runs its tasks eagerly (recompute, relay): the worker is the server's.
    os.environ.update({**app_env(url, broker=""), "CELERY_BROKER_URL": ""})
    # No migrate here: a data set is reused only while its schema matches the code's.

    import django

    django.setup()
    from django.db import connection

    from product.models import FeatureUsage

    load_before = os.getloadavg()[0]  # the machine is shared: how busy it was, on record
    today = date.today().isoformat()
    # --only adds to the day's last run when it was at this commit on this machine; a full
    # run the same day, or a partial one elsewhere, is a new run beside it.
    run_number = report.last_run(args.scale, today)
    this_machine = report.machine(pg_version)
    previous = {}
    if args.only and run_number:
        path = report.results_path(args.scale, today, run=run_number)
        previous = json.loads(path.read_text())
    if not previous or not report.adds_to(previous, git_commit(), this_machine):
        run_number, previous = run_number + 1, {}
    raw: dict[str, Any] = dict(previous.get("raw", {}))
    raw.update({"customers": args.scale, "date": today})
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    raw["usage_rows"] = FeatureUsage.objects.count()
    if built_seconds is not None:
        raw["dataset_build_seconds"] = built_seconds
    if copy_seconds is not None:
        raw["dataset_copy_seconds"] = copy_seconds

    import measures
    from admin_pages import bench_admin
    from campaigns import bench_campaigns
    from workflows import bench_workflows

    clock = {"at": time.perf_counter()}

    def run(group: str, figures: dict[str, Any]) -> None:
        raw.update(figures)
        raw[f"{group}_date"] = today
        now = time.perf_counter()
        print(f"bench: {group} done in {now - clock['at']:.1f} s", flush=True)
        clock["at"] = now

    if any(g in SERVED for g in args.groups):
        with serving(args, env, raw):
            if "ingest" in args.groups:
                run("ingest", measures.bench_ingestion(args.port, args.batches))
            if "recompute" in args.groups:
                runs, relay = (1, 1_000) if args.smoke else (3, 10_000)
                run("recompute", measures.bench_recompute(runs=runs, relay_load=relay))
                raw.update(measures.bench_scoring())
            if "reads" in args.groups:
                run("reads", bench_reads(args))
            if "marketing" in args.groups:
                run("marketing", bench_campaigns(args.port, posts=1 if args.smoke else 3))
            if "admin" in args.groups:
                run("admin", bench_admin(args.port, percentiles, 0.2 if args.smoke else 1.0))
            if "workflows" in args.groups:
                runs, paced = (10, 3) if args.smoke else (200, 30)
                run("workflows", bench_workflows(args.port, runs=runs, paced=paced))
    elif "recompute" in args.groups:
        run("recompute", measures.bench_recompute())
        raw.update(measures.bench_scoring())
    if "webhooks" in args.groups:
        run("webhooks", bench_webhooks(args))
    # The whole run's load; a partial run (--only) records its own beside it.
    load_key = f"load_average_1m_{'_'.join(args.groups)}" if args.only else "load_average_1m"
    raw[load_key] = [round(load_before, 1), round(os.getloadavg()[0], 1)]
    result = {
        "scale": args.scale,
        "date": today,
        "run": 1 if args.smoke else run_number,
        "commit": git_commit(),
        "smoke": args.smoke,
        "database": name,
        "dataset": source,
        "machine": this_machine,
        "raw": raw,
    }
    print(json.dumps(raw, indent=2))
    # A smoke run's figures are CI's check, not history: kept out of bench/results/.
    where = Path(tempfile.mkdtemp(prefix="bench-smoke-")) if args.smoke else report.RESULTS
    print(f"bench: wrote {report.save(result, where)}")
    finish(args.groups, args, raw)


def finish(groups: list[str], args: argparse.Namespace, raw: dict[str, Any] | None = None) -> None:
    if args.smoke and raw is not None:
        missing = report.missing_numbers(raw, groups)
        if missing:
            raise SystemExit(f"bench smoke: no number for {', '.join(missing)}")
        print(f"bench smoke: every measurement of {', '.join(groups)} produced a number")
        return
    report.write_report()
    try:
        import charts

        charts.write_charts()
    except ImportError as exc:  # matplotlib is a dev dependency
        print(f"bench: no charts ({exc})")


if __name__ == "__main__":
    main()
