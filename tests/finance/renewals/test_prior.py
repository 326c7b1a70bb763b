"""The documented prior: migration 0007 seeds exactly finance/renewals/prior.py, and the
validation every edit of the prior goes through."""

import importlib
import math
from typing import Any

import pytest

from finance.renewals.features import FEATURES
from finance.renewals.prior import PRIOR_INTERCEPT, PRIOR_TERMS, prior_problems

seed = importlib.import_module("finance.migrations.0007_seed_renewal_prior")


def test_the_migration_seeds_the_documented_prior() -> None:
    assert seed.INTERCEPT == PRIOR_INTERCEPT
    assert [dict(t) for t in PRIOR_TERMS] == seed.TERMS
    assert [t["feature"] for t in PRIOR_TERMS] == list(FEATURES)
    assert prior_problems(PRIOR_INTERCEPT, [dict(t) for t in PRIOR_TERMS]) == []


def terms(**changes: dict[str, Any]) -> list[dict[str, Any]]:
    return [{**t, **changes.get(str(t["feature"]), {})} for t in PRIOR_TERMS]


@pytest.mark.parametrize(
    ("intercept", "given", "problem"),
    [
        (math.inf, terms(), ("intercept", "The intercept must be a finite number.")),
        ("1.5", terms(), ("intercept", "The intercept must be a finite number.")),
        (1.0, {"a": 1}, ("terms", "The terms must be a list of objects.")),
        (1.0, terms()[1:], ("terms", "Missing feature(s): health_score.")),
        (1.0, [*terms(), terms()[0]], ("terms", "Repeated feature(s): health_score.")),
        (
            1.0,
            [*terms(), {"feature": "nps", "coefficient": 1, "mean": 0, "scale": 1}],
            ("terms", "Unknown feature(s): nps."),
        ),
        (
            1.0,
            terms(health_score={"scale": 0.0}),
            ("terms", "health_score: scale must be greater than 0."),
        ),
        (
            1.0,
            terms(open_escalations={"coefficient": math.nan}),
            ("terms", "open_escalations: coefficient must be a finite number."),
        ),
        (
            1.0,
            terms(executive_sponsor={"mean": True}),
            ("terms", "executive_sponsor: mean must be a finite number."),
        ),
        (
            1.0,
            terms(segment_enterprise={"weight": 2}),
            ("terms", "segment_enterprise: unknown key(s) weight."),
        ),
    ],
)
def test_prior_problems(intercept: Any, given: Any, problem: tuple[str, str]) -> None:
    assert prior_problems(intercept, given) == [problem]
