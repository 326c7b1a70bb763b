"""GET /api/v1/cs-finance/renewal-calibration (README, "Finance: renewals due and
calibration"): the active version, its basis and reason, the latest stored evaluation with its
calibration table, the scope and a fixed number of queries."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from finance.api import renewal_views
from finance.models import RenewalModelEvaluation, RenewalModelVersion
from finance.renewals.prior import PRIOR_INTERCEPT, PRIOR_TERMS
from tests.conftest import MakeClient
from tests.customers.factories import CustomerFactory
from tests.finance.factories import ContractFactory
from tests.support.errors import assert_error

pytestmark = pytest.mark.django_db

DAY = date(2026, 6, 30)
URL = "/api/v1/cs-finance/renewal-calibration"
CALIBRATION = [
    {"decile": d, "predicted_mean": d / 10 - 0.05, "observed_rate": d / 10 - 0.04, "count": 4}
    for d in range(1, 11)
]


@pytest.fixture(autouse=True)
def _today(monkeypatch: Any) -> None:
    monkeypatch.setattr(renewal_views, "today", lambda: DAY)


def _resolved(n: int, status: str = "renewed", end: date = DAY) -> None:
    customer = CustomerFactory.create()
    for _ in range(n):
        ContractFactory.create(
            customer=customer, status=status, start_date=end - timedelta(days=365), end_date=end
        )


def _evaluate(version: RenewalModelVersion, at: datetime, brier: float) -> None:
    RenewalModelEvaluation.objects.create(
        model_version=version,
        evaluated_at=at,
        holdout_from=date(2026, 1, 5),
        holdout_until=date(2026, 6, 20),
        sample_size=40,
        renewed=29,
        brier_score=brier,
        log_loss=0.41,
        auc=0.83,
        baseline_brier_score=0.198,
        calibration=CALIBRATION,
    )


def test_the_seeded_prior_without_evaluation(api: Any) -> None:
    _resolved(3)  # on the day: resolved
    _resolved(2, "churned")
    _resolved(1, "expired")
    _resolved(1, "renewed", DAY + timedelta(days=1))  # decided after the day: not yet
    _resolved(1, "active")  # not resolved
    response = api.get(URL)
    assert response.status_code == 200, response.content
    assert response.json() == {
        "as_of": "2026-06-30",
        "model": {
            "version": 1,
            "kind": "prior",
            "library": "documented prior (finance/renewals/prior.py)",
            "training_size": None,
            "trained_from": None,
            "trained_until": None,
            "intercept": PRIOR_INTERCEPT,
            "terms": [dict(t) for t in PRIOR_TERMS],
            "notes": response.json()["model"]["notes"],
        },
        "basis": "prior",
        "resolved_renewals": 6,
        "reason": "the documented prior is in use: 6 resolved renewals, a fit needs 200",
        "evaluation": None,
        "evaluation_reason": "this version has not been evaluated on a hold-out yet (a fit "
        "run evaluates the new version and the prior on the same hold-out)",
    }


def test_a_fitted_version_with_its_latest_evaluation(api: Any) -> None:
    prior = RenewalModelVersion.objects.get(version=1)
    _evaluate(prior, datetime(2026, 6, 25, tzinfo=UTC), 0.3)  # not the active version
    RenewalModelVersion.objects.update(is_active=False)
    fitted = RenewalModelVersion.objects.create(
        version=2,
        kind="fitted",
        is_active=True,
        intercept=1.2,
        terms=[{"feature": "health_score", "coefficient": 0.7, "mean": 66.5, "scale": 12.25}],
        library="scikit-learn 1.9.1 LogisticRegression",
        training_size=160,
        trained_from=date(2025, 7, 1),
        trained_until=date(2026, 1, 4),
    )
    _evaluate(fitted, datetime(2026, 6, 1, tzinfo=UTC), 0.2)  # older
    _evaluate(fitted, datetime(2026, 6, 26, 8, tzinfo=UTC), 0.141)  # the latest
    body = api.get(URL).json()
    assert body["model"]["version"] == 2
    assert body["model"]["library"] == "scikit-learn 1.9.1 LogisticRegression"
    assert (body["model"]["training_size"], body["model"]["trained_from"]) == (160, "2025-07-01")
    assert body["model"]["terms"] == [
        {"feature": "health_score", "coefficient": 0.7, "mean": 66.5, "scale": 12.25}
    ]
    assert (body["basis"], body["reason"], body["evaluation_reason"]) == ("fitted", None, None)
    assert body["evaluation"] == {
        "brier_score": 0.141,
        "log_loss": 0.41,
        "auc": 0.83,
        "sample_size": 40,
        "renewed": 29,
        "baseline_brier_score": 0.198,
        "holdout_from": "2026-01-05",
        "holdout_until": "2026-06-20",
        "evaluated_at": "2026-06-26T08:00:00Z",
        "calibration": CALIBRATION,
    }
    assert len(body["evaluation"]["calibration"]) == 10


def test_the_prior_chosen_in_the_admin_says_so(api: Any) -> None:
    _resolved(200)
    body = api.get(URL).json()
    assert body["resolved_renewals"] == 200
    assert body["reason"].startswith(
        "the documented prior is the active version: no fitted version has been activated"
    )


def test_a_null_auc_is_shown_as_null(api: Any) -> None:
    version = RenewalModelVersion.objects.get(version=1)
    _evaluate(version, datetime(2026, 6, 1, tzinfo=UTC), 0.2)
    RenewalModelEvaluation.objects.update(auc=None)
    assert api.get(URL).json()["evaluation"]["auc"] is None


def test_no_active_version_is_a_409(api: Any) -> None:
    RenewalModelVersion.objects.update(is_active=False)
    assert_error(api.get(URL), 409, "no_active_renewal_model")


def test_finance_read_scope_is_required(make_client: MakeClient) -> None:
    assert_error(make_client("customers:read").get(URL), 403, "permission_denied")
    assert make_client("finance:read").get(URL).status_code == 200


def test_unknown_parameters_are_400(api: Any) -> None:
    assert_error(api.get(URL, {"version": "1"}), 400, "unknown_parameter", "version")


def test_a_fixed_number_of_queries(api: Any, django_assert_max_num_queries: Any) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(URL).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    version = RenewalModelVersion.objects.get(version=1)
    for day in range(1, 20):
        _evaluate(version, datetime(2026, 5, day, tzinfo=UTC), 0.2)
    _resolved(30)
    assert count() == before
    # The API key, then the version, the resolved count and the latest evaluation.
    with django_assert_max_num_queries(4):
        api.get(URL)
