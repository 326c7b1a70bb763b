"""Score a model's probabilities against outcomes on a hold-out (README, "Finance: renewal
model"): Brier score, log loss, AUC, the Brier score of a constant predictor (the training
renewal rate) and a calibration table by probability decile. Every number is rounded half-up
to 4 decimals, as published."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

from integrations.rounding import round_half_up

DECILES = 10
DIGITS = 4


@dataclass(frozen=True, slots=True)
class Evaluation:
    sample_size: int
    renewed: int  # positives
    brier_score: float
    log_loss: float
    auc: float | None  # None when the outcomes are all one class
    baseline_brier_score: float  # always predicting the training renewal rate
    # [{decile 1..10, predicted_mean, observed_rate, count}], every decile listed; the two
    # means are None for an empty one.
    calibration: list[dict[str, Any]]


def decile_of(probability: float) -> int:
    """1 for [0, 0.1), 2 for [0.1, 0.2), ..., 10 for [0.9, 1.0] (1.0 falls in the last).
    Exact on the decimal the probability reads as (0.3 is decile 4, not 3)."""
    return min(int(Decimal(repr(float(probability))) * DECILES), DECILES - 1) + 1


def calibration_table(
    probabilities: Sequence[float], labels: Sequence[int]
) -> list[dict[str, Any]]:
    bins: dict[int, list[tuple[float, int]]] = {d: [] for d in range(1, DECILES + 1)}
    for p, y in zip(probabilities, labels, strict=True):
        bins[decile_of(p)].append((float(p), int(y)))
    table = []
    for decile, members in bins.items():
        count = len(members)
        predicted = sum(p for p, _ in members) / count if count else None
        observed = sum(y for _, y in members) / count if count else None
        table.append(
            {
                "decile": decile,
                "predicted_mean": None if predicted is None else round_half_up(predicted, DIGITS),
                "observed_rate": None if observed is None else round_half_up(observed, DIGITS),
                "count": count,
            }
        )
    return table


def evaluate(
    probabilities: Sequence[float], labels: Sequence[int], baseline_rate: float
) -> Evaluation:
    """Scores of `probabilities` (0..1) against `labels` (1 renewed, 0 lost); at least one
    example. `baseline_rate` is the training renewal rate (the constant predictor)."""
    if not labels or len(probabilities) != len(labels):
        raise ValueError("evaluate needs as many probabilities as labels, at least one")
    y = [int(v) for v in labels]
    p = [float(v) for v in probabilities]
    both = len(set(y)) == 2
    return Evaluation(
        sample_size=len(y),
        renewed=sum(y),
        brier_score=round_half_up(float(brier_score_loss(y, p, labels=[0, 1])), DIGITS),
        log_loss=round_half_up(float(log_loss(y, p, labels=[0, 1])), DIGITS),
        auc=round_half_up(float(roc_auc_score(y, p)), DIGITS) if both else None,
        baseline_brier_score=round_half_up(
            float(brier_score_loss(y, [float(baseline_rate)] * len(y), labels=[0, 1])), DIGITS
        ),
        calibration=calibration_table(p, y),
    )
