"""The documented prior renewal model, used until 200 renewals have resolved (and whenever an
admin keeps it active). Coefficients are per standard unit: a term contributes
coefficient x (value - mean) / scale to the log-odds. Migration 0007 seeds these numbers as
version 1; from then on the admin edits that row (these constants stay the documentation).

Why these numbers: the intercept 1.5 is a base renewal rate of ~82 %, the usual gross-renewal
benchmark for B2B SaaS. Health carries most weight (it already blends usage, support, surveys,
payment); its 30-day change adds momentum; adoption and seat utilisation are the product
signals; each overdue level (0 current .. 4 over 60 days) and each open escalation lowers the
odds; an executive sponsor raises them; enterprise renews more than small business. Days to
the contract's end carries no prior belief (0)."""

import math
from typing import Any

from .features import FEATURES

PRIOR_INTERCEPT = 1.5

# Bounds of an edited prior. Coefficients are per standard unit, so |50| is already absurd;
# with the mean and scale bounded too, every contribution stays far inside what scoring
# rounds to 4 decimals (a coefficient of 1e30 made every scored endpoint fail).
MAX_COEFFICIENT = 50.0  # also bounds the intercept
MAX_MEAN = 1e6
SCALE_RANGE = (1e-6, 1e6)

PRIOR_TERMS: tuple[dict[str, float | str], ...] = (
    {"feature": "health_score", "coefficient": 0.9, "mean": 70.0, "scale": 15.0},
    {"feature": "health_change_30d", "coefficient": 0.4, "mean": 0.0, "scale": 10.0},
    {"feature": "key_feature_adoption", "coefficient": 0.5, "mean": 0.5, "scale": 0.3},
    {"feature": "seat_utilisation", "coefficient": 0.4, "mean": 0.6, "scale": 0.25},
    {"feature": "payment_overdue_level", "coefficient": -0.5, "mean": 0.5, "scale": 1.0},
    {"feature": "open_escalations", "coefficient": -0.4, "mean": 0.2, "scale": 0.5},
    {"feature": "executive_sponsor", "coefficient": 0.3, "mean": 0.5, "scale": 0.5},
    {"feature": "days_to_end", "coefficient": 0.0, "mean": 90.0, "scale": 60.0},
    {"feature": "segment_enterprise", "coefficient": 0.2, "mean": 0.0, "scale": 1.0},
    {"feature": "segment_mid_market", "coefficient": 0.0, "mean": 0.0, "scale": 1.0},
    {"feature": "segment_small_business", "coefficient": -0.2, "mean": 0.0, "scale": 1.0},
)


def prior_problems(intercept: Any, terms: Any) -> list[tuple[str, str]]:
    """(field, problem) for each thing wrong with a prior: the intercept a finite number; the
    terms a list naming every feature exactly once, each with finite coefficient, mean and a
    scale > 0. Shared by the admin form (errors up front) and renewal_prior_update."""
    problems = []
    if not _finite(intercept):
        problems.append(("intercept", "The intercept must be a finite number."))
    elif abs(intercept) > MAX_COEFFICIENT:
        problems.append(("intercept", f"The intercept must be within ±{MAX_COEFFICIENT:g}."))
    if not isinstance(terms, list) or not all(isinstance(t, dict) for t in terms):
        return [*problems, ("terms", "The terms must be a list of objects.")]
    named = [t.get("feature") for t in terms]
    missing = [f for f in FEATURES if f not in named]
    repeated = sorted({str(f) for f in named if named.count(f) > 1})
    unknown = sorted({str(f) for f in named if f not in FEATURES})
    for label, found in (("Missing", missing), ("Repeated", repeated), ("Unknown", unknown)):
        if found:
            problems.append(("terms", f"{label} feature(s): {', '.join(found)}."))
    for t in terms:
        extra = sorted(set(t) - {"feature", "coefficient", "mean", "scale"})
        if extra:
            problems.append(("terms", f"{t.get('feature')}: unknown key(s) {', '.join(extra)}."))
        for key in ("coefficient", "mean", "scale"):
            if not _finite(t.get(key)):
                problems.append(("terms", f"{t.get('feature')}: {key} must be a finite number."))
        problems += [("terms", f"{t.get('feature')}: {p}") for p in _out_of_bounds(t)]
    return problems


def _out_of_bounds(term: dict[str, Any]) -> list[str]:
    """The bounds of one term's finite numbers (a non-finite one is reported already)."""
    coefficient, mean, scale = (_number(term.get(k)) for k in ("coefficient", "mean", "scale"))
    problems = []
    if coefficient is not None and abs(coefficient) > MAX_COEFFICIENT:
        problems.append(f"coefficient must be within ±{MAX_COEFFICIENT:g}.")
    if mean is not None and abs(mean) > MAX_MEAN:
        problems.append(f"mean must be within ±{MAX_MEAN:g}.")
    if scale is not None and scale <= 0:
        problems.append("scale must be greater than 0.")
    elif scale is not None and not SCALE_RANGE[0] <= scale <= SCALE_RANGE[1]:
        problems.append(f"scale must be from {SCALE_RANGE[0]:g} to {SCALE_RANGE[1]:g}.")
    return problems


def _number(value: Any) -> float | None:
    return float(value) if _finite(value) else None


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
