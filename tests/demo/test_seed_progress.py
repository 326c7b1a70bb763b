"""Seed progress bars name their unit and, where it is known in advance, the total."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.core.management import call_command

from demo.context import Progress
from demo.seed import seed_demo

pytestmark = pytest.mark.django_db


def test_each_bar_counts_in_its_unit() -> None:
    seen: dict[str, dict[str, Any]] = {}

    @contextmanager
    def bar(name: str, *, unit: str = "rows", total: int | None = None) -> Iterator[Progress]:
        entry = seen[name] = {"unit": unit, "total": total, "counted": 0}

        def update(n: int) -> None:
            entry["counted"] += n

        yield update

    seed_demo(count=7, seed=3, health_weeks=2, reset=False, bar=bar)
    # the customers bar: 7 customers of 7 (not the CSMs, people and plans around them)
    assert seen["customers"] == {"unit": "customers", "total": 7, "counted": 7}
    assert seen["renewal model"]["unit"] == "renewals"
    assert all(entry["unit"] not in {"it", "row"} for entry in seen.values())


def test_the_command_shows_the_customers_total(capsys: Any) -> None:
    call_command("seed_demo", "--customers", "6", "--health-weeks", "0")
    err = capsys.readouterr().err
    assert "customers: 100%" in err
    assert "6/6" in err
    assert " rows" in err  # the other steps name their unit too
