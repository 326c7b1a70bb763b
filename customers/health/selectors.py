"""Reads for health: the current score explained, its trend and its weekly history."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import (
    BigIntegerField,
    Case,
    DurationField,
    Expression,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.expressions import Combinable
from django.db.models.lookups import IsNull, LessThanOrEqual

from integrations.clock import local_day
from integrations.idarray import IdArray
from integrations.prepared import PreparedQuery
from integrations.rounding import round_half_up

from ..models import Customer, HealthScore
from .measures import registered_measures
from .reasons import reason_texts

TREND_WEEKS = 12  # weekly points in the slope: this week's and the 11 before it
STABLE_BAND = 5  # points: within ±5 over 30 days is stable
REFERENCE_DAYS = 30
REFERENCE_TOLERANCE_DAYS = 7


@dataclass(frozen=True)
class Reference:
    """A customer's health ~30 days before a moment: the snapshot it was compared with."""

    at: datetime
    score: int


def reference_target(at: Any) -> Any:
    """The moment the health ~30 days before `at` is sought at (a datetime or an expression)."""
    return at - timedelta(days=REFERENCE_DAYS)


def reference_annotations(
    snapshots: QuerySet[HealthScore], at: datetime | Combinable
) -> dict[str, Subquery]:
    """Annotations for the health ~30 days before `at` (a datetime, or an expression such as
    OuterRef("computed_at") for a per-row moment) among `snapshots` (already filtered to the
    outer row's customer): the nearest snapshot on each side of `at` − 30 days within ±7 days
    (bounds included), as before_at/before_score/after_at/after_score; `nearest_reference`
    picks between them."""
    target = reference_target(at)
    tolerance = timedelta(days=REFERENCE_TOLERANCE_DAYS)
    before = snapshots.filter(
        computed_at__gte=target - tolerance, computed_at__lte=target
    ).order_by("-computed_at", "-pk")
    after = snapshots.filter(computed_at__gt=target, computed_at__lte=target + tolerance).order_by(
        "computed_at", "pk"
    )
    return {
        "before_at": Subquery(before.values("computed_at")[:1]),
        "before_score": Subquery(before.values("score")[:1]),
        "after_at": Subquery(after.values("computed_at")[:1]),
        "after_score": Subquery(after.values("score")[:1]),
    }


def snapshot_reference_score(
    customer: str = "customer_id", at: str = "computed_at"
) -> "ReferenceScore":
    """An annotation for HealthScore rows: the score `nearest_reference` picks for the row's
    own computed_at (the health ~30 days before it), NULL without one, in SQL so lists can
    sort and filter by the 30-day change. `customer` and `at` name the customer pk and the
    moment in the annotated query (e.g. a customer joined to its latest snapshot: "pk" and
    "<join>__computed_at").

    Portable form: `reference_annotations`' two sides, chosen between by a CASE; every
    subquery is correlated to the row in WHERE only (SQLite cannot resolve an outer column in
    a subquery's ORDER BY). PostgreSQL ran each side's subqueries once per reference in the
    CASE, five index probes a row (82 ms for the dashboard's 9,040 customers), so there one
    subquery orders the ±7-day candidates by their distance to the target instead."""
    sides = reference_annotations(
        HealthScore.objects.filter(customer=OuterRef(customer)), OuterRef(at)
    )
    target = reference_target(F(at))
    before_gap = ExpressionWrapper(target - sides["before_at"], output_field=DurationField())
    after_gap = ExpressionWrapper(sides["after_at"] - target, output_field=DurationField())
    portable = Case(
        When(IsNull(sides["after_at"], True), then=sides["before_score"]),
        When(IsNull(sides["before_at"], True), then=sides["after_score"]),
        When(LessThanOrEqual(before_gap, after_gap), then=sides["before_score"]),  # tie: older
        default=sides["after_score"],
        output_field=IntegerField(),
    )
    outer_target = reference_target(OuterRef(at))
    tolerance = timedelta(days=REFERENCE_TOLERANCE_DAYS)
    before = Q(computed_at__lte=outer_target)
    nearest = (
        HealthScore.objects.filter(
            customer=OuterRef(customer),
            computed_at__gte=outer_target - tolerance,
            computed_at__lte=outer_target + tolerance,
        )
        .annotate(
            gap=Case(
                When(before, then=outer_target - F("computed_at")),
                default=F("computed_at") - outer_target,
                output_field=DurationField(),
            ),
            # nearest first; on a tie the older; at one moment the side's own pick
            # (`reference_annotations`: the newer row before the target, the older after)
            side_order=Case(
                When(before, then=-F("pk")), default=F("pk"), output_field=BigIntegerField()
            ),
        )
        .order_by("gap", "computed_at", "side_order")
        .values("score")[:1]
    )
    return ReferenceScore(portable, Subquery(nearest, output_field=IntegerField()))


class ReferenceScore(Expression):
    """`snapshot_reference_score`'s two forms of one value: the single-subquery one on
    PostgreSQL, the portable one elsewhere."""

    output_field = IntegerField()

    def __init__(self, portable: Any, postgresql: Any) -> None:
        super().__init__()
        self.portable, self.postgresql = portable, postgresql

    def get_source_expressions(self) -> list[Any]:
        return [self.portable, self.postgresql]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        self.portable, self.postgresql = exprs

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        return compiler.compile(self.portable)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        return compiler.compile(self.postgresql)


def nearest_reference(
    at: datetime,
    before_at: datetime | None,
    before_score: int | None,
    after_at: datetime | None,
    after_score: int | None,
) -> "Reference | None":
    """The side nearer to `at` − 30 days (on a tie the older one); None without either."""
    target = reference_target(at)
    sides = [
        (abs(side_at - target), side_at, score)
        for side_at, score in ((before_at, before_score), (after_at, after_score))
        if side_at is not None and score is not None
    ]
    if not sides:
        return None
    _, ref_at, ref_score = min(sides)
    return Reference(ref_at, ref_score)


def health_references(customer_pks: Sequence[int], at: datetime) -> dict[int, Reference]:
    """The health ~30 days ago, the one definition used by the trend, the decline event and
    the workflow conditions: the snapshot nearest to `at` − 30 days within ±7 days (bounds
    included; on a tie the older one). Customers without one are left out. One query for
    any number of customers: the nearest snapshot on each side of the target, compared here.
    """
    if not customer_pks:
        return {}
    refs = reference_annotations(HealthScore.objects.filter(customer=OuterRef("pk")), at)
    rows = (
        # The ids as one array (integrations.idarray): the recompute asks for every customer.
        Customer.objects.filter(pk__in=IdArray(customer_pks))
        .annotate(
            before_at=refs["before_at"],
            before_score=refs["before_score"],
            after_at=refs["after_at"],
            after_score=refs["after_score"],
        )
        .values_list("pk", "before_at", "before_score", "after_at", "after_score")
    )
    found: dict[int, Reference] = {}
    for pk, *sides in rows:
        reference = nearest_reference(at, *sides)
        if reference is not None:
            found[pk] = reference
    return found


def health_reference(customer: Customer, at: datetime) -> Reference | None:
    """The same definition for one customer."""
    return health_references([customer.pk], at).get(customer.pk)


def _latest_with_reference(customer_pk: int) -> QuerySet[HealthScore]:
    """The customer's latest snapshot with `reference_annotations` for its own computed_at
    (the health ~30 days before it, `nearest_reference` picks the side): one statement."""
    sides = reference_annotations(
        HealthScore.objects.filter(customer=OuterRef("customer_id")), OuterRef("computed_at")
    )
    return HealthScore.objects.filter(customer_id=customer_pk, is_latest=True).annotate(**sides)


def _history(customer_pk: int, since: datetime) -> QuerySet[Any]:
    return (
        HealthScore.objects.filter(customer_id=customer_pk, computed_at__gte=since)
        .order_by("computed_at")
        .values_list("computed_at", "score", "grade")
    )


# Compiled once per thread: building and compiling these cost more than running them.
_LATEST = PreparedQuery(_latest_with_reference, customer_pk=int)
_HISTORY = PreparedQuery(_history, customer_pk=int, since=datetime)


def health_detail(customer: Customer, *, weeks: int = 52) -> dict[str, Any]:
    """Two statements: the latest snapshot with its 30-day reference, and the history window;
    everything else is arithmetic on them."""
    latest = _LATEST.first(customer_pk=customer.pk)
    base: dict[str, Any] = {"customer_id": customer.customer_id}
    if latest is None:
        return {
            **base,
            "score": None,
            "grade": None,
            "computed_at": None,
            "as_of": None,
            "model_version": None,
            "components": {},
            "trend": None,
            "history": [],
            "reasons": [],
            "reason": "Not computed yet: POST .../health/recompute, or wait for the nightly run.",
        }
    since = latest.computed_at - timedelta(weeks=max(weeks, TREND_WEEKS) + 1)
    rows: list[tuple[datetime, int, str]] = _HISTORY.all(customer_pk=customer.pk, since=since)
    weekly = _weekly(rows)
    docs = registered_measures()
    components = {
        name: {**value, "description": docs[name].description if name in docs else None}
        for name, value in latest.components.items()
    }
    return {
        **base,
        "score": latest.score,
        "grade": latest.grade,
        "computed_at": latest.computed_at,
        "as_of": latest.as_of,
        "model_version": latest.model_version,
        "components": components,
        "explanation": _explain(latest),
        "reasons": reason_texts(latest.components or {}),
        "trend": trend(
            rows,
            latest.computed_at,
            latest.score,
            nearest_reference(
                latest.computed_at,
                latest.before_at,  # type: ignore[attr-defined]
                latest.before_score,  # type: ignore[attr-defined]
                latest.after_at,  # type: ignore[attr-defined]
                latest.after_score,  # type: ignore[attr-defined]
            ),
        ),
        "history": [
            {"week_start": week, "score": score, "grade": grade}
            for week, score, grade in weekly[-weeks:]
        ],
        "reason": None,
    }


def _explain(snapshot: HealthScore) -> str:
    parts = [
        f"{name} {c['score']} × {c['effective_weight']}"
        for name, c in snapshot.components.items()
        if c.get("score") is not None
    ]
    missing = [n for n, c in snapshot.components.items() if c.get("score") is None]
    text = f"score {snapshot.score} = round({' + '.join(parts)})"
    if missing:
        text += f"; no data for {', '.join(missing)}, their weight spread over the rest"
    return text


def _weekly(rows: list[tuple[datetime, int, str]]) -> list[tuple[date, int, str]]:
    """The last snapshot of each ISO week (Monday start)."""
    weeks: dict[date, tuple[int, str]] = {}
    for at, score, grade in rows:
        weeks[_week_start(at)] = (score, grade)
    return [(week, score, grade) for week, (score, grade) in sorted(weeks.items())]


def _week_start(at: datetime) -> date:
    """The Monday of `at`'s week, in the deployment's time zone."""
    day = local_day(at)
    return day - timedelta(days=day.weekday())


def trend(
    rows: list[tuple[datetime, int, str]], now: datetime, score: int, reference: Reference | None
) -> dict[str, Any]:
    """Change vs `reference` (the health ~30 days before `now`, see health_references);
    least-squares slope per week over the weekly points of the last 12 weeks (README,
    "Definitions: trend slope"); direction from the 30-day change (±5), or from the slope ×
    30/7 when there is no reference."""
    change = score - reference.score if reference else None
    first_week = _week_start(now) - timedelta(weeks=TREND_WEEKS - 1)
    points = [
        (week, s) for week, s, _ in _weekly([r for r in rows if r[0] <= now]) if week >= first_week
    ]
    slope = _slope(points)
    basis_value = change if change is not None else (slope * 30 / 7 if slope is not None else None)
    if basis_value is None:
        direction = None
    elif basis_value >= STABLE_BAND:
        direction = "improving"
    elif basis_value <= -STABLE_BAND:
        direction = "declining"
    else:
        direction = "stable"
    return {
        "change_30d": change,
        "reference_score": reference.score if reference else None,
        "reference_at": reference.at if reference else None,
        "slope_per_week": None if slope is None else round_half_up(slope, 3),
        "weeks_in_slope": len(points),
        "direction": direction,
        "basis": "change_30d" if change is not None else ("slope" if slope is not None else None),
        "reason": None
        if basis_value is not None
        else "not enough history (needs a snapshot near 30 days ago, or 3 weekly points)",
    }


def _slope(points: list[tuple[date, int]]) -> float | None:
    if len(points) < 3:
        return None
    origin = points[0][0]
    xs = [(week - origin).days / 7 for week, _ in points]
    ys = [float(s) for _, s in points]
    n = len(xs)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    if sxx == 0:
        return None
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sxx
