"""Fit runs at the edges (README, "Finance: renewal model"): a minimum below 2 is refused (one
renewal left nothing to train on: ZeroDivisionError), and a run dated before the active
version's training (`--as-of` in the past) does not replace that version's published
calibration with an in-sample one."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from finance.models import RenewalModelEvaluation, RenewalModelVersion
from finance.renewals.calibration_read import renewal_calibration
from finance.renewals.services import renewal_model_fit
from integrations.domain_errors import Invalid
from tests.finance.renewals.outcomes import FIRST_END, FIT_DAY, build_outcomes

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("minimum", [1, 0, -1])
def test_a_minimum_below_two_is_refused(minimum: int) -> None:
    build_outcomes(1)
    with pytest.raises(Invalid, match="min_outcomes must be at least 2"):
        renewal_model_fit(as_of=FIT_DAY, min_outcomes=minimum)
    with pytest.raises(CommandError, match="min_outcomes must be at least 2"):
        call_command("fit_renewal_model", "--min-outcomes", str(minimum), "--no-progress")
    assert RenewalModelVersion.objects.count() == 1


def test_a_back_dated_run_keeps_the_active_calibration_out_of_sample() -> None:
    build_outcomes(221)  # 5 decisions every 5 days from 2025-01-01
    first = renewal_model_fit(as_of=FIT_DAY, activate="always")
    assert (first.new_version, first.active_version) == (2, 2)
    fitted = RenewalModelVersion.objects.get(version=2)
    published = renewal_calibration(FIT_DAY)["evaluation"]
    assert published["holdout_from"] >= fitted.trained_until  # split within its last day
    # 100 decisions (to 2025-04-06): the latest 20 are inside version 2's training.
    back = FIRST_END + timedelta(days=5 * 19)
    report = renewal_model_fit(as_of=back, min_outcomes=500, activate="never")
    assert report.holdout_from is not None
    assert fitted.trained_until is not None
    assert report.holdout_from < fitted.trained_until
    by_role = {score.role: score for score in report.scores}
    assert by_role["active"].in_sample is True
    assert by_role["prior"].in_sample is False
    # Only the prior's evaluation is stored; version 2 still publishes its own hold-out.
    assert RenewalModelEvaluation.objects.filter(model_version=fitted).count() == 1
    assert renewal_calibration(FIT_DAY)["evaluation"] == published
    assert date(2025, 4, 6) == back


def test_the_command_marks_an_in_sample_score() -> None:
    build_outcomes(221)
    renewal_model_fit(as_of=FIT_DAY, activate="always")
    out = StringIO()
    back = (FIRST_END + timedelta(days=5 * 19)).isoformat()
    args = ("--as-of", back, "--min-outcomes", "500", "--activate", "never", "--no-progress")
    call_command("fit_renewal_model", *args, stdout=out)
    assert "  v2 (active, fitted): Brier 0." in out.getvalue()
    assert "[in-sample: trained on this hold-out; not stored]" in out.getvalue()
