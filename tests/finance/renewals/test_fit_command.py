"""`manage.py fit_renewal_model` and the monthly beat task."""

from io import StringIO

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core.management import CommandError, call_command

from finance.models import Contract, RenewalModelVersion
from finance.tasks import fit_renewal_model
from tests.finance.renewals.outcomes import build_outcomes

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("fit_renewal_model", *args, "--no-progress", stdout=out)
    return out.getvalue()


def test_the_command_fits_and_prints_the_comparison() -> None:
    build_outcomes(221)
    out = run("--as-of", "2026-01-01", "--activate", "never")
    assert "Resolved renewals by 2026-01-01: 221 (training 176, hold-out 45" in out
    assert "Fitted version 2." in out
    assert "days_to_end" in out
    assert "  v2 (new, fitted): Brier 0." in out
    assert "  v1 (prior, prior): Brier 0." in out
    assert "  baseline (training renewal rate 0." in out
    assert out.rstrip().endswith("Version 2 not activated. Active version: 1.")
    assert RenewalModelVersion.objects.filter(version=2, is_active=False).exists()


def test_the_command_says_why_nothing_was_fitted() -> None:
    build_outcomes(30)
    out = run("--as-of", "2026-01-01", "--min-outcomes", "31")
    assert (
        "No new version: 30 resolved renewals with a health snapshot by their observation day "
        "(30 resolved); 31 needed to fit." in out
    )
    assert "  v1 (active, prior)" not in out  # the prior is named by its role "prior"
    assert "  v1 (prior, prior): Brier" in out
    assert out.rstrip().endswith("Active version: 1.")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as-of", "01/01/2026"], "--as-of must be a date YYYY-MM-DD"),
        (["--min-outcomes", "0"], "min_outcomes must be at least 2"),
        (["--min-outcomes", "1"], "min_outcomes must be at least 2"),
        (["--activate", "sometimes"], "invalid choice: 'sometimes'"),
    ],
)
def test_bad_options_are_refused(args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_the_task_fits_and_runs_monthly() -> None:
    build_outcomes(221)
    assert fit_renewal_model.apply().get() == 2
    entry = settings.CELERY_BEAT_SCHEDULE["fit-renewal-model-monthly"]
    assert entry["task"] == "finance.fit_renewal_model"
    assert entry["schedule"] == crontab(day_of_month=1, hour=3, minute=0)


def test_a_refusal_is_a_command_error() -> None:
    build_outcomes(30)
    Contract.objects.update(status="churned")
    with pytest.raises(CommandError, match="all of one outcome"):
        run("--as-of", "2026-01-01", "--min-outcomes", "10")
