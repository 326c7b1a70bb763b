"""bench/load.py spreads its keep-alive connections evenly over the server's workers (each
names itself in `X-Bench-Worker`, bench/gunicorn.conf.py), and reports which worker served
the timed requests. A stand-in server plays the workers: it hands each new connection to the
worker a script names, as a gthread worker keeps whichever connection reaches it first."""

import argparse
import asyncio
import sys
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import load


async def _serve(script: Iterable[str | None]) -> tuple[asyncio.Server, list[str | None]]:
    """A keep-alive HTTP server: connection i is served by worker `script[i]` (the last one
    repeats; None: no header). Returns the server and the worker of every connection made."""
    order = list(script)
    given: list[str | None] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        worker = order[min(len(given), len(order) - 1)]
        given.append(worker)
        named = f"X-Bench-Worker: {worker}\r\n" if worker else ""
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                writer.write(f"HTTP/1.1 200 OK\r\n{named}Content-Length: 2\r\n\r\n{{}}".encode())
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, given


def _args(port: int, *, concurrency: int, workers: int) -> argparse.Namespace:
    return argparse.Namespace(
        host="127.0.0.1",
        port=port,
        concurrency=concurrency,
        requests=40,
        seconds=5.0,
        workers=workers,
    )


def _run(script: Iterable[str | None], *, concurrency: int, workers: int) -> tuple[dict, list]:
    async def go() -> tuple[dict, list]:
        server, given = await _serve(script)
        port = server.sockets[0].getsockname()[1]
        async with server:
            found = await load.run(
                _args(port, concurrency=concurrency, workers=workers), {"urls": ["/api/v1/me"]}
            )
        return found, given

    # In a thread of its own: the browser tests' Playwright keeps an event loop running in the
    # main thread for the session, where asyncio.run() refuses to start another.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, go()).result()


def test_connections_landing_on_a_full_worker_are_opened_again_until_the_split_is_even() -> None:
    # The first six land on A, as a burst of connections does on the worker that wakes first.
    script = ["A"] * 6 + ["B", "A", "B", "B"]
    found, given = _run(script, concurrency=8, workers=2)
    assert found["connections"] == [4, 4]
    # A took 4, then 2 more were refused and re-opened; then B, A (refused), B, B, and the
    # script's last worker, B, for the rest: 8 kept, 3 re-opened.
    assert given == ["A"] * 6 + ["B", "A", "B", "B", "B"]
    assert found["requests"] == 40
    # The timed requests go to whichever connection is free: both workers served.
    assert sum(found["served"]) == 40
    assert min(found["served"]) >= 10


def test_without_workers_the_connections_stay_where_they_land() -> None:
    found, given = _run(["A"], concurrency=8, workers=0)
    assert found["connections"] is None
    assert found["served"] == [40]  # every timed request on the one worker
    assert len(given) == 8


def test_a_server_that_names_no_worker_or_only_one_is_refused() -> None:
    with pytest.raises(SystemExit, match="no x-bench-worker header"):
        _run([None], concurrency=2, workers=2)
    with pytest.raises(SystemExit, match="could not spread"):
        _run(["A"], concurrency=2, workers=2)
