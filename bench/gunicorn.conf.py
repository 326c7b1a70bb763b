"""The bench's gunicorn: production's config (config/gunicorn.conf.py) plus one response header,
`X-Bench-Worker` (the serving worker's pid), by which bench/load.py spreads its keep-alive
connections evenly over the workers.

Why: a gthread worker accepts whatever connection reaches it first and keeps it for as long as
the client keeps it alive. The load client's 8 connections, opened together and held for a
whole round, were split between the 2 workers at random (8/0 to 4/4), so a round ran on one
core or on two by chance: the c8 ratios moved by half between runs of the same code, and a
read-out at c8 often served no more than at c1. A load balancer in front of many clients
spreads the load; the bench pins the even split instead, and reports it.
"""

import os
import runpy
from pathlib import Path
from typing import Any

_production = runpy.run_path(str(Path(__file__).resolve().parents[1] / "config/gunicorn.conf.py"))
globals().update({k: v for k, v in _production.items() if not k.startswith("__")})
_production_post_worker_init = _production["post_worker_init"]

WORKER_HEADER = "X-Bench-Worker"


def post_worker_init(worker: Any) -> None:  # production's, extended
    _production_post_worker_init(worker)
    app, pid = worker.wsgi, str(os.getpid())

    def naming_the_worker(environ: dict[str, Any], start_response: Any) -> Any:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, [*headers, (WORKER_HEADER, pid)], exc_info)

        return app(environ, start)

    worker.wsgi = naming_the_worker
