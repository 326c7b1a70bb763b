"""The calibration read-out (README, "Finance: renewals due and calibration"): the active model
version, whether it is fitted or the prior (and why), and its latest hold-out evaluation with
the calibration table. Three queries whatever the history."""

from datetime import date
from typing import Any

from ..choices import RenewalModelKind
from ..errors import NoActiveRenewalModel
from ..models import RenewalModelEvaluation, RenewalModelVersion
from .selectors import MIN_RESOLVED_RENEWALS, resolved_renewal_count


def _basis_reason(kind: str, resolved: int) -> str | None:
    if kind != RenewalModelKind.PRIOR:
        return None
    if resolved < MIN_RESOLVED_RENEWALS:
        return (
            f"the documented prior is in use: {resolved} resolved renewals, a fit needs "
            f"{MIN_RESOLVED_RENEWALS}"
        )
    # Enough resolved, yet no fitted version active: too few had a health snapshot by their
    # observation day, no fit beat the prior on its hold-out, or an admin chose the prior.
    return (
        "the documented prior is the active version: no fitted version has been activated "
        f"(a fit needs {MIN_RESOLVED_RENEWALS} resolved renewals with a health snapshot 90 "
        "days before their decision and must beat the prior on its hold-out; an admin may "
        "also choose it)"
    )


def _evaluation(evaluation: RenewalModelEvaluation) -> dict[str, Any]:
    return {
        "brier_score": evaluation.brier_score,
        "log_loss": evaluation.log_loss,
        "auc": evaluation.auc,
        "sample_size": evaluation.sample_size,
        "renewed": evaluation.renewed,
        "baseline_brier_score": evaluation.baseline_brier_score,
        "holdout_from": evaluation.holdout_from,
        "holdout_until": evaluation.holdout_until,
        "evaluated_at": evaluation.evaluated_at,
        "calibration": [
            {
                "decile": row["decile"],
                "predicted_mean": row["predicted_mean"],
                "observed_rate": row["observed_rate"],
                "count": row["count"],
            }
            for row in evaluation.calibration
        ],
    }


def renewal_calibration(as_of: date) -> dict[str, Any]:
    """The active version, its basis and its latest evaluation (null with a reason before the
    first). NoActiveRenewalModel when an admin left no version active."""
    version = RenewalModelVersion.objects.filter(is_active=True).first()
    if version is None:
        raise NoActiveRenewalModel()
    resolved = resolved_renewal_count(as_of)
    evaluation = (
        RenewalModelEvaluation.objects.filter(model_version=version)
        .order_by("-evaluated_at", "-pk")
        .first()
    )
    return {
        "as_of": as_of,
        "model": {
            "version": version.version,
            "kind": version.kind,
            "library": version.library,
            "training_size": version.training_size,
            "trained_from": version.trained_from,
            "trained_until": version.trained_until,
            "intercept": version.intercept,
            "terms": version.terms,
            "notes": version.notes,
        },
        "basis": version.kind,
        "resolved_renewals": resolved,
        "reason": _basis_reason(version.kind, resolved),
        "evaluation": _evaluation(evaluation) if evaluation else None,
        "evaluation_reason": (
            None
            if evaluation
            else "this version has not been evaluated on a hold-out yet (a fit run "
            "evaluates the new version and the prior on the same hold-out)"
        ),
    }
