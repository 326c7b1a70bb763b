"""A real HTTP receiver on 127.0.0.1 (http.server in a thread), a frozen clock, and a helper
that runs the relay and sends what is due, in-process."""

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.utils import timezone

from integrations import events
from tests.conftest import KeyedAPIClient
from webhooks.services import delivery


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.monotonic)

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    body: str = "ok"


class Receiver:
    """Answers each POST with the next scripted Reply for its path (then 200 OK)."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.script: dict[str, list[Reply]] = {}
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                with receiver.lock:
                    receiver.requests.append(
                        Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    queue = receiver.script.get(self.path) or []
                    reply = queue.pop(0) if queue else Reply()
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("content-length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body.encode())
                except OSError:  # the sender gave up (timeout) and closed the socket
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def on(self, path: str, *replies: Reply) -> None:
        self.script.setdefault(path, []).extend(replies)

    def at(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    r.thread.start()
    yield r
    r.server.shutdown()
    r.server.server_close()


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Time frozen: every timezone.now() (event stamps, schedules, leases) reads this."""
    c = Clock(timezone.now())
    monkeypatch.setattr(timezone, "now", c)
    return c


def send_due() -> list[str]:
    """Relay pending events (fan-out), then send every due delivery once, in-process: claim
    (at most the per-endpoint limit in flight), send, and claim the freed slots again until
    nothing is due (a failed attempt's retry is due later)."""
    events.relay_pending()
    outcomes: list[str] = []
    while claimed := delivery.claim_due():
        outcomes += [delivery.deliver(pk, token) for pk, token in claimed]
    return outcomes


def subscribe(api: KeyedAPIClient, url: str, *types: str) -> dict[str, Any]:
    response = api.post(
        "/api/v1/webhooks/endpoints",
        {"url": url, "event_types": list(types or ["customer.*"])},
        format="json",
    )
    assert response.status_code == 201, response.content
    data: dict[str, Any] = response.json()
    return data
