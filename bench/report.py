"""Results files and bench/REPORT.md.

Each run writes `bench/results/<scale>-<date>.json`: the scale, date, commit, the machine
(cores, memory, PostgreSQL version), the data set, `raw` (every figure the run produced, flat,
the keys earlier REPORT.md files used) and `measurements` (the rows below, as computed when
it was written). REPORT.md is regenerated from every results file: the latest run per scale
with each measurement's value, floor, ratio, target and pass/fail, then the history, then the
charts (bench/charts.py). Rows are derived from `raw` here, so an older file gets today's
row definitions (a figure it lacks shows as "-").
"""

import json
import os
import platform
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
REPORT = ROOT / "bench" / "REPORT.md"

# --- the machine ---------------------------------------------------------------------------


def machine(pg_version: str | None) -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": memory_gb,
        "postgresql": pg_version,
        "python": platform.python_version(),
        "python_loop_seconds": python_loop_seconds(),
    }


SAME_MACHINE_KEYS = ("cpu", "cores", "memory_gb", "postgresql")


def adds_to(previous: dict[str, Any], commit: str, this_machine: dict[str, Any]) -> bool:
    """Whether a partial run (--only) adds its groups to `previous`, the day's last run: only
    at the same commit on the same machine. Otherwise its figures would be filed under
    another commit's or machine's header (a new session's machine, the same date)."""
    machine_then = previous.get("machine") or {}
    return previous.get("commit") == commit and all(
        machine_then.get(key) == this_machine.get(key) for key in SAME_MACHINE_KEYS
    )


def python_loop_seconds(n: int = 3_000_000, tries: int = 3) -> float:
    """The best of `tries` timings of one fixed pure-Python loop. Machines with the same model
    name differ between sessions (the 10,000 run of 2026-12-06 took 8.5 s for the full health
    recompute where 2026-12-05's took 3.6 s, its code unchanged), and every figure of a run
    moves with the machine: runs of different days are compared through this figure."""
    best = float("inf")
    for _ in range(tries):
        t0 = time.perf_counter()
        sum(i * i for i in range(n))
        best = min(best, time.perf_counter() - t0)
    return round(best, 3)


def machine_text(m: dict[str, Any]) -> str:
    def show(value: Any, suffix: str = "") -> str:
        return "not recorded" if value is None else f"{value}{suffix}"

    return (
        f"{m.get('cpu', 'cpu not recorded')}, {show(m.get('cores'))} cores, "
        f"memory {show(m.get('memory_gb'), ' GB')}, PostgreSQL {show(m.get('postgresql'))}"
        + (
            f"; a fixed Python loop (3M squares summed) in {m['python_loop_seconds']} s, "
            "best of 3: the machine's speed that day"
            if m.get("python_loop_seconds")
            else ""
        )
    )


# --- measurement rows ----------------------------------------------------------------------

Row = dict[str, Any]

# The HTTP reads driven by bench/load.py (name -> label, kind). `single`: one customer's
# read-out (p95 <= 30 ms at concurrency 1 and >= 0.25x the floor's req/s at 8); `analytics`:
# p95 <= 250 ms and <= 2x its hand-written SQL where one exists; `list`/`other`: no target.
READS: dict[str, tuple[str, str]] = {
    "floor": ("framework floor: GET /api/v1/me (authenticated no-op)", "floor"),
    "customer_detail": ("GET /api/v1/customers/{id}", "single"),
    "customer_health": ("GET /api/v1/customers/{id}/health", "single"),
    "marketing_health": ("marketing health read-out GET /cs-marketing/health/{id}", "single"),
    "journey": ("journey status GET /cs-marketing/journey/{id}/status", "single"),
    "expansion": ("expansion readiness GET /cs-sales/expansion/{id}", "single"),
    "value": ("value realisation GET /cs-finance/value/{id}", "single"),
    "adoption": ("adoption insights GET /cs-product/adoption/{feature_id}", "analytics"),
    "performance": ("CS ops performance GET /cs-ops/performance", "analytics"),
    "renewals": ("renewals due GET /cs-finance/renewals?due_within_days=90", "analytics"),
    "expansion_list": ("expansion list GET /cs-sales/expansion?page_size=100", "analytics"),
    "customer_list": ("customer list with health fields GET /customers?page_size=100", "list"),
    "calibration": ("renewal calibration GET /cs-finance/renewal-calibration", "other"),
}
SINGLE_P95_MS, SINGLE_FLOOR_RATIO = 30, 0.25
ANALYTICS_P95_MS, ANALYTICS_SQL_RATIO = 250, 2.0


def _n(value: Any, digits: int = 0) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and digits:
        return f"{value:,.{digits}f}"
    return f"{round(value):,}" if isinstance(value, int | float) else str(value)


def _ms(value: Any) -> str:
    return "-" if value is None else f"{value:g} ms"


def _at_most(value: Any, limit: float) -> bool | None:
    """value <= limit, or None (not judged) when the figure is missing."""
    return None if not isinstance(value, int | float) else value <= limit


def _below(value: Any, limit: float) -> bool | None:
    return None if not isinstance(value, int | float) else value < limit


def _at_least(value: Any, limit: float) -> bool | None:
    return None if not isinstance(value, int | float) else value >= limit


def _all_pass(*checks: bool | None) -> bool | None:
    known = [c for c in checks if c is not None]
    if not known or len(known) < len(checks):
        return None if not known else (False if False in known else None)
    return all(known)


# A round of a read slow enough to finish only a few dozen requests in its seconds says
# little about the split (a read-out's round serves hundreds, the floor's thousands).
SPLIT_MIN_REQUESTS = 100


def busier_worker_shares(raw: dict[str, Any]) -> tuple[float, float] | None:
    """Over every c8 round of SPLIT_MIN_REQUESTS or more timed requests, the lowest and
    highest share of them that the busiest gunicorn worker served (bench/load.py spreads
    the connections; 1/workers is an even split). None for runs before the spread."""
    shares = [
        max(served) / sum(served)
        for key, rounds in raw.items()
        if key.endswith("_c8_served_rounds")
        for served in rounds or []
        if served and sum(served) >= SPLIT_MIN_REQUESTS
    ]
    return (min(shares), max(shares)) if shares else None


def read_rows(raw: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    floor_rps = raw.get("floor_c8_rps")
    for name, (label, kind) in READS.items():
        p50, p95 = raw.get(f"{name}_p50_ms"), raw.get(f"{name}_p95_ms")
        if p50 is None and p95 is None:
            continue
        p99, rps1 = raw.get(f"{name}_c1_p99_ms"), raw.get(f"{name}_c1_rps")
        p95_8, rps8 = raw.get(f"{name}_c8_p95_ms"), raw.get(f"{name}_c8_rps")
        value = f"c1: p50 {_ms(p50)}, p95 {_ms(p95)}, p99 {_ms(p99)}, {_n(rps1)} req/s"
        if rps8 is not None:
            value += f"; c8: p95 {_ms(p95_8)}, {_n(rps8)} req/s"
        if kind == "floor" and raw.get("floor_c8_rps_min") is not None:
            value += f" (every floor run at c8: {_n(raw['floor_c8_rps_min'])}-"
            value += f"{_n(raw['floor_c8_rps_max'])} req/s)"
        spread = busier_worker_shares(raw) if kind == "floor" else None
        if spread is not None:
            value += (
                f" (c8 connections spread evenly over the workers: in each round of "
                f"{SPLIT_MIN_REQUESTS}+ requests the busiest served {spread[0]:.0%}-"
                f"{spread[1]:.0%} of them)"
            )
        if raw.get(f"{name}_requests"):
            value += f" ({raw[f'{name}_requests']} timed at c1)"
        ratio, floor = None, "-"
        if kind != "floor" and raw.get(f"{name}_floor_ratio") is not None:
            # Paired rounds: each c8 round right after a floor round (bench/run.py).
            ratio = round(raw[f"{name}_floor_ratio"], 2)
            low, high = raw[f"{name}_floor_ratio_min"], raw[f"{name}_floor_ratio_max"]
            rounds = len(raw.get(f"{name}_c8_rps_rounds") or [])
            floor = (
                f"{_n(floor_rps)} req/s at c8 (median of floor runs); ratio = median of "
                f"{rounds} paired rounds, {low:.2f}-{high:.2f}"
            )
        elif kind != "floor" and rps8 and floor_rps:  # runs before the paired rounds
            ratio = round(rps8 / floor_rps, 2)
            floor = f"{_n(floor_rps)} req/s at c8"
        target, passed = "-", None
        sql_ratio = None
        if kind == "analytics" and raw.get(f"{name}_sql_p50_ms"):
            sql_ratio = raw.get(f"{name}_api_over_sql")
            floor += f"; SQL p50 {raw[f'{name}_sql_p50_ms']} ms (API/SQL {sql_ratio}x)"
        if kind == "single":
            target = f"p95 <= {SINGLE_P95_MS} ms at c1, >= {SINGLE_FLOOR_RATIO}x floor at c8"
            passed = _all_pass(_at_most(p95, SINGLE_P95_MS), _at_least(ratio, SINGLE_FLOOR_RATIO))
        elif kind == "analytics":
            target = f"p95 <= {ANALYTICS_P95_MS} ms at c1"
            checks = [_at_most(p95, ANALYTICS_P95_MS)]
            target += f", <= {ANALYTICS_SQL_RATIO:g}x its SQL"
            checks.append(_at_most(sql_ratio, ANALYTICS_SQL_RATIO))
            passed = _all_pass(*checks)
        rows.append(
            {
                "key": name,
                "label": label,
                "value": value,
                "number": rps8 if rps8 is not None else p95,
                "floor": floor,
                "ratio": ratio,
                "target": target,
                "pass": passed,
            }
        )
    return rows


def _row(key: str, label: str, value: str, number: Any, **more: Any) -> Row:
    return {
        "key": key,
        "label": label,
        "value": value,
        "number": number,
        "floor": more.get("floor", "-"),
        "ratio": more.get("ratio"),
        "target": more.get("target", "-"),
        "pass": more.get("passed"),
    }


# What the ingestion floor was: results before 2026-12-06 ran the API's upsert statement
# directly (its lookup of present keys planned badly on the floor's new partition), later
# ones COPY into a staging table + the same ON CONFLICT (bench/measures.py copy_upsert).
INGEST_FLOORS = {
    "": "the same upsert statement from 2 threads, direct",
    "copy": "the same rows by COPY + the same ON CONFLICT upsert, 2 connections",
}


def other_rows(raw: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    scale = raw.get("customers")
    if "ingest_rows_per_second" in raw:
        rate, floor = raw["ingest_rows_per_second"], raw.get("ingest_sql_floor_rows_per_second")
        ratio = round(rate / floor, 2) if rate and floor else None
        rows.append(
            _row(
                "ingest",
                "usage ingestion via HTTP API (10k-row batches, 2 clients, gunicorn -w 2)",
                f"{_n(rate)} rows/s (p50 batch {raw.get('ingest_batch_p50_ms')} ms)",
                rate,
                floor=f"{_n(floor)} rows/s ({INGEST_FLOORS[raw.get('ingest_sql_floor', '')]})",
                ratio=ratio,
                target=">= 50,000 rows/s and >= 0.4x",
                passed=_all_pass(_at_least(rate, 50_000), _at_least(ratio, 0.4)),
            )
        )
    if "recompute_seconds_median" in raw:
        seconds = raw["recompute_seconds_median"]
        floor = raw.get("recompute_select_sql_floor_seconds")
        limit = 10.0 * max(1.0, (scale or 10_000) / 10_000) * (1.05 if (scale or 0) > 10_000 else 1)
        rows.append(
            _row(
                "recompute",
                f"full health recompute ({_n(raw.get('recompute_customers'))} customers)",
                f"{seconds} s median, {raw.get('recompute_queries')} queries",
                seconds,
                floor=f"{_n(floor, 2)} s (its SELECTs re-run directly)",
                ratio=round(seconds / floor, 2) if seconds and floor else None,
                target=f"<= {limit:g} s (10 s at 10,000, linear growth x1.05)",
                passed=_at_most(seconds, limit),
            )
        )
    for key, label in (
        ("readiness", "expansion readiness scoring, all customers"),
        ("renewal_scoring", "renewal scoring, every customer's next renewal"),
    ):
        if f"{key}_seconds" in raw:
            rows.append(_row(key, label, f"{raw[f'{key}_seconds']} s", raw[f"{key}_seconds"]))
    if "relay_events_per_second" in raw:
        rows.append(
            _row(
                "relay",
                "event relay (health_changed events through every registered handler)",
                f"{_n(raw['relay_events_per_second'])} events/s "
                f"({_n(raw.get('relay_events'))} events)",
                raw["relay_events_per_second"],
            )
        )
    if "campaign_create_seconds_max" in raw:
        # Below 5,000 live customers no audience reaches 5,000 members: not judged there.
        big = (raw.get("campaign_size") or 0) >= 5_000
        ok = _below(raw["campaign_create_seconds_max"], 2) if big else None
        rows.append(
            _row(
                "campaign",
                f"campaign POST over {', '.join(raw['campaign_segments'])} "
                f"({_n(raw['campaign_size'])} members)",
                f"median {raw['campaign_create_seconds_median']} s, "
                f"max {raw['campaign_create_seconds_max']} s of 3",
                raw["campaign_create_seconds_max"],
                target="< 2 s over >= 5,000 members",
                passed=ok,
            )
        )
    rows.extend(admin_rows(raw))
    if "workflow_runs_per_minute" in raw:
        per_min, p95 = raw["workflow_runs_per_minute"], raw.get("workflow_done_p95_ms")
        rows.append(
            _row(
                "workflows",
                f"four-step workflow runs, one worker process ({raw.get('workflow_runs')} at "
                f"once for the rate; {raw.get('workflow_paced_runs', '-')} at 1/s for latency)",
                f"{_n(per_min)} runs/min; POST -> last step done p50 "
                f"{_ms(raw.get('workflow_done_p50_ms'))}, p95 {_ms(p95)}",
                per_min,
                target=">= 300 runs/min, p95 <= 2 s",
                passed=_all_pass(_at_least(per_min, 300), _at_most(p95, 2000)),
            )
        )
    if "webhook_lag_p95_ms" in raw:
        ok = _all_pass(_at_most(raw["webhook_lag_p95_ms"], 1000), not raw.get("webhook_missing"))
        rows.append(
            _row(
                "webhooks",
                f"webhook lag, commit to a healthy receiver's receipt ({raw['webhook_events']} "
                f"events at {raw['webhook_rate_per_second']:g}/s, a hung receiver too)",
                f"p50 {raw['webhook_lag_p50_ms']} ms, p95 {raw['webhook_lag_p95_ms']} ms, "
                f"p99 {raw['webhook_lag_p99_ms']} ms ({raw['webhook_missing']} missing)",
                raw["webhook_lag_p95_ms"],
                target="p95 <= 1 s",
                passed=ok,
            )
        )
    if "webhook_fast_lag_p95_ms" in raw:
        rows.append(
            _row(
                "webhooks_fast",
                f"the same at {raw['webhook_fast_rate_per_second']:g} events/s",
                f"p50 {raw['webhook_fast_lag_p50_ms']} ms, p95 {raw['webhook_fast_lag_p95_ms']} "
                f"ms, p99 {raw['webhook_fast_lag_p99_ms']} ms "
                f"({raw['webhook_fast_missing']} missing)",
                raw["webhook_fast_lag_p95_ms"],
            )
        )
    for key, label in (
        ("web", "peak RSS, web (largest gunicorn worker; all processes)"),
        ("worker", "peak RSS, Celery worker (largest process; all processes)"),
    ):
        if f"rss_{key}_max_mb" in raw:
            rows.append(
                _row(
                    f"rss_{key}",
                    label,
                    f"{raw[f'rss_{key}_max_mb']} MB; {raw.get(f'rss_{key}_total_mb')} MB",
                    raw[f"rss_{key}_max_mb"],
                )
            )
    return rows


ADMIN = {
    "admin_dashboard": "admin dashboard (the index)",
    "admin_customer_list": "admin customer list, risk-sorted (pages, sorts, filter, search)",
    "admin_customer_360": "admin customer 360 page",
    "admin_customer_change": "admin customer change page",
    "admin_health_scores": "admin health snapshots, latest per customer",
    "admin_tasks": "admin task list",
}


def admin_rows(raw: dict[str, Any]) -> list[Row]:
    rows = []
    for name, label in ADMIN.items():
        if f"{name}_p95_ms" not in raw:
            continue
        p95 = raw[f"{name}_p95_ms"]
        rows.append(
            _row(
                name,
                label,
                f"p50 {raw[f'{name}_p50_ms']} ms, p95 {p95} ms "
                f"({raw[f'{name}_requests']} requests)",
                p95,
                target="p95 < 300 ms",
                passed=_below(p95, 300),
            )
        )
    return rows


def rows_of(raw: dict[str, Any]) -> list[Row]:
    ingest = [r for r in other_rows(raw) if r["key"] in ("ingest", "recompute")]
    rest = [r for r in other_rows(raw) if r["key"] not in ("ingest", "recompute")]
    return [*ingest, *read_rows(raw), *rest]


# Which rows each measurement group must produce (the smoke check: every one a number).
GROUP_ROWS: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    "ingest": lambda raw: ["ingest"],
    "recompute": lambda raw: (
        ["recompute", "relay"]
        + [k for k in ("readiness", "renewal_scoring") if f"{k}_seconds" in raw]
    ),
    "reads": lambda raw: [*READS, "rss_web"],
    "marketing": lambda raw: ["campaign"],
    "admin": lambda raw: list(ADMIN),
    # The smoke run sends one rate only: the 30/s headroom row is not asked of it.
    "webhooks": lambda raw: ["webhooks"],
    "workflows": lambda raw: ["workflows", "rss_worker"],
}


def missing_numbers(raw: dict[str, Any], groups: list[str]) -> list[str]:
    """The measurements of these groups that produced no number."""
    numbers = {r["key"]: r["number"] for r in rows_of(raw)}
    wanted = [k for g in groups for k in GROUP_ROWS[g](raw)]
    return [k for k in wanted if not isinstance(numbers.get(k), int | float)]


# --- files ---------------------------------------------------------------------------------


def results_path(scale: int, day: str, where: Path = RESULTS, run: int = 1) -> Path:
    """`<scale>-<date>.json`; a day's later full runs `<scale>-<date>.<run>.json` (2, 3...),
    so a second run the same day (after a fix) keeps the first as its "before"."""
    return where / (f"{scale}-{day}.json" if run == 1 else f"{scale}-{day}.{run}.json")


def last_run(scale: int, day: str, where: Path = RESULTS) -> int:
    """The number of the day's last run at `scale` (0: none yet)."""
    run = 0
    while results_path(scale, day, where, run + 1).exists():
        run += 1
    return run


def load_all() -> list[dict[str, Any]]:
    found = []
    for path in sorted(RESULTS.glob("*.json")):
        named = re.fullmatch(r"\d+-\d{4}-\d{2}-\d{2}(?:\.(\d+))?\.json", path.name)
        if not named:
            continue
        data = json.loads(path.read_text())
        data["_file"] = path.name
        data["run"] = int(named.group(1) or 1)
        found.append(data)
    return sorted(found, key=lambda d: (d["scale"], d["date"], d["run"]))


def save(result: dict[str, Any], where: Path = RESULTS) -> Path:
    where.mkdir(parents=True, exist_ok=True)
    result["measurements"] = rows_of(result["raw"])
    path = results_path(result["scale"], result["date"], where, result.get("run", 1))
    path.write_text(json.dumps(result, indent=2) + "\n")
    return path


# The whole-population jobs (issue 17: "growth from 2,500 to 100,000 customers should be linear
# or better"; the recompute at 100,000 within 10.5x its time at 10,000) -> their raw seconds.
WORK = {
    "full health recompute": "recompute_seconds_median",
    "expansion readiness scoring": "readiness_seconds",
    "renewal scoring": "renewal_scoring_seconds",
}
LINEAR_SLACK = 1.05  # "linear" allows 5% over proportional growth (the 10.5x per 10x)
SCALES = (2_500, 10_000, 40_000, 100_000)  # the issue's; smaller trial runs are left out


def growth(points: dict[int, float]) -> float | None:
    """Seconds-per-customer at the largest scale ÷ at the smallest: <= LINEAR_SLACK is linear
    or better. None below two scales."""
    if len(points) < 2:
        return None
    low, high = min(points), max(points)
    return round((points[high] / high) / (points[low] / low), 2)


def machine_key(run: dict[str, Any]) -> tuple[Any, ...]:
    """What makes two runs' seconds comparable: the same machine (SAME_MACHINE_KEYS)."""
    m = run.get("machine") or {}
    return tuple(m.get(key) for key in SAME_MACHINE_KEYS)


def scaling_table(results: list[dict[str, Any]]) -> list[str]:
    """Per machine measured at two scales or more: each whole-population job's seconds at
    every scale (the latest run there that timed it), its growth against linear, and the
    recompute's 100,000 vs 10,000 check. Seconds from different machines are never set
    side by side: a slower machine's 10,000 beside a faster one's 100,000 says nothing."""
    by_machine: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for r in results:  # sorted by scale, date, run
        if not r.get("smoke") and r["scale"] in SCALES:
            by_machine.setdefault(machine_key(r), []).append(r)
    lines: list[str] = []
    for runs in by_machine.values():
        scales = sorted({r["scale"] for r in runs})
        if len(scales) < 2:
            continue
        if not lines:
            lines += [
                "## Across scales",
                "",
                "Per machine, seconds at each scale's latest run that timed the job; growth = "
                "seconds per customer at the largest scale ÷ at the smallest (<= "
                f"{LINEAR_SLACK:g}: linear or better). The health recompute at 100,000 is also "
                f"held to {LINEAR_SLACK * 10:g}x its time at 10,000.",
                "",
            ]
        head = "| job | " + " | ".join(f"{s:,}" for s in scales) + " | growth vs linear | pass |"
        lines += [
            f"Machine: {machine_text(runs[-1].get('machine', {}))}; runs of "
            + ", ".join(sorted({r["date"] for r in runs}))
            + ".",
            "",
            head,
            "|---|" + "---|" * (len(scales) + 2),
        ]
        latest: dict[int, dict[str, Any]] = {}
        for label, key in WORK.items():
            points: dict[int, float] = {}
            for r in runs:  # the last run at a scale with the job wins
                value = r["raw"].get(key)
                if isinstance(value, int | float) and value > 0:
                    points[r["scale"]] = value
                    latest[r["scale"]] = r
            ratio = growth(points)
            checks = [_at_most(ratio, LINEAR_SLACK)]
            if key == "recompute_seconds_median" and 10_000 in points and 100_000 in points:
                checks.append(_at_most(points[100_000], LINEAR_SLACK * 10 * points[10_000]))
            cells = " | ".join(f"{points[s]:g} s" if s in points else "-" for s in scales)
            shown = "-" if ratio is None else f"{ratio}x"
            lines.append(f"| {label} | {cells} | {shown} | {_mark(_all_pass(*checks))} |")
        rows = " | ".join(
            _n(latest[s]["raw"].get("usage_rows")) if s in latest else "-" for s in scales
        )
        lines += [f"| (usage rows in the data set) | {rows} | - | - |", ""]
    return lines


def _mark(passed: bool | None) -> str:
    return {True: "✅ pass", False: "❌ fail", None: "-"}[passed]


def table(raw: dict[str, Any], before: dict[str, Any] | None = None) -> list[str]:
    """The rows; with `before` (an earlier run at the same scale) its value beside each."""
    earlier = {r["key"]: r["value"] for r in rows_of(before["raw"])} if before else {}
    head = "| measurement | value | floor | ratio | target | pass |"
    if before:
        run = f" run {before['run']}" if before.get("run", 1) > 1 else ""
        head += f" before ({before['date']}{run}, {before.get('commit') or '-'}) |"
    lines = [head, "|---|---|---|---|---|---|" + ("---|" if before else "")]
    for row in rows_of(raw):
        ratio = "-" if row["ratio"] is None else f"{row['ratio']}x"
        line = (
            f"| {row['label']} | {row['value']} | {row['floor']} | {ratio} | "
            f"{row['target']} | {_mark(row['pass'])} |"
        )
        if before:
            line += f" {earlier.get(row['key'], '-')} |"
        lines.append(line)
    return lines


def write_report() -> None:
    results = load_all()
    latest: dict[int, dict[str, Any]] = {}
    previous: dict[int, dict[str, Any]] = {}
    for r in results:
        if not r.get("smoke"):
            if r["scale"] in latest:
                previous[r["scale"]] = latest[r["scale"]]
            latest[r["scale"]] = r  # sorted by date: the last one wins
    lines = [
        "# Benchmark report",
        "",
        "Generated by `make bench` (bench/run.py) from every `bench/results/<scale>-<date>.json`; "
        "edit the code, not this file. Ratios: an HTTP read's req/s at concurrency 8 ÷ the "
        "framework floor's (`GET /api/v1/me`, authenticated, reads nothing) in the same run; "
        "ingestion ÷ the same rows by COPY + the same upsert, direct; recompute ÷ its SELECTs "
        "re-run directly. "
        "c1/c8: one or eight concurrent clients (bench/load.py, a separate process) against "
        "gunicorn with 2 workers (config/gunicorn.conf.py). Targets from issue 17, read at "
        "10,000 customers on the 2-core machine.",
        "",
        "![latency vs scale](charts/latency.png) ![throughput vs scale](charts/throughput.png) "
        "![whole-population jobs vs scale](charts/work.png)",
        "",
    ]
    for scale in sorted(latest):
        r = latest[scale]
        raw = r["raw"]
        dates = sorted(
            {v for k, v in raw.items() if k.endswith("_date") and isinstance(v, str)} - {r["date"]}
        )
        lines += [
            f"## {scale:,} customers, {r['date']}",
            "",
            f"Machine: {machine_text(r.get('machine', {}))}. Commit {r.get('commit') or '-'}. "
            f"Data: {_n(raw.get('customers'))} customers, {_n(raw.get('usage_rows'))} usage "
            f"rows (database `{r.get('database', '-')}`)"
            + (f"; some groups measured on {', '.join(dates)}" if dates else "")
            + (
                f"; 1-minute load average {raw['load_average_1m'][0]} at the start, "
                f"{raw['load_average_1m'][1]} at the end (2 cores, shared)"
                if raw.get("load_average_1m")
                else ""
            )
            + ".",
            "",
            *table(raw, previous.get(scale)),
            "",
        ]
        if r.get("notes"):
            lines += [str(r["notes"]), ""]
    lines += scaling_table(results)
    lines += [
        "## Every run",
        "",
        "| file | scale | date | smoke | measurements passing |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        rows = rows_of(r["raw"])
        judged = [x for x in rows if x["pass"] is not None]
        passing = sum(1 for x in judged if x["pass"])
        lines.append(
            f"| [{r['_file']}](results/{r['_file']}) | {r['scale']:,} | {r['date']} | "
            f"{'yes' if r.get('smoke') else 'no'} | {passing} of {len(judged)} |"
        )
    lines.append("")
    REPORT.write_text("\n".join(lines))
