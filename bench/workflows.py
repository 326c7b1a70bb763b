"""Workflows end to end (issue 17): four-step runs POSTed to the running server, executed by
the one Celery worker bench/run.py started (`--concurrency 1`, on the bench broker), each step
handed to the next through the outbox as in production. Imported after django.setup().

A run's latency is its `finished_at` − the moment its POST was sent (one machine, one clock).
"""

import http.client
import json
import threading
import time

STEPS = [
    "send_immediate_alert",
    "schedule_priority_check_in",
    "notify_account_team",
    "create_escalation",
]


def nearest_rank(ordered: list[float], q: float) -> float:
    return ordered[max(0, -(-round(q * 1000) * len(ordered) // 1000) - 1)]


def bench_workflows(port: int, runs: int, paced: int, timeout: float = 300.0) -> dict[str, object]:
    """Two phases on distinct customers. Latency: `paced` runs POSTed one a second (below the
    one worker's capacity, so a run waits for its own steps, not for a queue), p50/p95 POST ->
    last step done. Throughput: `runs` more POSTed at once by two clients, completed runs
    per minute from the first POST to the last `finished_at` (the worker's rate: runs arrive
    faster than it completes them)."""
    from customers.models import Customer
    from integrations.models import ApiKey

    api_key, key = ApiKey.objects.create_key(name="bench-workflows", scopes=["operations:write"])
    try:  # the key goes with the run, whatever stops it
        customers = list(
            Customer.objects.filter(status="active")
            .order_by("customer_id")
            .values_list("customer_id", flat=True)[: paced + runs]
        )
        headers = {"Authorization": f"Api-Key {key}", "Content-Type": "application/json"}

        posted_paced = _post(port, headers, customers[:paced], clients=1, interval=1.0)
        paced_done = _wait_done(posted_paced, timeout)
        lags = sorted(f - posted_paced[r] for r, f in paced_done.items())

        posted = _post(port, headers, customers[paced:], clients=2, interval=0.0)
        done = _wait_done(posted, timeout)
    finally:
        api_key.delete()
    span = max(done.values()) - min(posted.values()) if done else 0
    return {
        "workflow_paced_runs": len(posted_paced),
        "workflow_done_p50_ms": round(nearest_rank(lags, 0.5) * 1000) if lags else None,
        "workflow_done_p95_ms": round(nearest_rank(lags, 0.95) * 1000) if lags else None,
        "workflow_runs": len(posted),
        "workflow_completed": len(done),
        "workflow_not_completed": len(posted) - len(done) + len(posted_paced) - len(paced_done),
        "workflow_runs_per_minute": round(len(done) / span * 60, 1) if span else None,
    }


def _post(
    port: int, headers: dict[str, str], customers: list[str], clients: int, interval: float
) -> dict[str, float]:
    """run_id -> the time its POST was sent. `interval`: seconds between one client's POSTs."""
    posted: dict[str, float] = {}
    failures: list[str] = []
    queue = list(customers)
    lock = threading.Lock()

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                if not queue:
                    break
                customer_id = queue.pop(0)
            body = {
                "workflow_type": "bench_four_steps",
                "customer_id": customer_id,
                "automation_steps": STEPS,
                "force": True,
            }
            sent = time.time()
            path = f"/api/v1/cs-ops/workflows/{customer_id}"
            conn.request("POST", path, json.dumps(body), headers)
            response = conn.getresponse()
            answer = json.loads(response.read())
            if response.status != 202:
                failures.append(f"{response.status} {answer}")
                continue
            posted[answer["run_id"]] = sent
            if interval:
                time.sleep(max(0.0, sent + interval - time.time()))
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise SystemExit(f"workflow POST failed: {failures[:3]}")
    return posted


def _wait_done(posted: dict[str, float], timeout: float) -> dict[str, float]:
    """run_id -> finished_at (epoch seconds) of the runs that completed, waiting up to
    `timeout` for every run to end."""
    from operations.models import WorkflowRun

    deadline = time.time() + timeout
    runs = WorkflowRun.objects.filter(run_id__in=list(posted))
    while time.time() < deadline:
        if not runs.filter(status__in=["pending", "running"]).exists():
            break
        time.sleep(0.2)
    return {
        run_id: finished.timestamp()
        for run_id, finished in runs.filter(status="completed").values_list("run_id", "finished_at")
        if finished is not None
    }
