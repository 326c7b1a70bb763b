"""A small HTTP load client, run by bench/run.py in its own process (so its CPU is not the
server's and its GIL is not the measured code's).

    python bench/load.py --port 8765 --concurrency 8 --requests 2000 --seconds 10 < job.json

job.json: {"urls": [...], "headers": {...}, "warmup": 500}. `concurrency` asyncio tasks each
hold one keep-alive HTTP/1.1 connection (re-opened when the server closes it) and take the
next URL in turn (the list is cycled). The first `warmup` requests are not timed (each URL's
rows read once, as a running server meets them); then requests are timed until `requests`
are done or `seconds` have passed, whichever comes first. Prints one JSON line: requests,
p50/p95/p99 (ms, nearest rank), req/s over the timed wall time, and any non-2xx statuses.

`--workers N` (the server's gunicorn workers, each naming itself in `X-Bench-Worker`; bench/
gunicorn.conf.py): before the warm-up, each connection is opened again until it lands on a
worker holding fewer than its even share, so every round runs on all the workers (gthread
workers keep whichever connections reach them first). The line then also gives the split:
`connections` per worker and `served`, the timed requests per worker.
"""

import argparse
import asyncio
import json
import sys
import time
from collections import Counter

WORKER_HEADER = "x-bench-worker"
SPREAD_TRIES_PER_CONNECTION = 50


class Client:
    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        self.host, self.port = host, port
        self.extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.served_by: str | None = None  # the worker that answered the last request

    async def get(self, url: str) -> int:
        for attempt in (0, 1):  # a kept-alive connection the server closed: reconnect once
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            assert self.reader is not None
            request = f"GET {url} HTTP/1.1\r\nHost: {self.host}\r\n{self.extra}\r\n"
            try:
                self.writer.write(request.encode())
                head = await self.reader.readuntil(b"\r\n\r\n")
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if attempt:
                    raise
                continue
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split(" ", 2)[1])
            fields = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                fields[name.strip().lower()] = value.strip()
            self.served_by = fields.get(WORKER_HEADER)
            if "content-length" in fields:
                await self.reader.readexactly(int(fields["content-length"]))
            elif fields.get("transfer-encoding", "").lower() == "chunked":
                while True:
                    size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                    await self.reader.readexactly(size + 2)
                    if size == 0:
                        break
            else:
                await self.reader.read()
                self.close()
            if fields.get("connection", "").lower() == "close":
                self.close()
            return status
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def nearest_rank(ordered: list[float], q: float) -> float:
    return ordered[max(0, -(-round(q * 1000) * len(ordered) // 1000) - 1)]


async def spread(clients: list[Client], url: str, workers: int) -> list[int]:
    """Open each client's connection on a worker holding fewer than its even share (closing
    and opening again otherwise); the connections per worker."""
    share = -(-len(clients) // workers)
    held: Counter[str] = Counter()
    tries = 0
    for client in clients:
        while True:
            tries += 1
            if tries > SPREAD_TRIES_PER_CONNECTION * len(clients):
                raise SystemExit(f"could not spread the connections over {workers} workers: {held}")
            status = await client.get(url)
            if not 200 <= status < 300:
                raise SystemExit(f"spreading: {status} {url}")
            if client.served_by is None:
                raise SystemExit(f"no {WORKER_HEADER} header: serve with bench/gunicorn.conf.py")
            if held[client.served_by] < share:
                held[client.served_by] += 1
                break
            client.close()
    return sorted(held.values(), reverse=True)


async def run(args: argparse.Namespace, job: dict[str, object]) -> dict[str, object]:
    urls: list[str] = job["urls"]  # type: ignore[assignment]
    headers: dict[str, str] = job.get("headers", {})  # type: ignore[assignment]
    warmup = int(job.get("warmup", 0))  # type: ignore[call-overload]
    clients = [Client(args.host, args.port, headers) for _ in range(args.concurrency)]
    statuses: dict[int, int] = {}
    bad: list[str] = []
    latencies: list[float] = []
    served: Counter[str] = Counter()
    state = {"next": 0}

    async def worker(client: Client, timed: bool, limit: int, deadline: float) -> None:
        while True:
            i = state["next"]
            if i >= limit or time.perf_counter() >= deadline:
                return
            state["next"] = i + 1
            url = urls[i % len(urls)]
            t0 = time.perf_counter()
            status = await client.get(url)
            if timed:
                latencies.append(time.perf_counter() - t0)
                statuses[status] = statuses.get(status, 0) + 1
                if client.served_by is not None:
                    served[client.served_by] += 1
            if not 200 <= status < 300 and len(bad) < 5:
                bad.append(f"{status} {url}")

    connections = await spread(clients, urls[0], args.workers) if args.workers > 1 else None
    if warmup:
        deadline = time.perf_counter() + args.seconds
        await asyncio.gather(*(worker(c, False, warmup, deadline) for c in clients))
    state["next"] = 0
    started = time.perf_counter()
    deadline = started + args.seconds
    await asyncio.gather(*(worker(c, True, args.requests, deadline) for c in clients))
    wall = time.perf_counter() - started
    for client in clients:
        client.close()
    ordered = sorted(latencies)
    return {
        "concurrency": args.concurrency,
        "requests": len(ordered),
        "seconds": round(wall, 2),
        "rps": round(len(ordered) / wall, 1) if wall else None,
        "p50_ms": round(nearest_rank(ordered, 0.50) * 1000, 1) if ordered else None,
        "p95_ms": round(nearest_rank(ordered, 0.95) * 1000, 1) if ordered else None,
        "p99_ms": round(nearest_rank(ordered, 0.99) * 1000, 1) if ordered else None,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "failures": bad,
        "connections": connections,
        "served": sorted(served.values(), reverse=True) if served else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--requests", type=int, default=1000, help="at most this many timed")
    parser.add_argument("--seconds", type=float, default=10.0, help="at most this long timed")
    parser.add_argument(
        "--workers", type=int, default=0, help="spread the connections over this many workers"
    )
    args = parser.parse_args()
    job = json.load(sys.stdin)
    print(json.dumps(asyncio.run(run(args, job))))


if __name__ == "__main__":
    main()
