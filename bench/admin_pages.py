"""The CS manager's cockpit through gunicorn (issue 15): server time of every admin page a
manager meets (dashboard, risk-sorted customer list, customer 360, health snapshots, tasks)
on the bench data. Target: p95 < 300 ms each. Imported by bench/run.py after django.setup().

Signed in by a session made directly in the database (the login form is django-axes'
business, not what is measured); each page is fetched after one warm-up request.
"""

import http.client
import time
from collections.abc import Callable

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
    port: int, percentiles: Callable[[list[float]], tuple[int, int]], repeat: float = 1.0
) -> dict[str, object]:
    """Each page list on one connection to the running server; `repeat` scales the lists
    (the smoke run's fraction)."""
    headers = {"Cookie": _session_cookie()}
    paths = {k: v[: max(1, round(len(v) * repeat))] for k, v in pages().items()}
    found: dict[str, object] = {}
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
    return found
