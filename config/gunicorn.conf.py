"""Gunicorn settings for production: `gunicorn config.wsgi -c config/gunicorn.conf.py`.

Threaded workers (gthread). A client that sends its body slowly (a POST announcing 100 bytes
and sending 1) would hold a thread while its connection stays open (`timeout` does not apply
to a thread blocked reading); config/wsgi.py bounds each body read instead
(CS_HUB_BODY_READ_TIMEOUT_SECONDS, then 408). Production still runs behind a reverse proxy
that buffers request bodies (nginx's default `proxy_request_buffering on`, with
`client_body_timeout`), so the app only ever sees complete requests. Values can be tuned
with the GUNICORN_* variables below.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))  # a worker silent this long restarts
graceful_timeout = 30  # on restart, in-flight requests get this long to finish
keepalive = 5  # seconds an idle keep-alive connection is held (the proxy reuses it)
# Bounded request heads: one line of at most 8 KiB, at most 100 headers of at most 8 KiB.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
# Recycle workers now and then (bounded memory growth), not all at once.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"


def post_worker_init(worker: object) -> None:
    """Build the table of documented query parameters (integrations/api/query_params.py, about
    half a second) as each worker starts, so no client's first filtered request pays for it."""
    from integrations.api.query_params import documented_query_params

    documented_query_params()
