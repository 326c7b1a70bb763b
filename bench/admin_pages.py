"""The CS manager's cockpit through gunicorn (issue 15): server time of every admin page a
manager meets (dashboard, risk-sorted customer list, customer 360, health snapshots, tasks)
on the bench data. Target: p95 < 300 ms each. Imported by bench/run.py after django.setup().

Signed in by a session made directly in the database (the login form is django-axes'
business, not what is measured); each page is fetched after one warm-up request.
"""

import http.client
import time
from collections.abc import Callable
from typing import Any

TARGET_MS = 300
SAMPLE_360 = 50  # customer 360 pages: the worst accounts first, then the rest in id order


def _session_cookie() -> str:
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore

    user, _ = get_user_model().objects.get_or_create(
        username="bench-manager", defaults={"is_staff": True, "is_superuser": True}
    )
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def pages() -> dict[str, list[str]]:
    """Named lists of admin paths to time (each list: p50/p95 over its requests)."""
    from customers.models import Customer

    pks = list(Customer.objects.order_by("customer_id").values_list("pk", flat=True)[:SAMPLE_360])
    changelist = "/admin/customers/customer/"
    return {
        "admin_dashboard": ["/admin/"] * 20,
        "admin_customer_list": [
            changelist,
            f"{changelist}?p=2",
            f"{changelist}?o=-1",
            f"{changelist}?segment__exact=enterprise",
            f"{changelist}?q=a",
        ]
        * 4,
        "admin_customer_360": [f"{changelist}{pk}/360/" for pk in pks],
        "admin_customer_change": [f"{changelist}{pk}/change/" for pk in pks[:20]],
        "admin_health_scores": ["/admin/customers/healthscore/"] * 10,
        "admin_tasks": ["/admin/operations/task/"] * 10,
    }


def bench_admin(
    port: int,
    start_server: Callable[[], Any],
    wait_for: Callable[[int], None],
    percentiles: Callable[[list[float]], tuple[int, int]],
) -> dict[str, object]:
    headers = {"Cookie": _session_cookie()}
    paths = pages()
    server = start_server()
    found: dict[str, object] = {}
    try:
        wait_for(port)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        for name, urls in paths.items():
            latencies = []
            for i, url in enumerate([urls[0], *urls]):
                t0 = time.perf_counter()
                conn.request("GET", url, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    raise SystemExit(f"{url} answered {response.status}")
                if i:
                    latencies.append(time.perf_counter() - t0)
            p50, p95 = percentiles(latencies)
            found.update({f"{name}_requests": len(latencies), f"{name}_p50_ms": p50})
            found[f"{name}_p95_ms"] = p95
        conn.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return found


LABELS = {
    "admin_dashboard": "admin dashboard (the index)",
    "admin_customer_list": "customer list, risk-sorted (pages, sorts, filter, search)",
    "admin_customer_360": f"customer 360 page ({SAMPLE_360} customers)",
    "admin_customer_change": "customer change page",
    "admin_health_scores": "health snapshots, latest per customer",
    "admin_tasks": "task list",
}


def admin_rows(report: dict[str, Any]) -> list[str]:
    rows = []
    for name, label in LABELS.items():
        if f"{name}_p95_ms" not in report:
            continue
        ok = report[f"{name}_p95_ms"] < TARGET_MS
        rows.append(
            f"| {label} (admin, via gunicorn, measured {report.get('admin_date', '-')}) | "
            f"p50 {report[f'{name}_p50_ms']} ms, "
            f"p95 {report[f'{name}_p95_ms']} ms ({report[f'{name}_requests']} requests) | "
            f"p95 < {TARGET_MS} ms {'✅' if ok else '❌'} | - |"
        )
    return rows
