"""Writes for health: snapshots and the events they raise."""

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from integrations import events
from integrations.bulk_sql import copy_rows
from integrations.clock import local_last_second
from integrations.idarray import IdArray
from integrations.job_memory import job_memory
from integrations.writes import activate, deactivate_others, next_version

from ..choices import CustomerStatus
from ..errors import CustomerChurned
from ..models import GRADE_RANK, Customer, HealthModel, HealthScore
from .engine import HealthResult, compute_health
from .latest import make_way, settle_latest
from .selectors import health_references

DECLINE_POINTS = 15  # a drop of this many points within 30 days raises health_declined


def active_health_model() -> HealthModel:
    model = HealthModel.objects.filter(active=True).first()
    if model is None:  # the data migration creates one; an admin may have deactivated all
        model = HealthModel.objects.order_by("-version").first()
    if model is None:  # two first recomputes may race here: get_or_create settles it
        model, _ = HealthModel.objects.get_or_create(version=1, defaults={"active": True})
    return model


@transaction.atomic
def health_recompute(
    *,
    customer_pks: Sequence[int] | None = None,
    as_of: date | None = None,
    computed_at: datetime | None = None,
    publish: bool = True,
) -> dict[int, HealthResult]:
    """Score customers (all alive ones when `customer_pks` is None) and store snapshots.

    Queries are fixed in number: the measures' aggregates, one read of each customer's
    previous and 30-day-old snapshot, the latest flag's lock and clearing (`make_way`), one
    bulk insert, one bulk insert of events.
    """
    computed_at = computed_at or timezone.now()
    as_of = as_of or timezone.localdate(computed_at)
    model = active_health_model()
    with job_memory(None if customer_pks is None else len(customer_pks)):
        results = compute_health(model, as_of, customer_pks)
        scored = {pk: r for pk, r in results.items() if r.score is not None}
        history = _previous_snapshots(list(scored), computed_at) if publish else {}
        _write_snapshots(scored, model.version, as_of, computed_at)
        if publish:
            events.publish_many(_health_events(scored, history, computed_at))
    return results


def health_recompute_now(*, customer: Customer) -> HealthResult:
    """Score one customer as of today (the API's recompute). A churned customer is not scored
    today (README, "Definitions: who is scored on a day"): CustomerChurned, nothing written."""
    if customer.status == CustomerStatus.CHURNED or customer.churned_at is not None:
        raise CustomerChurned()
    return health_recompute(customer_pks=[customer.pk])[customer.pk]


SNAPSHOT_COLUMNS = (
    "customer_id",
    "computed_at",
    "as_of",
    "score",
    "non_usage_score",
    "grade",
    "components",
    "weights",
    "model_version",
    "is_latest",
)


def _write_snapshots(
    scored: dict[int, HealthResult], version: int, as_of: date, computed_at: datetime
) -> None:
    """One COPY (PostgreSQL) of all snapshots: at 10k customers bulk_create spent ~60% of
    the recompute quoting JSON components into arrays. The COPY bypasses the model's writes,
    so the latest flag is made way for first (customers.health.latest) and written with
    the rows: each new row is its customer's latest unless one computed later exists."""
    keeps_later = make_way(list(scored), computed_at)
    ops = connection.ops
    stamp = ops.adapt_datetimefield_value(computed_at)
    day = ops.adapt_datefield_value(as_of)
    rows = [
        (
            pk,
            stamp,
            day,
            r.score,
            r.non_usage_score,
            r.grade,
            json.dumps(r.components),
            json.dumps(r.weights),
            version,
            keeps_later is not None and pk not in keeps_later,
        )
        for pk, r in scored.items()
    ]
    copy_rows(HealthScore._meta.db_table, SNAPSHOT_COLUMNS, rows)
    if keeps_later is None:  # no UPDATE ... RETURNING here: settle after writing
        settle_latest(scored)


def _previous_snapshots(pks: list[int], before: datetime) -> dict[int, dict[str, Any]]:
    """Each customer's last snapshot, and its health ~30 days before `before` (the same
    reference the trend shows: health_references)."""
    if not pks:
        return {}
    latest = HealthScore.objects.filter(customer=OuterRef("pk"), computed_at__lt=before).order_by(
        "-computed_at"
    )
    rows = (
        Customer.objects.filter(pk__in=IdArray(pks))
        .values("pk", "customer_id")
        .annotate(
            last_score=Subquery(latest.values("score")[:1]),
            last_grade=Subquery(latest.values("grade")[:1]),
        )
    )
    references = health_references(pks, before)
    return {
        row["pk"]: {
            **row,
            "ref_score": references[row["pk"]].score if row["pk"] in references else None,
        }
        for row in rows
    }


def _health_events(
    scored: dict[int, HealthResult], history: dict[int, dict[str, Any]], at: datetime
) -> list[tuple[str, str | None, dict[str, Any]]]:
    out: list[tuple[str, str | None, dict[str, Any]]] = []
    for pk, result in scored.items():
        before = history.get(pk, {})
        cid = before.get("customer_id")
        last_score, last_grade = before.get("last_score"), before.get("last_grade")
        if last_score == result.score and last_grade == result.grade:
            continue
        data = {
            "score": result.score,
            "grade": result.grade,
            "previous_score": last_score,
            "previous_grade": last_grade,
            "computed_at": at.isoformat(),
        }
        out.append(("customer.health_changed", cid, data))
        reasons = []
        if last_grade and GRADE_RANK[result.grade] < GRADE_RANK[last_grade]:  # type: ignore[index]
            reasons.append("worse_grade")
        ref = before.get("ref_score")
        if ref is not None and ref - result.score >= DECLINE_POINTS:
            reasons.append("dropped_15_points_in_30_days")
        if reasons:
            out.append(
                (
                    "customer.health_declined",
                    cid,
                    {**data, "score_30_days_ago": ref, "reasons": reasons},
                )
            )
    return out


def health_history_seed(*, customer_pks: Sequence[int] | None, days: list[date]) -> int:
    """Snapshots as of each given day, oldest first (demo data and backfills); no events."""
    written = 0
    now = timezone.now()
    for day in sorted(days):
        # Never stamp a snapshot in the future: today's would outrank tomorrow's live run.
        at = min(local_last_second(day), now)
        results = health_recompute(
            customer_pks=customer_pks, as_of=day, computed_at=at, publish=False
        )
        written += sum(1 for r in results.values() if r.score is not None)
    return written


# --- health models ------------------------------------------------------------------------

HEALTH_MODEL_FIELDS = ("name", "weights", "critical_below", "at_risk_below", "active")


@transaction.atomic
def health_model_save(*, data: Mapping[str, Any], model: HealthModel | None = None) -> HealthModel:
    """Create a health model, or change one. A model that has scored customers is never
    rewritten (each snapshot names the version whose weights produced it): the change
    becomes a new version. Saving an active model deactivates the others."""
    target = model
    if model is not None:
        model = HealthModel.objects.select_for_update().get(pk=model.pk)
        if HealthScore.objects.filter(model_version=model.version).exists():
            target = HealthModel(**{f: getattr(model, f) for f in HEALTH_MODEL_FIELDS})
        else:
            target = model
    if target is None:
        target = HealthModel()
    if target.pk is None:
        target.version = next_version(HealthModel)
    for field in HEALTH_MODEL_FIELDS:
        if field in data:
            setattr(target, field, data[field])
    if target.active:
        deactivate_others(HealthModel, target.pk)
    target.save()
    return target


@transaction.atomic
def health_model_activate(*, model: HealthModel) -> HealthModel:
    """Make `model` the one the next recompute uses."""
    return activate(model)
