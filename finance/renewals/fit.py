"""Fit the renewal model: a logistic regression on standardised features (README, "Finance:
renewal model").

Each feature is imputed at its training mean where missing, then standardised with the
training mean and standard deviation, so a coefficient is the change in log-odds per standard
unit and the stored (mean, scale) reproduce the fit exactly at scoring time. A feature with no
spread in training (std 0, e.g. `days_to_end`, which is 90 for every example) cannot be
learnt: it gets coefficient 0 and scale 1.

scikit-learn's LogisticRegression (lbfgs) with a mild L2 penalty, C = 1.0: on standardised
features the penalty (½‖w‖²) is small beside the log-likelihood of ≥ 200 examples, so real
effects are barely shrunk, while it keeps the coefficients finite when a feature separates the
classes (a segment where every contract renewed) and damps noise at small sizes. No
hand-written optimiser."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression

from ..errors import RenewalTrainingOneClass
from .features import FEATURES, FeatureRow

C = 1.0  # inverse L2 strength (see the module docstring)
MAX_ITER = 1000
LIBRARY = f"scikit-learn {sklearn.__version__} LogisticRegression(lbfgs, L2, C={C})"
_NO_SPREAD = 1e-12  # a standard deviation below this is no spread (float noise)


@dataclass(frozen=True, slots=True)
class FittedModel:
    intercept: float
    terms: list[dict[str, Any]]  # [{feature, coefficient, mean, scale}] in FEATURES order
    constant_features: tuple[str, ...]  # no spread in training: coefficient 0, scale 1
    library: str = LIBRARY


def design_matrix(rows: Sequence[FeatureRow]) -> np.ndarray:
    """rows × FEATURES, a missing value (None) as NaN."""
    x = np.full((len(rows), len(FEATURES)), np.nan)
    for i, row in enumerate(rows):
        for j, feature in enumerate(FEATURES):
            value = row.get(feature)
            if value is not None:
                x[i, j] = float(value)
    return x


def fit_logistic(rows: Sequence[FeatureRow], labels: Sequence[int]) -> FittedModel:
    """A logistic regression of `labels` (1 renewed, 0 lost) on `rows`. Both outcomes must be
    present (else RenewalTrainingOneClass)."""
    y = np.array(labels, dtype=int)
    if len(rows) != len(y):
        raise ValueError("rows and labels differ in length")
    if len(set(y.tolist())) < 2:
        raise RenewalTrainingOneClass()
    x = design_matrix(rows)
    means, scales, constant = [], [], []
    for j, feature in enumerate(FEATURES):
        column = x[:, j]
        seen = column[~np.isnan(column)]
        mean = float(seen.mean()) if seen.size else 0.0
        column[np.isnan(column)] = mean  # imputed at the training mean (x is our copy)
        std = float(column.std())
        if std < _NO_SPREAD:
            constant.append(feature)
            std = 1.0
        means.append(mean)
        scales.append(std)
    varying = [j for j, f in enumerate(FEATURES) if f not in constant]
    standardised = (x[:, varying] - np.array(means)[varying]) / np.array(scales)[varying]
    coefficients = dict.fromkeys(FEATURES, 0.0)
    if varying:
        model = LogisticRegression(C=C, solver="lbfgs", max_iter=MAX_ITER)
        model.fit(standardised, y)
        intercept = float(model.intercept_[0])
        for j, coefficient in zip(varying, model.coef_[0], strict=True):
            coefficients[FEATURES[j]] = float(coefficient)
    else:  # nothing varies: the best model is the training rate's log-odds
        rate = float(y.mean())
        intercept = math.log(rate / (1 - rate))
    terms = [
        {"feature": f, "coefficient": coefficients[f], "mean": means[j], "scale": scales[j]}
        for j, f in enumerate(FEATURES)
    ]
    return FittedModel(intercept=intercept, terms=terms, constant_features=tuple(constant))
