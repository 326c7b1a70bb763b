"""The production path: https to a name, connected to the checked address, with the
certificate verified against the URL's host name (a self-signed CA made here by openssl)."""

import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from integrations import events
from webhooks.models import WebhookAttempt

from .conftest import send_due, subscribe

OPENSSL = shutil.which("openssl") or "openssl"
pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


def _cert(tmp: Path, name: str) -> tuple[Path, Path]:
    key, cert = tmp / f"{name}.key", tmp / f"{name}.pem"
    subprocess.run(  # noqa: S603 - a fixed command line
        [
            OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(key), "-out", str(cert), "-subj", f"/CN={name}",
            "-addext", f"subjectAltName=DNS:{name}",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return key, cert


@pytest.fixture
def tls_receiver(tmp_path: Path) -> Iterator[tuple[int, list[Any], Path]]:
    key, cert = _cert(tmp_path, "hooks.example.com")
    got: list[Any] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            got.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], got, cert
    server.shutdown()
    server.server_close()


@pytest.fixture
def resolves_to_receiver(monkeypatch: pytest.MonkeyPatch) -> None:
    real = socket.getaddrinfo

    def fake(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host.endswith("example.com"):
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)


def _trust(monkeypatch: pytest.MonkeyPatch, cert: Path) -> None:
    real = ssl.create_default_context
    monkeypatch.setattr(ssl, "create_default_context", lambda: real(cafile=str(cert)))


def test_https_delivery_verifies_the_certificate_for_the_host_name(
    api, tls_receiver, resolves_to_receiver, monkeypatch
) -> None:
    port, got, cert = tls_receiver
    _trust(monkeypatch, cert)
    hook = subscribe(api, f"https://hooks.example.com:{port}/hook")
    events.publish("customer.created", customer_id="c1", data={})
    assert send_due() == ["succeeded"]
    [(headers, body)] = got
    assert headers["host"] == f"hooks.example.com:{port}"
    Webhook(hook["secret"]).verify(body, headers)


def test_a_certificate_for_another_name_fails(
    api, tls_receiver, resolves_to_receiver, monkeypatch
) -> None:
    port, got, cert = tls_receiver
    _trust(monkeypatch, cert)
    subscribe(api, f"https://other.example.com:{port}/hook")
    events.publish("customer.created", customer_id="c1", data={})
    assert send_due() == ["retry scheduled"]
    attempt = WebhookAttempt.objects.get()
    assert attempt.error_class == "connection"
    assert "CERTIFICATE_VERIFY_FAILED" in attempt.error or "match" in attempt.error
    assert got == []
