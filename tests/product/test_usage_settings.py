"""USAGE_RETENTION_MONTHS and USAGE_PARTITION_MONTHS_AHEAD are checked when the settings load
(README "Configuration"): a value out of range used to be accepted (retention 1 planned to drop
35 months, 1,000 months ahead planned 1,000 partitions) or to crash the nightly maintenance."""

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings.base import _env_int_in
from product.lookback import LONGEST_LOOKBACK_DAYS, MIN_RETENTION_MONTHS, months_covering

ROOT = Path(__file__).resolve().parents[2]


def test_the_least_retention_covers_the_longest_look_back() -> None:
    # 365 decision days + 90 lead + a 365-day window.
    assert LONGEST_LOOKBACK_DAYS == 820
    # The shortest 27 months: 2021-02-01..2023-05-01 (two years, then Feb, Mar, Apr) = 819
    # days, one short; 28 months are never shorter than 850 (two years and Feb..May).
    assert (date(2023, 5, 1) - date(2021, 2, 1)).days == 819
    assert (date(2023, 6, 1) - date(2021, 2, 1)).days == 850
    assert MIN_RETENTION_MONTHS == months_covering(820) == 28
    assert months_covering(819) == 27
    assert (months_covering(59), months_covering(60)) == (2, 3)  # Feb + Mar = 59 days


@pytest.mark.parametrize(
    ("value", "expected"),
    [("28", 28), ("1200", 1200), (" 36 ", 36), (None, 36)],
)
def test_retention_in_range_is_read(
    monkeypatch: pytest.MonkeyPatch, value: str | None, expected: int
) -> None:
    if value is None:
        monkeypatch.delenv("USAGE_RETENTION_MONTHS", raising=False)
    else:
        monkeypatch.setenv("USAGE_RETENTION_MONTHS", value)
    assert _env_int_in("USAGE_RETENTION_MONTHS", 36, 28, 1200) == expected


@pytest.mark.parametrize("value", ["27", "1", "0", "-1", "1201", "abc", "1e3", "--1", "²", ""])
def test_retention_out_of_range_is_refused(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("USAGE_RETENTION_MONTHS", value)
    with pytest.raises(ImproperlyConfigured) as refused:
        _env_int_in("USAGE_RETENTION_MONTHS", 36, 28, 1200)
    assert str(refused.value) == (
        f"USAGE_RETENTION_MONTHS={value!r}: must be a whole number from 28 to 1200."
    )


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE"))}
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings.test", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "USAGE_RETENTION_MONTHS",
            "1",
            "USAGE_RETENTION_MONTHS='1': must be a whole number from 28 to 1200 (at least the "
            "820 days the adoption analytics read back).",
        ),
        (
            "USAGE_PARTITION_MONTHS_AHEAD",
            "1000",
            "USAGE_PARTITION_MONTHS_AHEAD='1000': must be a whole number from 1 to 24.",
        ),
        (
            "USAGE_PARTITION_MONTHS_AHEAD",
            "-1",
            "USAGE_PARTITION_MONTHS_AHEAD='-1': must be a whole number from 1 to 24.",
        ),
    ],
)
def test_the_settings_refuse_to_load(variable: str, value: str, message: str) -> None:
    """The command (and any process: the worker's task too) stops at startup with the reason,
    not with a ValueError traceback in the nightly run."""
    result = _manage("usage_partitions", **{variable: value})
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {message}" in result.stderr
    assert "ValueError" not in result.stderr
