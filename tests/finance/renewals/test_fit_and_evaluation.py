"""The fit on a synthetic set with known coefficients, and the hold-out scores and the
calibration table on a tiny hand-computed set."""

import math

import numpy as np
import pytest

from finance.errors import RenewalTrainingOneClass
from finance.renewals.evaluation import calibration_table, decile_of, evaluate
from finance.renewals.features import FEATURES, FeatureRow
from finance.renewals.fit import FittedModel, fit_logistic
from finance.renewals.scoring import ModelSpec, explain, term_specs
from finance.renewals.services import published

# The true model: health and an executive sponsor raise the odds, overdue payment lowers them.
TRUE = {"health_score": 1.2, "payment_overdue_level": -0.8, "executive_sponsor": 0.6}


def spec(model: FittedModel) -> ModelSpec:
    return ModelSpec(2, "fitted", model.intercept, term_specs(model.terms))


def synthetic(n: int, seed: int) -> tuple[list[FeatureRow], list[int]]:
    rng = np.random.default_rng(seed)
    rows, labels = [], []
    for _ in range(n):
        health = float(rng.normal(70, 15))
        overdue = float(rng.integers(0, 5))
        sponsor = float(rng.integers(0, 2))
        segment = int(rng.integers(0, 3))
        log_odds = (
            1.0
            + TRUE["health_score"] * (health - 70) / 15
            + TRUE["payment_overdue_level"] * (overdue - 1)
            + TRUE["executive_sponsor"] * (sponsor - 0.5) / 0.5
        )
        row: FeatureRow = dict.fromkeys(FEATURES, 0.0)
        row |= {
            "health_score": health,
            "health_change_30d": float(rng.normal(0, 5)),  # noise: no effect
            "key_feature_adoption": None if rng.random() < 0.1 else float(rng.random()),
            "seat_utilisation": float(rng.random()),
            "payment_overdue_level": overdue,
            "open_escalations": float(rng.integers(0, 3)),
            "executive_sponsor": sponsor,
            "days_to_end": 90.0,  # constant in training, as in the real set
            "segment_enterprise": float(segment == 0),
            "segment_mid_market": float(segment == 1),
            "segment_small_business": float(segment == 2),
        }
        rows.append(row)
        labels.append(int(rng.random() < 1 / (1 + math.exp(-log_odds))))
    return rows, labels


def test_the_fit_recovers_the_true_signs_and_beats_the_constant_predictor() -> None:
    rows, labels = synthetic(400, seed=7)
    model = fit_logistic(rows, labels)
    coefficients = {t["feature"]: t["coefficient"] for t in model.terms}
    assert [t["feature"] for t in model.terms] == list(FEATURES)
    assert coefficients["health_score"] > 0.5
    assert coefficients["payment_overdue_level"] < -0.5
    assert coefficients["executive_sponsor"] > 0.2
    # days_to_end cannot be learnt: coefficient 0, scale 1, named.
    days = next(t for t in model.terms if t["feature"] == "days_to_end")
    assert (days["coefficient"], days["mean"], days["scale"]) == (0.0, 90.0, 1.0)
    assert model.constant_features == ("days_to_end",)
    assert "scikit-learn" in model.library

    test_rows, test_labels = synthetic(400, seed=8)
    probabilities = [published(spec(model), row) for row in test_rows]
    rate = sum(labels) / len(labels)
    scores = evaluate(probabilities, test_labels, rate)
    assert scores.brier_score < scores.baseline_brier_score - 0.03
    assert scores.auc is not None
    assert scores.auc > 0.75


def test_missing_values_are_imputed_at_the_training_mean() -> None:
    rows, labels = synthetic(400, seed=7)
    adoption = [r["key_feature_adoption"] for r in rows]
    seen = [v for v in adoption if v is not None]
    assert len(seen) < len(adoption)  # some are missing
    model = fit_logistic(rows, labels)
    term = next(t for t in model.terms if t["feature"] == "key_feature_adoption")
    assert term["mean"] == pytest.approx(sum(seen) / len(seen))
    # The stored numbers reproduce the fit: a row at every mean scores the intercept.
    at_mean: FeatureRow = {t["feature"]: None for t in model.terms}
    explained = explain(spec(model), at_mean)
    assert explained.log_odds == model.intercept
    assert all(t.contribution == 0 for t in explained.terms)


def test_one_outcome_only_is_refused() -> None:
    rows, _ = synthetic(20, seed=1)
    with pytest.raises(RenewalTrainingOneClass) as raised:
        fit_logistic(rows, [1] * 20)
    assert raised.value.code == "renewal_training_one_class"


# Hand-computed: p = (0.05, 0.15, 0.4, 0.45, 0.9, 1.0), outcomes (0, 1, 0, 1, 1, 1).
PROBABILITIES = [0.05, 0.15, 0.4, 0.45, 0.9, 1.0]
LABELS = [0, 1, 0, 1, 1, 1]


def test_evaluation_on_a_tiny_known_set() -> None:
    found = evaluate(PROBABILITIES, LABELS, baseline_rate=0.5)
    assert (found.sample_size, found.renewed) == (6, 4)
    # (0.0025 + 0.7225 + 0.16 + 0.3025 + 0.01 + 0) / 6 = 1.1975 / 6 = 0.19958
    assert found.brier_score == 0.1996
    # -(ln 0.95 + ln 0.15 + ln 0.6 + ln 0.45 + ln 0.9 + ln 1) / 6 = 3.36311 / 6 = 0.56052
    assert found.log_loss == 0.5605
    # positives (0.15, 0.45, 0.9, 1.0) above negatives (0.05, 0.4): 7 of 8 pairs
    assert found.auc == 0.875
    assert found.baseline_brier_score == 0.25  # (0.5)^2 whatever the outcome
    table = found.calibration
    assert [row["decile"] for row in table] == list(range(1, 11))
    assert [row["count"] for row in table] == [1, 1, 0, 0, 2, 0, 0, 0, 0, 2]
    assert table[0] == {"decile": 1, "predicted_mean": 0.05, "observed_rate": 0.0, "count": 1}
    assert table[1] == {"decile": 2, "predicted_mean": 0.15, "observed_rate": 1.0, "count": 1}
    assert table[2] == {"decile": 3, "predicted_mean": None, "observed_rate": None, "count": 0}
    assert table[4] == {"decile": 5, "predicted_mean": 0.425, "observed_rate": 0.5, "count": 2}
    assert table[9] == {"decile": 10, "predicted_mean": 0.95, "observed_rate": 1.0, "count": 2}


def test_one_class_has_no_auc_and_bins_are_half_open() -> None:
    found = evaluate([0.7, 0.8], [1, 1], baseline_rate=0.75)
    assert found.auc is None
    assert found.brier_score == 0.065  # (0.09 + 0.04) / 2
    assert found.log_loss == 0.2899  # -(ln 0.7 + ln 0.8) / 2 = 0.28990
    assert [decile_of(p) for p in (0.0, 0.0999, 0.1, 0.3, 0.7, 0.9, 1.0)] == [1, 1, 2, 4, 8, 10, 10]
    # predicted mean 1/3 rounds half-up at 4 decimals
    table = calibration_table([0.3, 0.3, 0.4 - 1e-9], [1, 0, 0])
    assert table[3] == {"decile": 4, "predicted_mean": 0.3333, "observed_rate": 0.3333, "count": 3}
