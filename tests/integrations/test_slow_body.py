"""A client that announces a body and stops sending gets 408 and frees its thread: each read
of a body is bounded under gunicorn (config/wsgi.py); the API answers a stalled read 408 and
the admin writes nothing."""

import io
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from customers.models import Customer
from integrations.models import ApiKey
from integrations.scopes import ALL_SCOPES
from tests.conftest import MakeClient

ROOT = Path(__file__).resolve().parents[2]


class StalledInput(io.RawIOBase):
    """A wsgi.input whose client stopped sending: the socket read times out."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        raise TimeoutError("timed out")


# What the server sees of a client that announced 100 bytes and stopped sending.
STALLED: dict[str, Any] = {"CONTENT_LENGTH": "100", "wsgi.input": StalledInput()}


def test_a_stalled_api_body_is_408_in_the_error_shape(make_client: MakeClient) -> None:
    client = make_client()
    response = client.generic(
        "POST",
        "/api/v1/customers",
        content_type="application/json",
        **STALLED,
    )
    assert response.status_code == 408
    assert response.json()["errors"][0]["code"] == "request_timeout"


@pytest.mark.django_db
def test_a_stalled_admin_form_writes_nothing_and_is_no_500() -> None:
    # Django reads an unreadable form body as empty: the form shows its errors again.
    User.objects.create_superuser("boss", "boss@example.com", "pw-long-enough-1")
    client = Client()
    client.force_login(User.objects.get(username="boss"))
    response = client.generic(
        "POST",
        "/admin/customers/customer/add/",
        content_type="application/x-www-form-urlencoded",
        **STALLED,
    )
    assert response.status_code in (200, 408)
    assert not Customer.objects.exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def gunicorn_url(transactional_db: None) -> Iterator[str]:
    """The shipped gunicorn config serving this test's PostgreSQL database."""
    from django.db import connection

    db = connection.settings_dict
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}",
        "CS_HUB_BODY_READ_TIMEOUT_SECONDS": "1",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "2",
    }
    command = [sys.executable, "-m", "gunicorn", "config.wsgi", "-c", "config/gunicorn.conf.py"]
    process = subprocess.Popen(  # noqa: S603 - a fixed command line
        [*command, "-b", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # Ready when a worker answers, not when the master's socket accepts: on a loaded
        # machine the worker can take many seconds to import the app after the bind.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=5) as probe:
                    probe.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                    if _status_line(probe):
                        break
            except OSError:
                time.sleep(0.2)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)


def _status_line(sock: socket.socket) -> str:
    return sock.recv(4096).split(b"\r\n", 1)[0].decode()


@pytest.mark.postgres
def test_under_gunicorn_stalled_bodies_are_408_and_do_not_hold_the_threads(
    gunicorn_url: str,
) -> None:
    _, raw = ApiKey.objects.create_key(name="slow", scopes=list(ALL_SCOPES))
    host, port = gunicorn_url.split(":")
    head = (
        f"POST /api/v1/customers HTTP/1.1\r\nHost: {host}\r\nAuthorization: Api-Key {raw}\r\n"
        "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
    ).encode()
    # As many stalled clients as the worker has threads: each gets 408 once its read times
    # out (1 s here), and the server answers others afterwards.
    stalled = [socket.create_connection((host, int(port)), timeout=15) for _ in range(2)]
    started = time.monotonic()
    for sock in stalled:
        sock.sendall(head)
    lines = [_status_line(sock) for sock in stalled]
    took = time.monotonic() - started
    for sock in stalled:
        sock.close()
    assert lines == ["HTTP/1.1 408 Request Timeout"] * 2
    assert took < 10
    with socket.create_connection((host, int(port)), timeout=10) as probe:
        probe.sendall(
            f"GET /healthz HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
        )
        assert _status_line(probe) == "HTTP/1.1 200 OK"
