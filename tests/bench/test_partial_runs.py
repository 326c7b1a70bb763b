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
