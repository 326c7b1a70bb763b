"""One HTTP POST to a receiver, with the standard library (no redirects are ever followed:
http.client does not follow them, and a 3xx counts as a failure).

The connection goes to the addresses checked by `addresses.resolve` just before, so a DNS answer
that changes between the check and the connect (rebinding) cannot reach a refused address;
TLS still verifies the certificate against the URL's host name.

`timeout` bounds the whole attempt (connect, send, answer), not each read: a receiver that
trickles its answer a byte at a time would otherwise hold the worker for as long as it likes,
outlive the claim's lease and let the next claim take another worker slot for the same endpoint.
"""

import contextlib
import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import SplitResult

RESPONSE_KEEP = 1000  # characters of the receiver's answer kept in the log
_READ_LIMIT = 64 * 1024


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    latency_ms: int
    response_body: str = ""
    error_class: str = ""  # timeout, connection, refused_address, http_status
    error: str = ""
    retry_after: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _Deadline:
    """Shuts the connection's socket down when the attempt's time is up: a blocked send or
    read then returns at once (the per-operation socket timeout alone cannot bound a receiver
    that answers a little at a time)."""

    def __init__(self, seconds: float) -> None:
        self.expired = threading.Event()
        self._sock: socket.socket | None = None
        self._timer = threading.Timer(seconds, self._cut)
        self._timer.daemon = True

    def start(self) -> None:
        self._timer.start()

    def cancel(self) -> None:
        self._timer.cancel()

    def watch(self, sock: socket.socket) -> None:
        """The socket to cut from now on; raises if the time is already up."""
        self._sock = sock
        if self.expired.is_set():
            raise TimeoutError("the attempt's time ran out")

    def _cut(self) -> None:
        self.expired.set()  # before reading _sock: watch() assigns, then checks this
        sock = self._sock
        if sock is not None:
            # socket.socket's own shutdown, also for an SSLSocket (whose override would tear
            # down its TLS state under the reading thread); OSError: closed or detached.
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _connect(addresses: list[str], port: int, timeout: float) -> socket.socket:
    """The first of the checked addresses that accepts a connection (as create_connection
    tries each address a name resolves to)."""
    error: OSError = OSError("no address to connect to")
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout)
        except OSError as exc:
            error = exc
    raise error


# The port is always passed: with none, http.client reads it from the host, and an IPv6
# literal's last group would be taken for one.


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(
        self, host: str, port: int, addresses: list[str], timeout: float, deadline: _Deadline
    ) -> None:
        super().__init__(host, port, timeout=timeout)
        self._addresses, self._timeout, self._deadline = addresses, timeout, deadline

    def connect(self) -> None:
        self.sock = _connect(self._addresses, self.port, self._timeout)
        self._deadline.watch(self.sock)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(
        self, host: str, port: int, addresses: list[str], timeout: float, deadline: _Deadline
    ) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._addresses, self._timeout, self._deadline = addresses, timeout, deadline

    def connect(self) -> None:
        sock = _connect(self._addresses, self.port, self._timeout)
        self._deadline.watch(sock)  # the TLS handshake is bounded too
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]
        self._deadline.watch(self.sock)


def post(
    parts: SplitResult,
    addresses: list[str],
    body: bytes,
    headers: dict[str, str],
    timeout: float,
) -> Outcome:
    """POST `body`; `timeout` bounds the whole attempt (a receiver that has not answered
    completely within `timeout` seconds fails with error_class `timeout`)."""
    https = parts.scheme == "https"
    cls = _PinnedHTTPS if https else _PinnedHTTP
    port = parts.port or (443 if https else 80)
    deadline = _Deadline(timeout)
    conn = cls(parts.hostname or "", port, addresses, timeout, deadline)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    started = time.monotonic()
    deadline.start()
    try:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read(_READ_LIMIT).decode("utf-8", "replace")
        if deadline.expired.is_set():  # cut short: what arrived may look complete, is not
            raise TimeoutError(f"no complete answer within {timeout:g} s")
        return Outcome(
            status_code=response.status,
            latency_ms=_ms(started),
            response_body=text[:RESPONSE_KEEP],
            error_class="" if 200 <= response.status < 300 else "http_status",
            error="" if 200 <= response.status < 300 else f"HTTP {response.status}",
            retry_after=response.getheader("Retry-After"),
        )
    except TimeoutError as exc:
        return Outcome(None, _ms(started), error_class="timeout", error=str(exc)[:500])
    except (OSError, http.client.HTTPException) as exc:
        if deadline.expired.is_set():
            error = f"no complete answer within {timeout:g} s"
            return Outcome(None, _ms(started), error_class="timeout", error=error)
        error = f"{type(exc).__name__}: {exc}"[:500]
        return Outcome(None, _ms(started), error_class="connection", error=error)
    finally:
        deadline.cancel()
        conn.close()


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
