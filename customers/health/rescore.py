"""Recomputing health on request: chosen customers (admin action, `manage.py recompute_health`)
or everyone in the background after a health model change, with progress.

Each batch goes through `health_recompute` (snapshots and events, as the nightly run writes
them), so a recompute here is the same write as the API's and the nightly one.
"""

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from ..choices import CustomerStatus
from ..models import GRADE_RANK, Customer, HealthRecomputeRun, HealthScore
from .services import active_health_model, health_recompute

logger = logging.getLogger(__name__)
BATCH = 500  # customers per transaction: progress moves, and a failure loses one batch


@dataclass
class RecomputeSummary:
    customers: int = 0  # asked for
    scored: int = 0
    no_data: int = 0
    skipped_churned: int = 0
    grade_changed: int = 0
    worse: int = 0
    better: int = 0
    first_score: int = 0
    score_changed: int = 0

    def text(self) -> str:
        """e.g. "Recomputed 3 customers: 2 changed grade (1 worse, 1 better), 1 score changed."""
        parts = [f"{self.grade_changed} changed grade ({self.worse} worse, {self.better} better)"]
        parts.append(f"{self.score_changed} changed score")
        if self.first_score:
            parts.append(f"{self.first_score} scored for the first time")
        if self.no_data:
            parts.append(f"{self.no_data} without data (no score)")
        if self.skipped_churned:
            parts.append(f"{self.skipped_churned} churned skipped (not scored)")
        noun = "customer" if self.scored + self.no_data == 1 else "customers"
        return f"Recomputed {self.scored + self.no_data} {noun}: {', '.join(parts)}."


def _latest(pks: Sequence[int]) -> dict[int, tuple[int | None, str | None]]:
    """Each customer's score and grade before the recompute: one query."""
    latest = HealthScore.objects.filter(customer=OuterRef("pk"), is_latest=True)
    rows = (
        Customer.objects.filter(pk__in=pks)
        .annotate(
            last_score=Subquery(latest.values("score")[:1]),
            last_grade=Subquery(latest.values("grade")[:1]),
        )
        .values_list("pk", "last_score", "last_grade")
    )
    return {pk: (score, grade) for pk, score, grade in rows}


def recompute_batch(pks: Sequence[int], summary: RecomputeSummary) -> None:
    """Score `pks` now and add what changed to `summary`."""
    before = _latest(pks)
    results = health_recompute(customer_pks=pks)
    for pk, result in results.items():
        if result.score is None:
            summary.no_data += 1
            continue
        summary.scored += 1
        last_score, last_grade = before.get(pk, (None, None))
        if last_grade is None:
            summary.first_score += 1
            continue
        if last_score != result.score:
            summary.score_changed += 1
        if last_grade != result.grade:
            summary.grade_changed += 1
            if GRADE_RANK[result.grade] < GRADE_RANK[last_grade]:  # type: ignore[index]
                summary.worse += 1
            else:
                summary.better += 1


def customers_recompute(
    *,
    customer_pks: Iterable[int],
    on_batch: Callable[[int], None] | None = None,
) -> RecomputeSummary:
    """Recompute the given customers now, in batches; churned ones are skipped (a churned
    customer is not scored today: README, "Definitions: who is scored on a day").
    `on_batch(n)` is told after each batch how many customers it handled."""
    wanted = list(dict.fromkeys(customer_pks))
    live = set(_live().filter(pk__in=wanted).values_list("pk", flat=True))
    summary = RecomputeSummary(customers=len(wanted), skipped_churned=len(wanted) - len(live))
    targets = [pk for pk in wanted if pk in live]
    for start in range(0, len(targets), BATCH):
        batch = targets[start : start + BATCH]
        recompute_batch(batch, summary)
        if on_batch:
            on_batch(len(batch))
    return summary


def _live() -> QuerySet[Customer]:
    """Customers scored today on request: active and not churned (as the API's recompute)."""
    return Customer.objects.filter(status=CustomerStatus.ACTIVE, churned_at=None)


def live_customer_count() -> int:
    return _live().count()


def live_customer_pks() -> list[int]:
    return list(_live().order_by("pk").values_list("pk", flat=True))


@transaction.atomic
def health_rescore_start(*, requested_by: str) -> HealthRecomputeRun:
    """Record a rescore of every live customer and queue it once this transaction commits
    (the worker must find the row)."""
    run = HealthRecomputeRun.objects.create(
        requested_by=requested_by,
        model_version=active_health_model().version,
        total=_live().count(),
    )
    transaction.on_commit(lambda: _queue(run.pk))
    return run


def _queue(run_pk: int) -> None:
    """After the commit, so never fail the request: a run that could not be queued (broker
    down), or that failed when run eagerly, is closed with its error for the page to show."""
    from ..tasks import rescore_everyone  # tasks import this module

    try:
        rescore_everyone.apply_async(args=(run_pk,), retry=False)
    except Exception as exc:
        logger.exception("health rescore %s failed or was not queued", run_pk)
        HealthRecomputeRun.objects.filter(pk=run_pk, finished_at=None).update(
            finished_at=timezone.now(), error=f"{type(exc).__name__}: {exc}"[:2000]
        )


def health_rescore_run(*, run_pk: int) -> HealthRecomputeRun | None:
    """The task's work: score every live customer in batches, counting progress on the run
    row after each batch (its own small write, outside the batch's transaction, so a page
    reading the run sees it move). A run already started is left alone (a redelivery)."""
    claimed = HealthRecomputeRun.objects.filter(pk=run_pk, started_at=None).update(
        started_at=timezone.now()
    )
    if not claimed:
        return None
    pks = live_customer_pks()
    HealthRecomputeRun.objects.filter(pk=run_pk).update(total=len(pks), done=0)
    progress = {"done": 0}

    def advance(count: int) -> None:
        progress["done"] += count
        HealthRecomputeRun.objects.filter(pk=run_pk).update(done=progress["done"])

    try:
        # Churned customers are not among the live ones: the summary has nothing to skip.
        customers_recompute(customer_pks=pks, on_batch=advance)
    except Exception as exc:
        HealthRecomputeRun.objects.filter(pk=run_pk).update(
            finished_at=timezone.now(), error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise
    HealthRecomputeRun.objects.filter(pk=run_pk).update(finished_at=timezone.now())
    return HealthRecomputeRun.objects.get(pk=run_pk)
