"""Apply a model version to one feature row (README, "Finance: renewal model"): pure, shared by
scoring (live probabilities) and the hold-out evaluation, so both compute the same number.

log-odds = intercept + Σ coefficient × (value − mean) / scale; a missing value (None) is
imputed at its mean (contributes 0); probability = 1 / (1 + e^−log-odds), rounded half-up to
4 decimals."""

import math
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from integrations.rounding import round_half_up

from .features import FeatureRow
from .scoring import Term

DIGITS = 4


class VersionLike(Protocol):
    """A RenewalModelVersion, or anything with its intercept and terms."""

    @property
    def intercept(self) -> float: ...

    @property
    def terms(self) -> Any: ...  # Sequence[Mapping]: [{feature, coefficient, mean, scale}]


def sigmoid(log_odds: float) -> float:
    """1 / (1 + e^−x) without overflow for large |x|."""
    if log_odds >= 0:
        return 1.0 / (1.0 + math.exp(-log_odds))
    z = math.exp(log_odds)
    return z / (1.0 + z)


def score_row(version: VersionLike, row: FeatureRow) -> tuple[float, float, tuple[Term, ...]]:
    """(log-odds, probability rounded to 4 decimals, the terms in the version's order)."""
    spec: Sequence[Mapping[str, Any]] = version.terms
    terms = []
    for t in spec:
        value = row.get(str(t["feature"]))
        coefficient, mean, scale = float(t["coefficient"]), float(t["mean"]), float(t["scale"])
        contribution = 0.0 if value is None else coefficient * (float(value) - mean) / scale
        terms.append(
            Term(
                feature=str(t["feature"]),
                value=value,
                coefficient=coefficient,
                mean=mean,
                scale=scale,
                contribution=contribution,
            )
        )
    log_odds = float(version.intercept) + sum(t.contribution for t in terms)
    return log_odds, round_half_up(sigmoid(log_odds), DIGITS), tuple(terms)
