"""renewal_model_fit end to end on database rows, the activation rule, choosing the active
version and editing the prior."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.models import HealthScore
from finance.errors import (
    RenewalModelVersionNotFound,
    RenewalPriorInvalid,
    RenewalTrainingOneClass,
)
from finance.models import Contract, RenewalModelEvaluation, RenewalModelVersion
from finance.renewals import selectors
from finance.renewals.features import Observation, feature_rows
from finance.renewals.prior import PRIOR_TERMS
from finance.renewals.services import (
    holdout_size,
    renewal_model_activate,
    renewal_model_fit,
    renewal_prior_update,
)
from integrations.domain_errors import Invalid
from tests.finance.renewals.outcomes import FIRST_END, FIT_DAY, build_outcomes

pytestmark = pytest.mark.django_db


def evaluations(version: int) -> list[RenewalModelEvaluation]:
    return list(RenewalModelEvaluation.objects.filter(model_version__version=version))


def test_holdout_is_the_latest_fifth_rounded_up() -> None:
    assert [holdout_size(n) for n in (10, 200, 220, 221, 224, 225)] == [2, 40, 44, 45, 45, 45]


def test_a_fit_stores_a_version_scored_with_the_prior_on_the_same_holdout() -> None:
    contracts = build_outcomes(221)
    with CaptureQueriesContext(connection) as queries:
        report = renewal_model_fit(as_of=FIT_DAY)
    with CaptureQueriesContext(connection) as features:  # a fixed number per distinct day
        feature_rows([Observation(c.pk, c.customer_id, c.end_date, c.end_date) for c in contracts])
    # The rest (outcomes, version, two evaluations, activation) is a fixed handful: no query
    # per renewal.
    assert len(queries) - len(features) <= 16, len(queries) - len(features)
    assert (report.outcomes, report.training_size, report.holdout_size) == (221, 176, 45)
    assert report.reason == ""
    # 5 contracts end every 5 days: the hold-out is the last 45 by (end_date, pk): 9 days.
    assert report.holdout_until == FIRST_END + timedelta(days=5 * 44)
    assert report.holdout_from == FIRST_END + timedelta(days=5 * 35)
    train = contracts[:176]
    assert report.baseline_rate == sum(c.status == "renewed" for c in train) / 176

    new = RenewalModelVersion.objects.get(version=2)
    assert report.new_version == 2
    assert (new.kind, new.training_size) == ("fitted", 176)
    assert (new.trained_from, new.trained_until) == (FIRST_END, contracts[175].end_date)
    assert next(t["feature"] for t in new.terms) == "health_score"
    assert new.terms[0]["coefficient"] > 0  # health drives renewal in the data
    assert "days_to_end" in new.notes  # constant in training, not learnt
    assert "days_to_end" in report.constant_features

    # The new version and the prior (also the active one), on the same 45 renewals.
    mine, prior = evaluations(2), evaluations(1)
    assert (len(mine), len(prior)) == (1, 1)
    renewed = sum(c.status == "renewed" for c in contracts[176:])
    for found in (mine[0], prior[0]):
        assert (found.sample_size, found.renewed) == (45, renewed)
        assert (found.holdout_from, found.holdout_until) == (
            report.holdout_from,
            report.holdout_until,
        )
        assert sum(row["count"] for row in found.calibration) == 45
    assert [(s.version, s.role) for s in report.scores] == [(2, "new"), (1, "prior")]
    # The prior believes in an 82 % base rate; the data renew about half the time.
    assert mine[0].brier_score < prior[0].brier_score
    assert mine[0].brier_score < mine[0].baseline_brier_score
    assert report.activated
    assert report.active_version == 2
    assert selectors.active_model_version() == new
    assert selectors.latest_evaluation(new) == mine[0]
    assert selectors.latest_evaluation(1) == prior[0]


def test_too_few_outcomes_fit_nothing_but_score_the_active_version() -> None:
    build_outcomes(30)
    report = renewal_model_fit(as_of=FIT_DAY)
    assert report.new_version is None
    assert report.reason == (
        "30 resolved renewals with a health snapshot by their observation day (30 resolved); "
        "200 needed to fit"
    )
    assert (report.training_size, report.holdout_size) == (24, 6)
    assert not report.activated
    assert report.active_version == 1
    assert RenewalModelVersion.objects.count() == 1
    assert [e.sample_size for e in evaluations(1)] == [6]
    assert [(s.version, s.role) for s in report.scores] == [(1, "prior")]


def test_under_ten_outcomes_nothing_is_scored() -> None:
    build_outcomes(9)
    report = renewal_model_fit(as_of=FIT_DAY, min_outcomes=200)
    assert report.reason == (
        "9 resolved renewals with a health snapshot by their observation day (9 resolved); "
        "200 needed to fit"
    )
    assert report.scores == ()
    assert RenewalModelEvaluation.objects.count() == 0


def test_decisions_after_as_of_are_left_out() -> None:
    build_outcomes(30)
    report = renewal_model_fit(as_of=FIRST_END + timedelta(days=5 * 3))  # days 0..3
    assert report.outcomes == 20
    assert selectors.resolved_renewal_count(FIRST_END + timedelta(days=5 * 3)) == 20
    assert selectors.resolved_renewal_count() == 30


def test_activation_rule() -> None:
    build_outcomes(221)
    never = renewal_model_fit(as_of=FIT_DAY, activate="never")
    assert (never.new_version, never.activated, never.active_version) == (2, False, 1)
    # Same data, same fit: v3 scores as v2 does, not strictly better, so v2 stays active.
    renewal_model_activate(version=2)
    same = renewal_model_fit(as_of=FIT_DAY)
    assert (same.new_version, same.activated, same.active_version) == (3, False, 2)
    assert [(s.version, s.role) for s in same.scores] == [(3, "new"), (1, "prior"), (2, "active")]
    assert same.scores[0].evaluation.brier_score == same.scores[2].evaluation.brier_score
    always = renewal_model_fit(as_of=FIT_DAY, activate="always")
    assert (always.new_version, always.activated, always.active_version) == (4, True, 4)
    assert list(RenewalModelVersion.objects.filter(is_active=True).values_list("version")) == [(4,)]


def test_an_unknown_activation_rule_is_refused() -> None:
    with pytest.raises(Invalid) as raised:
        renewal_model_fit(activate="sometimes")
    assert raised.value.attr == "activate"


def test_activate_a_version() -> None:
    build_outcomes(221)
    renewal_model_fit(as_of=FIT_DAY, activate="never")
    assert renewal_model_activate(version=2).is_active
    assert list(RenewalModelVersion.objects.filter(is_active=True).values_list("version")) == [(2,)]
    renewal_model_activate(version=2)  # already active: nothing changes
    renewal_model_activate(version=1)
    assert selectors.active_model_version().version == 1  # type: ignore[union-attr]
    with pytest.raises(RenewalModelVersionNotFound):
        renewal_model_activate(version=99)


def test_prior_update_writes_the_prior_in_feature_order() -> None:
    terms = [dict(t) for t in reversed(PRIOR_TERMS)]
    terms[0] = {**terms[0], "coefficient": -0.5}  # segment_small_business, listed first here
    prior = renewal_prior_update(intercept=2, terms=terms)
    prior.refresh_from_db()
    assert prior.version == 1
    assert prior.intercept == 2.0
    assert prior.terms[0]["feature"] == "health_score"
    assert prior.terms[-1] == {
        "feature": "segment_small_business",
        "coefficient": -0.5,
        "mean": 0.0,
        "scale": 1.0,
    }


def test_prior_update_refuses_a_bad_prior() -> None:
    terms = [{**t, "scale": 0} if t["feature"] == "health_score" else dict(t) for t in PRIOR_TERMS]
    with pytest.raises(RenewalPriorInvalid) as raised:
        renewal_prior_update(intercept=1.5, terms=[*terms[1:], terms[0]])
    assert raised.value.attr == "terms"
    assert raised.value.message == "health_score: scale must be greater than 0."
    assert RenewalModelVersion.objects.get(version=1).terms[0]["scale"] == 15.0


def test_training_renewals_of_one_outcome_are_refused() -> None:
    build_outcomes(30)
    Contract.objects.update(status="renewed")
    with pytest.raises(RenewalTrainingOneClass) as raised:
        renewal_model_fit(as_of=FIT_DAY, min_outcomes=10)
    assert raised.value.code == "renewal_training_one_class"
    assert RenewalModelVersion.objects.count() == 1


def test_renewals_observed_before_any_health_snapshot_are_left_out() -> None:
    """Three resolved contracts whose customers have no snapshot by the observation day (90
    days before the end) carry no signal: they are neither trained on nor held out."""
    build_outcomes(30)
    for contract in build_outcomes(3, prefix="bare", seed=5):
        HealthScore.objects.filter(customer_id=contract.customer_id).delete()
    report = renewal_model_fit(as_of=FIT_DAY)
    assert report.outcomes == 30
    assert report.training_size + report.holdout_size == 30
    assert "(33 resolved)" in report.reason
