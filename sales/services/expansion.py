"""Writes for expansion readiness (README, "Sales: expansion readiness"): the versioned model,
and the nightly scoring that stores a snapshot per customer and publishes `expansion.ready`."""

import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from customers import read as customers_read
from customers.choices import Segment
from integrations import events, json_text
from integrations.idarray import IdArray
from integrations.job_memory import job_memory
from integrations.prepared import PreparedQuery
from integrations.writes import activate, deactivate_others, next_version
from product import read as product_read

from ..errors import InvalidExpansionModel
from ..models import (
    DEFAULT_EXPANSION_WEIGHTS,
    ExpansionModel,
    ExpansionPeerShare,
    ExpansionSnapshot,
)
from ..selectors.expansion import Readiness, readiness
from ..selectors.expansion_list import snapshot_members

READY_EVENT = "expansion.ready"
MODEL_FIELDS = (
    "name",
    "weights",
    "ready_threshold",
    "adoption_holds_at",
    "strong_health_at",
    "seat_full_at",
    "milestone_window_days",
    "milestones_full_at",
    "request_window_days",
    "overdue_payment_value",
    "peer_adoption_share",
    "seat_growth_share",
    "probability_at_0",
    "probability_at_100",
    "active",
)
WEIGHT_SUM_TOLERANCE = 1e-6


# Read on every expansion read-out: compiled once per thread (integrations.prepared); the row
# itself is read each time, so an activation is seen at once.
_ACTIVE_MODEL: PreparedQuery[Any] = PreparedQuery(
    lambda: ExpansionModel.objects.filter(active=True)
)


def active_expansion_model() -> ExpansionModel:
    """The active model; created lazily with the documented defaults (README) when none
    exists (no data migration). With models but none active, the newest one."""
    model = _ACTIVE_MODEL.first()
    if model is None:
        model = ExpansionModel.objects.order_by("-version").first()
    if model is None:  # two first reads may race here: get_or_create settles it
        model, _ = ExpansionModel.objects.get_or_create(version=1, defaults={"active": True})
    return model


def validate_weights(weights: Any) -> dict[str, float]:
    """Every factor named once with a number in [0, 1], summing to 1 (so the score stays in
    0..100 and each weight reads as a share)."""
    known = set(DEFAULT_EXPANSION_WEIGHTS)
    if not isinstance(weights, Mapping) or not weights:
        raise InvalidExpansionModel("An object of factor → weight.", attr="weights")
    unknown, missing = sorted(set(weights) - known), sorted(known - set(weights))
    if unknown or missing:
        raise InvalidExpansionModel(
            f"Unknown factor(s): {', '.join(unknown) or '-'}; missing: {', '.join(missing) or '-'}."
            f" Factors: {', '.join(DEFAULT_EXPANSION_WEIGHTS)}.",
            attr="weights",
        )
    for name, weight in weights.items():
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 <= weight <= 1:
            raise InvalidExpansionModel(
                f"The weight of {name} must be a number in [0, 1].", attr="weights"
            )
    if not math.isclose(sum(weights.values()), 1.0, abs_tol=WEIGHT_SUM_TOLERANCE):
        raise InvalidExpansionModel("The weights must sum to 1.", attr="weights")
    return {name: float(weights[name]) for name in DEFAULT_EXPANSION_WEIGHTS}


def _validate(model: ExpansionModel) -> None:
    model.weights = validate_weights(model.weights)
    if model.probability_at_0 > model.probability_at_100:
        raise InvalidExpansionModel(
            "probability_at_0 must not exceed probability_at_100.", attr="probability_at_0"
        )


@transaction.atomic
def expansion_model_save(
    *, data: Mapping[str, Any], model: ExpansionModel | None = None
) -> ExpansionModel:
    """Create a model, or change one. A model whose version scored snapshots is never
    rewritten: the change becomes a new version. Saving an active model deactivates the
    others. Invalid weights or thresholds raise InvalidExpansionModel."""
    target = model
    if model is not None:
        model = ExpansionModel.objects.select_for_update().get(pk=model.pk)
        if ExpansionSnapshot.objects.filter(model_version=model.version).exists():
            target = ExpansionModel(**{f: getattr(model, f) for f in MODEL_FIELDS})
        else:
            target = model
    if target is None:
        target = ExpansionModel()
    for name in data:
        if name not in MODEL_FIELDS:
            raise InvalidExpansionModel(f"Unknown field {name}.", attr=name)
        setattr(target, name, data[name])
    _validate(target)
    try:  # the field validators (ranges) speak for the service too, not just for the admin
        target.full_clean(exclude=["version"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        field, problems = next(iter(exc.message_dict.items()))
        raise InvalidExpansionModel(" ".join(problems), attr=field) from None
    if target.pk is None:
        target.version = next_version(ExpansionModel)
    if target.active:
        deactivate_others(ExpansionModel, target.pk)
    target.save()
    return target


@transaction.atomic
def expansion_model_activate(*, model: ExpansionModel) -> ExpansionModel:
    """Make `model` the one the read-outs and the next nightly scoring use."""
    return activate(model)


def rank_key(score: int, customer_id: str) -> str:
    """Sorts ascending as readiness descending, then customer_id."""
    return f"{100 - score:03d}:{customer_id}"


@transaction.atomic
def expansion_score(
    *,
    customer_pks: Sequence[int] | None = None,
    as_of: date | None = None,
    computed_at: datetime | None = None,
    publish: bool = True,
) -> dict[int, Readiness]:
    """Score customers (every customer alive on `as_of` when None) and store a snapshot each,
    marking it the latest. Publishes `expansion.ready` for each customer whose snapshot is
    ready while its previous latest one was not (or it had none): once per upward crossing.
    A full run also stores the day's peer shares (`_store_peer_shares`). A fixed number of
    queries whatever the count (the model lock, the targets, nine reads, the previous
    snapshots, one update, one bulk insert, on PostgreSQL one update writing the list
    members, four for the peer shares, one insert of events)."""
    computed_at = computed_at or timezone.now()
    as_of = as_of or timezone.localdate(computed_at)
    model = active_expansion_model()
    # Runs take the model row's lock: two runs never both mark a latest snapshot.
    model = ExpansionModel.objects.select_for_update().get(pk=model.pk)
    targets = customers_read.scorable_customers(as_of)
    if customer_pks is not None:
        targets = targets.filter(pk__in=IdArray(customer_pks))
    ids = dict(targets.values_list("pk", "customer_id"))
    with job_memory(len(ids)):
        results = readiness(model, list(ids), as_of)
    latest = ExpansionSnapshot.objects.filter(is_latest=True, customer_id__in=IdArray(ids))
    was_ready = dict(latest.values_list("customer_id", "ready"))
    latest.update(is_latest=False)
    created = ExpansionSnapshot.objects.bulk_create(
        [
            ExpansionSnapshot(
                customer_id=pk,
                as_of=as_of,
                computed_at=computed_at,
                score=r.score,
                ready=r.ready,
                readiness_factors=r.readiness_factors,
                factors=[f.as_dict() for f in r.factors],
                model_version=model.version,
                is_latest=True,
                rank_key=rank_key(r.score, ids[pk]),
            )
            for pk, r in results.items()
        ],
        batch_size=2000,
    )
    if json_text.available(ExpansionSnapshot.objects.db):
        # The list item's snapshot members, written once by the list's own expression: a
        # list page then reads them instead of rewriting every factor (issue 17).
        ExpansionSnapshot.objects.filter(pk__in=IdArray([s.pk for s in created])).update(
            list_members=snapshot_members()
        )
    if customer_pks is None:  # a full run: the cross-sell inputs of the day
        _store_peer_shares(as_of, computed_at)
    if publish:
        events.publish_many(
            (
                READY_EVENT,
                ids[pk],
                {
                    "score": r.score,
                    "previous_ready": was_ready.get(pk),
                    "ready_threshold": model.ready_threshold,
                    "readiness_factors": r.readiness_factors,
                    "model_version": model.version,
                    "as_of": as_of.isoformat(),
                },
            )
            for pk, r in results.items()
            if r.ready and not was_ready.get(pk, False)
        )
    return results


def _store_peer_shares(as_of: date, computed_at: datetime) -> None:
    """Replace the peer shares with today's: per segment, its healthy customers
    (customers.read.healthy_customers) and how many adopted each premium feature in the 30
    days up to `as_of`. Four queries."""
    healthy = customers_read.healthy_customers()
    segments = dict(healthy.values_list("pk", "segment"))
    adoption = product_read.premium_adoption(healthy.values("pk"), as_of)
    counts: dict[tuple[str, str], int] = {}
    for segment in [*Segment.values, *segments.values()]:
        counts.setdefault((segment, ""), 0)
    for segment in segments.values():
        counts[(segment, "")] += 1
    adopters: dict[tuple[str, str], int] = {}
    for pk, features in adoption.items():
        for feature_id in features:
            key = (segments[pk], feature_id)
            adopters[key] = adopters.get(key, 0) + 1
    ExpansionPeerShare.objects.all().delete()
    ExpansionPeerShare.objects.bulk_create(
        [
            ExpansionPeerShare(
                segment=segment,
                feature_id=feature_id,
                healthy_customers=counts[(segment, "")],
                adopters=n,
                as_of=as_of,
                computed_at=computed_at,
            )
            for (segment, feature_id), n in [
                *((key, 0) for key in counts),
                *adopters.items(),
            ]
        ]
    )
