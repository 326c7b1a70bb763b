"""Webhook delivery lag: an event's commit to a healthy receiver's receipt, with a dead
receiver subscribed beside it (issue 16: p95 <= 1 s; a slow or dead receiver never delays
the others). Run by bench/run.py (`--only webhooks`), or alone:

    python bench/webhook_lag.py --db cs_hub_bench_webhooks --broker redis://127.0.0.1:6379/13

It builds its own small database (no seed: events need no customers), starts a real
`celery worker` (prefork, the default queues: `celery` and `webhooks`) and `celery beat` on
the given Redis broker, and two receivers on 127.0.0.1: a healthy one (200 at once) and a dead
one (accepts the connection, never answers: every attempt waits out the 15 s timeout). Events
are published one per transaction through `integrations.events.publish` (the path every
service uses) at a steady rate; nothing but the app's own nudges and beat moves them:
commit -> relay task -> fan-out -> dispatch task -> deliver task -> receiver.
lag = the receiver's clock at receipt - the publisher's clock right after the commit (one
machine, one clock). Prints the figures as JSON.
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PY = sys.executable


class Healthy:
    """200 at once; the receipt time of each webhook-id."""

    def __init__(self) -> None:
        self.received: dict[str, float] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length") or 0))
                receiver.received.setdefault(self.headers["webhook-id"], time.time())
                self.send_response(200)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"


class Dead:
    """Accepts connections and never answers (a hung receiver): the sender's timeout ends
    every attempt."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/hook"

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)


def _built_for(pg: str, db: str) -> str | None:
    import psycopg

    try:
        with psycopg.connect(f"{pg}/{db}") as conn:
            row = conn.execute("SELECT schema FROM bench_dataset").fetchone()
    except (psycopg.OperationalError, psycopg.errors.UndefinedTable):
        return None
    return str(row[0]) if row else None


def nearest_rank(ordered: list[float], q: float) -> float:
    return ordered[max(0, -(-int(q * 1000) * len(ordered) // 1000) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--pg", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
    )
    parser.add_argument("--db", default="cs_hub_bench_webhooks")
    parser.add_argument(
        "--broker", default=os.environ.get("BENCH_BROKER", "redis://127.0.0.1:6379/13")
    )
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--rate", type=float, default=10.0, help="events per second")
    parser.add_argument("--concurrency", type=int, default=4, help="worker processes")
    parser.add_argument(
        "--schema-key",
        help="reuse the database (emptied of endpoints and events) when it was built for "
        "this key (bench/run.py passes its migrations' hash): no drop, create or migrate",
    )
    args = parser.parse_args()
    # Stopped by bench/run.py (or anyone): as an exception, so the worker and beat it
    # started are stopped in `finally`, not orphaned.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))

    import psycopg

    reuse = args.schema_key is not None and _built_for(args.pg, args.db) == args.schema_key
    if not reuse:
        with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{args.db}"')
            conn.execute(f'CREATE DATABASE "{args.db}"')
    env = {
        **os.environ,
        "DATABASE_URL": f"{args.pg}/{args.db}",
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "false",
        "CELERY_BROKER_URL": args.broker,
        "WEBHOOKS_ALLOW_PRIVATE": "true",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    os.environ.update(env)
    if not reuse:
        migrate = [PY, "manage.py", "migrate", "-v0"]
        subprocess.run(migrate, cwd=ROOT, env=env, check=True, stdout=sys.stderr)  # noqa: S603
        if args.schema_key is not None:
            with psycopg.connect(f"{args.pg}/{args.db}", autocommit=True) as conn:
                conn.execute("CREATE TABLE bench_dataset (scale integer, schema text)")
                conn.execute("INSERT INTO bench_dataset VALUES (0, %s)", [args.schema_key])

    import django

    django.setup()
    from django.db import transaction

    from config.celery import app
    from integrations import events
    from integrations.models import ApiKey
    from webhooks.models import WebhookAttempt
    from webhooks.services.claims import max_in_flight
    from webhooks.services.endpoints import endpoint_create

    app.control.purge()  # nothing left over from an earlier run
    from integrations.models import Event
    from webhooks.models import WebhookEndpoint

    WebhookEndpoint.objects.all().delete()  # a reused database: an earlier run's receivers
    ApiKey.objects.filter(name="bench-webhooks").delete()  # and its key, if it was killed
    Event.objects.all().delete()
    healthy, dead = Healthy(), Dead()
    owner, _ = ApiKey.objects.create_key(name="bench-webhooks", scopes=["webhooks:read"])
    # The dead endpoint first: on ties it would be claimed first.
    endpoint_create(owner=owner, url=dead.url, event_types=["customer.*"])
    endpoint_create(owner=owner, url=healthy.url, event_types=["customer.*"])

    workdir = Path(tempfile.mkdtemp(prefix="bench-webhooks-"))
    quiet = ["-l", "warning"]
    worker = ["worker", *quiet, "--concurrency", str(args.concurrency), "--without-gossip"]
    beat = ["beat", *quiet, "-s", str(workdir / "beat-schedule")]
    # Their banners go to stderr: stdout carries only the figures.
    celery = [PY, "-m", "celery", "-A", "config"]
    processes = [
        subprocess.Popen([*celery, *cmd], cwd=ROOT, env=env, stdout=sys.stderr)  # noqa: S603
        for cmd in (worker, beat)
    ]
    try:
        with transaction.atomic():  # warm-up: the worker is up once this arrives
            warm = events.publish("customer.created", customer_id="warm_up", data={})
        deadline = time.time() + 90
        while warm.event_id not in healthy.received and time.time() < deadline:
            time.sleep(0.1)
        if warm.event_id not in healthy.received:
            raise SystemExit("the worker did not deliver the warm-up event")
        committed: dict[str, float] = {}
        started = time.time()
        for i in range(args.events):
            pause = started + i / args.rate - time.time()
            if pause > 0:
                time.sleep(pause)
            with transaction.atomic():
                event = events.publish("customer.updated", customer_id=f"c{i}", data={"i": i})
            committed[event.event_id] = time.time()
        deadline = time.time() + 120
        while not committed.keys() <= healthy.received.keys() and time.time() < deadline:
            time.sleep(0.1)
        missing = len(committed.keys() - healthy.received.keys())
        lags = sorted(
            healthy.received[e] - t for e, t in committed.items() if e in healthy.received
        )
        dead_attempts = WebhookAttempt.objects.filter(delivery__endpoint__url=dead.url)
        result = {
            "webhook_events": args.events,
            "webhook_rate_per_second": args.rate,
            "webhook_worker_processes": args.concurrency,
            "webhook_max_in_flight_per_endpoint": max_in_flight(),
            "webhook_missing": missing,
            "webhook_lag_p50_ms": round(nearest_rank(lags, 0.50) * 1000),
            "webhook_lag_p95_ms": round(nearest_rank(lags, 0.95) * 1000),
            "webhook_lag_p99_ms": round(nearest_rank(lags, 0.99) * 1000),
            "webhook_lag_max_ms": round(lags[-1] * 1000),
            "webhook_dead_connections": len(dead.held),
            "webhook_dead_attempts_timed_out": dead_attempts.filter(error_class="timeout").count(),
        }
    finally:
        # Not cut short by a SIGTERM (bench/run.py stopping this while it already stops its
        # worker: the key was left): the cleanup ends this process anyway.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        owner.delete()  # its endpoints, deliveries and attempts with it
    print(json.dumps(result))


if __name__ == "__main__":
    main()
