import os
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")


class BoundedBodyReads:
    """Bound every read of a request body on gunicorn's client socket.

    A client that announces a body and stops sending would otherwise hold a worker thread for
    as long as it keeps the connection open (gunicorn's `timeout` does not apply to a thread
    blocked reading). gunicorn hands the socket to the app as `gunicorn.socket`; with a read
    timeout on it, a stalled read raises, and the API answers 408 (integrations/api/base.py).
    gthread resets the socket's mode itself before keep-alive, so this lasts one request.
    """

    def __init__(self, app: Callable[..., Iterable[bytes]], seconds: float) -> None:
        self.app, self.seconds = app, seconds

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        sock = environ.get("gunicorn.socket")
        if sock is not None and self.seconds > 0:
            sock.settimeout(self.seconds)
        return self.app(environ, start_response)


application = BoundedBodyReads(get_wsgi_application(), settings.CS_HUB_BODY_READ_TIMEOUT_SECONDS)
