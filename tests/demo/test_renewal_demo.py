"""The demo's renewal history (demo.renewals): add-ons renewed or left to expire on the signals
of 90 days before, enough resolved renewals for a fit, and a fitted version that beats the
prior on its hold-out.

The demo is seeded once, on a pinned day (the draws depend on the calendar: add-on terms start
on the first of a month), so the figures are the same on every run; one test checks it all, so
the seed (about ten seconds) runs once and rolls back with the test's transaction."""

import math
from datetime import UTC, date, datetime, timedelta
from statistics import mean
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Min
from django.utils import timezone

from customers.models import Customer, HealthScore
from demo import context as demo
from demo.renewals import ADDON_TERMS, reset_renewal_model
from finance.models import Contract, RenewalModelEvaluation, RenewalModelVersion
from finance.renewals.features import Observation, feature_rows

NOW = datetime(2026, 8, 22, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
CUSTOMERS = 200
LOST = ("churned", "expired")


@pytest.mark.django_db
def test_renewal_history_and_the_model_fitted_on_it(
    monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    call_command("seed_demo", "--customers", str(CUSTOMERS), "--no-progress")
    assert "activated" in capsys.readouterr().out
    _addons_renew_or_expire_term_after_term()
    _outcomes_follow_the_stories_and_the_signals_of_90_days_before()
    _enough_resolved_renewals_for_a_fit()
    _the_seed_fits_a_version_that_beats_the_prior_on_its_holdout()
    _an_existing_demo_without_a_fitted_version_gets_one(capsys)


def _months_later(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return day.replace(year=index // 12, month=index % 12 + 1)


def _addons_renew_or_expire_term_after_term() -> None:
    addons = list(
        Contract.objects.filter(contract_id__contains="_addon_")
        .select_related("customer", "renewed_from")
        .order_by("contract_id")
    )
    assert addons
    assert {c.term for c in addons} == {f"{m}_month" for m in ADDON_TERMS}
    for contract in addons:
        months = int(contract.term.split("_")[0])
        assert contract.start_date.day == 1 or contract.renewed_from is not None
        if contract.status == "churned":
            churned_at = contract.customer.churned_at
            assert churned_at is not None
            assert contract.end_date == max(
                churned_at.date(), contract.start_date + timedelta(days=1)
            )
        else:
            assert contract.end_date == _months_later(contract.start_date, months) - timedelta(1)
            # every term ends where its signals of 90 days before are in the seeded history
            # (52 weeks of health); only a churn can come earlier
            assert contract.end_date - timedelta(days=90) >= TODAY - timedelta(weeks=52)
        if contract.status == "active":
            assert contract.end_date >= TODAY
        else:
            assert contract.end_date <= TODAY
        if contract.renewed_from is not None:
            previous = contract.renewed_from
            assert previous.status == "renewed"
            assert previous.customer_id == contract.customer_id
            assert contract.start_date == previous.end_date + timedelta(days=1)
    # an expired or churned add-on is the end of its chain; none for onboarding accounts
    assert not Contract.objects.filter(
        contract_id__contains="_addon_", renewed_from__status__in=LOST
    ).exists()
    stories = {demo.story(c.customer) for c in addons}
    assert demo.NEW not in stories


def _outcomes_follow_the_stories_and_the_signals_of_90_days_before() -> None:
    decided = list(
        Contract.objects.filter(
            contract_id__contains="_addon_", status__in=["renewed", *LOST]
        ).select_related("customer")
    )
    rate: dict[str, list[int]] = {}
    for contract in decided:
        rate.setdefault(demo.story(contract.customer), []).append(int(contract.status == "renewed"))
    healthy = mean(rate[demo.HEALTHY])
    assert healthy > mean(rate[demo.DECLINING])
    assert healthy > mean(rate[demo.LATE_PAYER])
    assert 0 < mean(rate[demo.DECLINING]) < 1  # not deterministic
    # renewed add-ons looked healthier 90 days before their end than lost ones
    rows = feature_rows(
        [
            Observation(c.pk, c.customer_id, c.end_date - timedelta(days=90), c.end_date)
            for c in decided
        ]
    )
    health = {
        label: [
            rows[c.pk]["health_score"] or 0.0
            for c in decided
            if (c.status == "renewed") == label and rows[c.pk]["health_score"] is not None
        ]
        for label in (True, False)
    }
    assert mean(health[True]) > mean(health[False]) + 5


def _enough_resolved_renewals_for_a_fit() -> None:
    resolved = Contract.objects.filter(status__in=["renewed", *LOST], end_date__lte=TODAY).count()
    lost = Contract.objects.filter(status__in=LOST, end_date__lte=TODAY).count()
    assert resolved >= 200
    assert 0.05 * resolved < lost < 0.4 * resolved
    assert Customer.objects.count() == CUSTOMERS


def _usable_renewals() -> int:
    """Resolved renewals whose customer had a health snapshot by the observation day (90 days
    before the end): the fit leaves the others out (no history, no signal)."""
    first = dict(
        HealthScore.objects.values("customer_id")
        .annotate(first=Min("as_of"))
        .values_list("customer_id", "first")
    )
    ends = Contract.objects.filter(status__in=["renewed", *LOST], end_date__lte=TODAY).values_list(
        "customer_id", "end_date"
    )
    return sum(
        1
        for customer, end in ends
        if customer in first and first[customer] <= end - timedelta(days=90)
    )


def _the_seed_fits_a_version_that_beats_the_prior_on_its_holdout() -> None:
    resolved = _usable_renewals()
    assert resolved >= 200
    active = RenewalModelVersion.objects.get(is_active=True)
    assert active.kind == "fitted"
    holdout = math.ceil(0.2 * resolved)
    assert active.training_size == resolved - holdout
    assert active.trained_until is not None
    assert active.trained_until <= TODAY
    fitted = RenewalModelEvaluation.objects.get(model_version=active)
    prior = RenewalModelEvaluation.objects.get(model_version__kind="prior")
    # both scored on the same hold-out: the latest 20 % of decisions
    assert fitted.sample_size == prior.sample_size == holdout
    assert (fitted.holdout_from, fitted.holdout_until) == (prior.holdout_from, prior.holdout_until)
    assert fitted.brier_score < prior.brier_score
    assert fitted.brier_score < fitted.baseline_brier_score
    assert fitted.log_loss < prior.log_loss
    assert fitted.auc is not None
    assert fitted.auc > 0.7


def _an_existing_demo_without_a_fitted_version_gets_one(capsys: Any) -> None:
    reset_renewal_model()  # as a demo seeded before the seed fitted one
    assert RenewalModelVersion.objects.get(is_active=True).kind == "prior"
    call_command("seed_demo", "--if-empty", "--no-progress")
    assert RenewalModelVersion.objects.get(is_active=True).kind == "fitted"
    assert "activated" in capsys.readouterr().out
    # once there is one, `make run` leaves the versions alone
    call_command("seed_demo", "--if-empty", "--no-progress")
    assert RenewalModelVersion.objects.filter(kind="fitted").count() == 1
