"""Writes of the renewal model (README, "Finance: renewal model"): fit a new version on the
resolved renewals and score it on a time-ordered hold-out, choose the active version, edit the
prior. Keyword-only, atomic."""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max

from integrations.clock import today
from integrations.domain_errors import Invalid
from integrations.rounding import round_half_up
from integrations.writes import lock

from ..choices import RenewalModelKind
from ..errors import RenewalModelVersionNotFound, RenewalPriorInvalid
from ..models import RenewalModelEvaluation, RenewalModelVersion
from .evaluation import DIGITS, Evaluation, evaluate
from .features import DECISION_LEAD_DAYS, FEATURES, FeatureRow, Observation, feature_rows
from .fit import FittedModel, fit_logistic
from .prior import prior_problems
from .scoring import ModelSpec, active_model, explain
from .selectors import MIN_RESOLVED_RENEWALS, Outcome, resolved_renewals
from .summary import RiskSummary, count_summary, no_model_summary, store

ACTIVATE = ("if_better", "always", "never")
HOLDOUT_PERCENT = 20  # the latest 20 % of decisions (rounded up)
MIN_EVALUATED = 10  # fewer outcomes (or one class) are not worth publishing a calibration of
MIN_SPLIT = 2  # a fit needs one renewal to train on and one to hold out
_VERSION_ATTEMPTS = 10


@dataclass(frozen=True, slots=True)
class VersionScore:
    version: int
    kind: str
    role: str  # "new" | "prior" | "active" (the active version before this run)
    evaluation: Evaluation
    # A fitted version trained on decisions of this hold-out (a run with an earlier --as-of):
    # scored for the comparison only, not stored, so its published calibration stays honest.
    in_sample: bool = False


@dataclass(frozen=True, slots=True)
class FitReport:
    as_of: date
    outcomes: int  # resolved renewals (decided by as_of) with a health snapshot by their day
    min_outcomes: int
    reason: str  # why no version was fitted ("" when one was)
    training_size: int
    holdout_size: int
    holdout_from: date | None
    holdout_until: date | None
    baseline_rate: float | None  # training renewal rate (the constant predictor)
    new_version: int | None
    activated: bool
    active_version: int | None  # after the run
    constant_features: tuple[str, ...]
    scores: tuple[VersionScore, ...]  # on the hold-out: new, prior, previously active


def holdout_size(outcomes: int) -> int:
    """ceil(20 % of outcomes) in integers (220 x 0.2 is 44.000000000000007 in floats)."""
    return -(-outcomes * HOLDOUT_PERCENT // 100)


def renewal_model_fit(
    *,
    as_of: date | None = None,
    min_outcomes: int = MIN_RESOLVED_RENEWALS,
    activate: str = "if_better",
    progress: Callable[[int], None] | None = None,
) -> FitReport:
    """Fit a new version on the renewals resolved by `as_of` (default today), time-ordered:
    the earliest 80 % train it, the latest 20 % (rounded up) score it, the prior and the active
    version. `activate`: "always", "never", or "if_better" (the new version's hold-out Brier
    score is below the active version's on the same hold-out). With fewer than `min_outcomes`
    no version is fitted; the active one is still scored when ≥ 10 outcomes of both kinds.
    `progress` is told how many renewals each feature day covered."""
    if activate not in ACTIVATE:
        raise Invalid(f"activate must be one of {', '.join(ACTIVATE)}.", attr="activate")
    if min_outcomes < MIN_SPLIT:
        raise Invalid(
            f"min_outcomes must be at least {MIN_SPLIT}: one renewal to train on, one to hold out.",
            attr="min_outcomes",
        )
    day = as_of or today()
    resolved = resolved_renewals(day)
    rows = feature_rows(
        [
            Observation(
                key=o.contract_pk,
                customer_pk=o.customer_pk,
                as_of=o.end_date - timedelta(days=DECISION_LEAD_DAYS),
                end_date=o.end_date,
            )
            for o in resolved
        ],
        progress,
    )
    # An example observed before its customer's first health snapshot predates the history:
    # its product features would read 0 for want of data, not of use. It is left out.
    outcomes = [o for o in resolved if rows[o.contract_pk]["health_score"] is not None]
    n, held = len(outcomes), holdout_size(len(outcomes))
    train, holdout = outcomes[: n - held], outcomes[n - held :]
    enough = n >= min_outcomes
    reason = (
        ""
        if enough
        else f"{n} resolved renewals with a health snapshot by their observation day "
        f"({len(resolved)} resolved); {min_outcomes} needed to fit"
    )
    if not enough and (n < MIN_EVALUATED or len({o.label for o in outcomes}) < 2):
        return _report(day, n, min_outcomes, reason, train, holdout, None, None, None, [])
    rate = sum(o.label for o in train) / len(train)
    fitted = None
    if enough:
        fitted = fit_logistic([rows[o.contract_pk] for o in train], [o.label for o in train])
    with transaction.atomic():
        new = _store(fitted, train) if fitted else None
        scores, activated = _evaluate_and_activate(new, holdout, rows, rate, activate)
        active = RenewalModelVersion.objects.filter(is_active=True).first()
    return _report(
        day, n, min_outcomes, reason, train, holdout, rate, fitted, new, scores, activated,
        active.version if active else None,
    )  # fmt: skip


def _report(
    day: date,
    n: int,
    min_outcomes: int,
    reason: str,
    train: list[Outcome],
    holdout: list[Outcome],
    rate: float | None,
    fitted: FittedModel | None,
    new: RenewalModelVersion | None,
    scores: list[VersionScore],
    activated: bool = False,
    active: int | None = None,
) -> FitReport:
    if active is None and new is None:
        found = RenewalModelVersion.objects.filter(is_active=True).values_list("version")
        active = next(iter(found), (None,))[0]
    return FitReport(
        as_of=day,
        outcomes=n,
        min_outcomes=min_outcomes,
        reason=reason,
        training_size=len(train),
        holdout_size=len(holdout),
        holdout_from=holdout[0].end_date if holdout else None,
        holdout_until=holdout[-1].end_date if holdout else None,
        baseline_rate=rate,
        new_version=new.version if new else None,
        activated=activated,
        active_version=active,
        constant_features=fitted.constant_features if fitted else (),
        scores=tuple(scores),
    )


def published(spec: ModelSpec, row: FeatureRow) -> float:
    """The probability as scoring publishes it (4 decimals): what the hold-out scores."""
    return round_half_up(explain(spec, row).probability, DIGITS)


def _store(fitted: FittedModel, train: list[Outcome]) -> RenewalModelVersion:
    """A new fitted version numbered max + 1: a concurrent fit taking the same number fails on
    the unique index inside a savepoint and takes the next one."""
    constant = ", ".join(fitted.constant_features)
    notes = (
        f"Constant in training (coefficient 0, scale 1; not learnt): {constant}."
        if constant
        else ""
    )
    for attempt in range(_VERSION_ATTEMPTS):
        latest = RenewalModelVersion.objects.aggregate(v=Max("version"))["v"] or 0
        try:
            with transaction.atomic():
                return RenewalModelVersion.objects.create(
                    version=latest + 1,
                    kind=RenewalModelKind.FITTED,
                    intercept=fitted.intercept,
                    terms=fitted.terms,
                    library=fitted.library,
                    training_size=len(train),
                    trained_from=train[0].end_date,
                    trained_until=train[-1].end_date,
                    notes=notes,
                )
        except IntegrityError:
            if attempt == _VERSION_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _evaluate_and_activate(
    new: RenewalModelVersion | None,
    holdout: list[Outcome],
    rows: Mapping[int, FeatureRow],
    rate: float,
    activate: str,
) -> tuple[list[VersionScore], bool]:
    """Score the new version, the prior and the active one on the hold-out (an evaluation row
    each), then activate the new one if the rule says so. The active row is locked and
    re-checked, so a concurrent fit or admin activation is compared against, never lost."""
    labels = [o.label for o in holdout]
    scores: dict[int, VersionScore] = {}

    def score(version: RenewalModelVersion, role: str) -> VersionScore:
        if version.pk not in scores:
            spec = ModelSpec.of(version)
            probabilities = [published(spec, rows[o.contract_pk]) for o in holdout]
            found = evaluate(probabilities, labels, rate)
            seen = role != "new" and _trained_on(version, holdout)
            scores[version.pk] = VersionScore(version.version, version.kind, role, found, seen)
            if not seen:
                _save_evaluation(version, holdout, found)
        return scores[version.pk]

    if new is not None:
        score(new, "new")
    prior = RenewalModelVersion.objects.filter(kind=RenewalModelKind.PRIOR).order_by("version")
    for version in prior[:1]:
        score(version, "prior")
    while True:
        active = RenewalModelVersion.objects.filter(is_active=True).first()
        if active is not None:
            lock(active, missing=RenewalModelVersionNotFound())
            if not active.is_active:  # changed meanwhile: compare with the new active one
                continue
            current = score(active, "active")
        if new is None or activate == "never":
            return list(scores.values()), False
        better = active is None or scores[new.pk].evaluation.brier_score < (
            current.evaluation.brier_score
        )
        if activate == "always" or better:
            _make_active(new, active)
            return list(scores.values()), True
        return list(scores.values()), False


def _trained_on(version: RenewalModelVersion, holdout: list[Outcome]) -> bool:
    """Whether a fitted version was trained on decisions dated after the hold-out's first day,
    which are then in both. (The hold-out it was fitted with may begin on its last training
    day: the split orders a day's decisions by pk, so that day alone is not evidence.)"""
    until = version.trained_until
    return until is not None and until > holdout[0].end_date


def _save_evaluation(
    version: RenewalModelVersion, holdout: list[Outcome], found: Evaluation
) -> None:
    RenewalModelEvaluation.objects.create(
        model_version=version,
        holdout_from=holdout[0].end_date,
        holdout_until=holdout[-1].end_date,
        sample_size=found.sample_size,
        renewed=found.renewed,
        brier_score=found.brier_score,
        log_loss=found.log_loss,
        auc=found.auc,
        baseline_brier_score=found.baseline_brier_score,
        calibration=found.calibration,
    )


def _make_active(target: RenewalModelVersion, active: RenewalModelVersion | None) -> None:
    """Deactivate the (locked) active row first: the one-active index is checked per row."""
    if active is not None:
        RenewalModelVersion.objects.filter(pk=active.pk).update(is_active=False)
    RenewalModelVersion.objects.filter(pk=target.pk).update(is_active=True)
    target.is_active = True


@transaction.atomic
def renewal_model_activate(*, version: int) -> RenewalModelVersion:
    """Make `version` the one that scores renewals (the admin's choice)."""
    target = RenewalModelVersion.objects.filter(version=version).first()
    if target is None:
        raise RenewalModelVersionNotFound(attr="version")
    while True:
        active = RenewalModelVersion.objects.filter(is_active=True).first()
        if active is not None:
            lock(active, missing=RenewalModelVersionNotFound())
            if not active.is_active:
                continue
            if active.pk == target.pk:
                return active
        _make_active(target, active)
        return target


@transaction.atomic
def renewal_prior_update(
    *, intercept: float, terms: Iterable[Mapping[str, Any]]
) -> RenewalModelVersion:
    """Replace the prior's intercept and terms (stored in FEATURES order, as floats)."""
    listed = [dict(t) if isinstance(t, Mapping) else t for t in terms]
    problems = prior_problems(intercept, listed)
    if problems:
        field = problems[0][0]
        raise RenewalPriorInvalid(" ".join(p for _, p in problems), attr=field)
    prior = RenewalModelVersion.objects.filter(kind=RenewalModelKind.PRIOR).order_by("version")
    found = prior.first()
    if found is None:
        raise RenewalModelVersionNotFound("No prior renewal model version.")
    lock(found, missing=RenewalModelVersionNotFound())
    by_feature = {t["feature"]: t for t in listed}
    found.intercept = float(intercept)
    found.terms = [
        {
            k: (f if k == "feature" else float(by_feature[f][k]))
            for k in ("feature", "coefficient", "mean", "scale")
        }
        for f in FEATURES
    ]
    found.save(update_fields=["intercept", "terms"])
    return found


def renewal_risk_summary_refresh(*, as_of: date, days: int) -> RiskSummary:
    """Count the renewals due in (as_of, as_of + days] with the active model and store the
    window's summary (README, "The admin: the CS dashboard"); nothing is stored without an
    active model. Twelve queries: the model, `renewals_due`'s ten, the upsert."""
    if days < 1:
        raise Invalid("days must be at least 1.", attr="days")
    spec = active_model()
    if spec is None:
        return no_model_summary(as_of, days)
    summary = count_summary(as_of, days, spec)
    store(summary)
    return summary
