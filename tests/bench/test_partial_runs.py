"""bench/report.adds_to: a partial run (--only) adds its groups to the day's last run only
when that run was at the same commit on the same machine; otherwise it is a run of its own
(a new session's machine on the same date once filed its reads under another machine's
header and commit)."""

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import report

MACHINE = {
    "cpu": "AMD EPYC",
    "cores": 2,
    "memory_gb": 23.5,
    "postgresql": "15.20",
    "python": "3.11.7",
    "python_loop_seconds": 0.138,
}


def _run(commit: str = "abc1234", **machine: Any) -> dict[str, Any]:
    return {"commit": commit, "machine": {**MACHINE, **machine}, "raw": {}}


def test_the_same_commit_and_machine_adds_to_the_run() -> None:
    # The Python loop's time varies from run to run on one machine: not a different machine.
    assert report.adds_to(_run(), "abc1234", {**MACHINE, "python_loop_seconds": 0.15})


def test_another_commit_or_machine_is_a_run_of_its_own() -> None:
    assert not report.adds_to(_run(), "def5678", MACHINE)
    assert not report.adds_to(_run(cpu="Intel(R) Xeon(R) Processor"), "abc1234", MACHINE)
    assert not report.adds_to(_run(cores=4), "abc1234", MACHINE)
    assert not report.adds_to(_run(memory_gb=16.0), "abc1234", MACHINE)
    assert not report.adds_to(_run(postgresql="16.4"), "abc1234", MACHINE)
    assert not report.adds_to({"raw": {}}, "abc1234", MACHINE)  # an older file: no header


def _timed(scale: int, seconds: float, cpu: str, date: str = "2026-12-06") -> dict[str, Any]:
    return {
        "scale": scale,
        "date": date,
        "run": 1,
        "machine": {**MACHINE, "cpu": cpu},
        "raw": {"recompute_seconds_median": seconds, "usage_rows": scale * 350},
    }


def test_growth_across_scales_is_per_machine() -> None:
    # The fast machine: 1 s at 2,500, 4 s at 10,000 -> per customer 4/10,000 ÷ 1/2,500 = 1.0.
    # The slow one, measured at 10,000 only, is not set beside it (no table of its own).
    # A third machine: 2 s at 2,500, 10 s at 10,000 -> 10/10,000 ÷ 2/2,500 = 1.25: not linear.
    runs = [
        _timed(2_500, 1.0, "fast"),
        _timed(2_500, 2.0, "third"),
        _timed(10_000, 4.0, "fast"),
        _timed(10_000, 7.5, "slow"),
        _timed(10_000, 10.0, "third"),
    ]
    text = "\n".join(report.scaling_table(runs))
    fast, third = text.split("Machine: fast")[1], text.split("Machine: third")[1]
    assert "Machine: slow" not in text
    assert "7.5 s" not in text
    assert "| full health recompute | 1 s | 4 s | 1.0x | ✅ pass |" in fast.split("Machine:")[0]
    assert "| full health recompute | 2 s | 10 s | 1.25x | ❌ fail |" in third
    assert report.scaling_table([_timed(10_000, 4.0, "fast")]) == []
