"""One HTTP POST to a receiver, with the standard library (no redirects are ever followed:
http.client does not follow them, and a 3xx counts as a failure).

The connection goes to the addresses checked by `addresses.resolve` just before, so a DNS answer
that changes between the check and the connect (rebinding) cannot reach a refused address;
TLS still verifies the certificate against the URL's host name.
"""

import http.client
import socket
import ssl
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


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, port: int | None, addresses: list[str], timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._addresses, self._timeout = addresses, timeout

    def connect(self) -> None:
        self.sock = _connect(self._addresses, self.port, self._timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int | None, addresses: list[str], timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._addresses, self._timeout = addresses, timeout

    def connect(self) -> None:
        sock = _connect(self._addresses, self.port, self._timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def post(
    parts: SplitResult,
    addresses: list[str],
    body: bytes,
    headers: dict[str, str],
    timeout: float,
) -> Outcome:
    """POST `body`; `timeout` bounds the connect and each read (a receiver that answers
    nothing for `timeout` seconds fails with error_class `timeout`)."""
    cls = _PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP
    conn = cls(parts.hostname or "", parts.port, addresses, timeout)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    started = time.monotonic()
    try:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read(_READ_LIMIT).decode("utf-8", "replace")
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
        error = f"{type(exc).__name__}: {exc}"[:500]
        return Outcome(None, _ms(started), error_class="connection", error=error)
    finally:
        conn.close()


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
