"""Workflows end to end (issue 17): four-step runs POSTed to the running server, executed by
the one Celery worker bench/run.py started (`--concurrency 1`, on the bench broker), each step
handed to the next through the outbox as in production. Imported after django.setup().

runs/min = runs ÷ (the last run's `finished_at` − the first POST) × 60; a run's latency is
its `finished_at` − the moment its POST was sent (one machine, one clock).
"""

import http.client
import json
import threading
import time
from datetime import datetime

STEPS = [
    "send_immediate_alert",
    "schedule_priority_check_in",
    "notify_account_team",
    "create_escalation",
]


def nearest_rank(ordered: list[float], q: float) -> float:
    return ordered[max(0, -(-round(q * 1000) * len(ordered) // 1000) - 1)]


def bench_workflows(port: int, runs: int, timeout: float = 300.0) -> dict[str, object]:
    from customers.models import Customer
    from integrations.models import ApiKey
    from operations.models import WorkflowRun

    _, key = ApiKey.objects.create_key(name="bench-workflows", scopes=["operations:write"])
    customers = list(
        Customer.objects.filter(status="active")
        .order_by("customer_id")
        .values_list("customer_id", flat=True)[:runs]
    )
    headers = {"Authorization": f"Api-Key {key}", "Content-Type": "application/json"}
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
        conn.close()

    # Two clients: runs arrive faster than one worker completes them, so the rate is the
    # worker's, not the client's.
    threads = [threading.Thread(target=client) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise SystemExit(f"workflow POST failed: {failures[:3]}")
    deadline = time.time() + timeout
    finished: dict[str, datetime] = {}
    while time.time() < deadline:
        rows = WorkflowRun.objects.filter(run_id__in=list(posted)).values_list(
            "run_id", "status", "finished_at"
        )
        finished = {r: f for r, status, f in rows if status != "pending" and status != "running"}
        if len(finished) == len(posted):
            break
        time.sleep(0.2)
    statuses = dict(
        WorkflowRun.objects.filter(run_id__in=list(posted)).values_list("run_id", "status")
    )
    completed = {r: f for r, f in finished.items() if statuses[r] == "completed" and f}
    lags = sorted(f.timestamp() - posted[r] for r, f in completed.items())
    span = max(f.timestamp() for f in completed.values()) - min(posted.values()) if lags else 0
    return {
        "workflow_runs": len(posted),
        "workflow_completed": len(completed),
        "workflow_not_completed": len(posted) - len(completed),
        "workflow_runs_per_minute": round(len(completed) / span * 60, 1) if span else None,
        "workflow_done_p50_ms": round(nearest_rank(lags, 0.5) * 1000) if lags else None,
        "workflow_done_p95_ms": round(nearest_rank(lags, 0.95) * 1000) if lags else None,
    }
