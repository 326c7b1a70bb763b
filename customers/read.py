"""The CS core's public read API: what higher apps (product, operations, finance, ...) read
from `customers`. Typed and set-based: each reader takes customer primary keys (or None for
every customer) and answers `{pk: frozen dataclass}` in a fixed number of queries.

Higher apps import this module (and `customers.models` for foreign keys and type hints only),
never `customers.selectors` or `customers.health.*` internals; import-linter enforces it
(pyproject, "Public read APIs").
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    ExpressionWrapper,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)

from integrations.clock import DayWindow, local_day_end
from integrations.clock import today as clock_today
from integrations.idarray import IdArray, IdSubquery
from integrations.prepared import PreparedQuery
from integrations.replica import primary_reads

from . import facts
from .choices import CustomerStatus, MilestoneStatus
from .health import distribution
from .health.engine import scorable_customers
from .health.selectors import (
    STABLE_BAND,
    Reference,
    health_detail,
    health_reference,
    health_references,
    nearest_reference,
    reference_annotations,
    snapshot_reference_score,
)
from .health.services import DECLINE_POINTS
from .models import (
    Customer,
    HealthGrade,
    HealthScore,
    LifecycleChange,
    Milestone,
    Stakeholder,
    SuccessPlan,
    TeamMember,
)
from .selectors import customer_get

__all__ = [
    "DECLINE_POINTS",
    "STABLE_BAND",
    "TREND_DIRECTIONS",
    "ArrRank",
    "CsmLoad",
    "CustomerLabel",
    "CustomerRef",
    "GradeCounts",
    "HealthChange",
    "HealthDistribution",
    "HealthSnapshot",
    "LifecyclePosition",
    "ManagedAccount",
    "MilestoneView",
    "Reference",
    "StageChange",
    "StakeholderCoverage",
    "SuccessPlanView",
    "TeamMemberRef",
    "accounts_managed_by",
    "active_customer",
    "active_customer_pks",
    "active_customers",
    "active_team_member_loads",
    "active_team_members",
    "arr_rank",
    "change_direction",
    "customer_get",
    "customer_labels",
    "customer_refs",
    "customer_segments",
    "customers_among",
    "direction_filter",
    "executive_sponsor_on",
    "health_changes",
    "health_detail",
    "health_distribution",
    "health_reference",
    "health_references",
    "healthy_customers",
    "latest_health",
    "latest_health_scores",
    "lifecycle_histories",
    "lifecycle_positions",
    "milestones_achieved",
    "scorable_customers",
    "stakeholder_coverage",
    "success_plan_pks",
    "success_plans",
    "team_member_loads",
    "team_member_of_user",
    "team_member_ref",
    "with_health",
]


def active_customer_pks() -> list[int]:
    """Primary keys of the customers with status active. One query."""
    return list(Customer.objects.filter(status=CustomerStatus.ACTIVE).values_list("id", flat=True))


def active_customers() -> QuerySet[Customer]:
    """Customers with status active, as a queryset to compose into one aggregate query."""
    return Customer.objects.filter(status=CustomerStatus.ACTIVE)


def customers_among(
    customer_pks: Sequence[int] | None, *, excluding: Collection[int] = ()
) -> QuerySet[Customer]:
    """The customers with the given pks (every customer: None) but those `excluding`, as a
    queryset to compose; both id lists bound as one array each (integrations.idarray), so a
    hashed lookup, not a placeholder per id, even for every customer."""
    customers = Customer.objects.all()
    if excluding:
        customers = customers.exclude(pk__in=IdArray(excluding))
    if customer_pks is not None:
        customers = customers.filter(pk__in=IdArray(customer_pks))
    return customers


def active_customer(path: str) -> Q:
    """The customer at `path` (a lookup from another model, "customer") is active: a filter on
    a join the query makes anyway, where `customer__in=active_customers()` joins the
    customers a second time."""
    return Q(**{f"{path}__status": CustomerStatus.ACTIVE})


def active_team_members() -> QuerySet[TeamMember]:
    """CSMs with active=True, as a queryset to compose into one aggregate query."""
    return TeamMember.objects.filter(active=True)


@dataclass(frozen=True, slots=True)
class ArrRank:
    """A customer's ARR (None: none) and its rank in [0, 1]: the share of customers with ARR
    whose ARR is at or below it (0 without ARR); `ranked` = customers with ARR."""

    arr: Decimal | None
    rank: float
    ranked: int


def arr_rank(customer_pk: int) -> ArrRank:
    """From the ARR a higher app registers (customers.facts). Two queries."""
    mine = Customer.objects.filter(pk=customer_pk).annotate(arr=facts.arr_expression("pk"))
    arr = mine.values_list("arr", flat=True).first()
    ranked = Customer.objects.annotate(arr=facts.arr_expression("pk")).filter(arr__gt=0)
    if arr is None or arr <= 0:
        return ArrRank(None, 0.0, ranked.count())
    counts = ranked.aggregate(total=Count("pk"), at_or_below=Count("pk", filter=Q(arr__lte=arr)))
    total = counts["total"] or 0
    return ArrRank(arr, (counts["at_or_below"] / total if total else 0.0), total)


# --- health -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HealthSnapshot:
    customer_pk: int
    score: int
    grade: str
    computed_at: datetime
    as_of: date
    non_usage_score: int | None


def latest_health(
    field: str,
    *,
    outer_ref: str = "pk",
    computed_until: datetime | None = None,
    as_of_after: date | None = None,
    as_of_until: date | None = None,
    as_of_in: DayWindow | None = None,
) -> Subquery:
    """An annotation: `field` of the customer's latest snapshot (by computed_at, newest pk on a
    tie) among those matching the bounds; NULL without one. For set-based SQL that must stay
    one query (annotate a customer queryset; `outer_ref` names the customer pk there).
    Without bounds ("now") it is the flagged row (`HealthScore.is_latest`): an index lookup,
    not a sort of the customer's history."""
    rows = HealthScore.objects.filter(customer_id=OuterRef(outer_ref))
    if (computed_until, as_of_after, as_of_until, as_of_in) == (None, None, None, None):
        return Subquery(rows.filter(is_latest=True).order_by().values(field)[:1])
    if computed_until is not None:
        rows = rows.filter(computed_at__lte=computed_until)
    if as_of_after is not None:
        rows = rows.filter(as_of__gt=as_of_after)
    if as_of_until is not None:
        rows = rows.filter(as_of__lte=as_of_until)
    if as_of_in is not None:
        rows = rows.filter(as_of_in.dates("as_of"))
    return Subquery(rows.order_by("-computed_at", "-pk").values(field)[:1])


def _latest_until(pks: IdArray, until: date) -> QuerySet[Any]:
    """`latest_health_scores(pks, as_of_until=until)`'s statement."""
    latest = (
        Customer.objects.filter(pk__in=pks)
        .annotate(latest=latest_health("pk", as_of_until=until))
        .values("latest")
    )
    return HealthScore.objects.filter(pk__in=IdSubquery(latest)).values_list(
        "customer_id", "score", "grade", "computed_at", "as_of", "non_usage_score"
    )


_LATEST_UNTIL: PreparedQuery[Any] = PreparedQuery(_latest_until, pks=IdArray, until=date)


def latest_health_scores(
    customer_pks: Sequence[int] | None,
    *,
    computed_until: datetime | None = None,
    as_of_in: DayWindow | None = None,
    as_of_until: date | None = None,
) -> dict[int, HealthSnapshot]:
    """Each customer's latest snapshot (computed at or before `computed_until`, scored for a
    day inside `as_of_in` or on or before `as_of_until`, when given). Customers without one
    are left out. One query."""
    if customer_pks is not None and not customer_pks:
        return {}
    only_until = as_of_until is not None and computed_until is None and as_of_in is None
    if customer_pks is not None and only_until:
        # The expansion read-out's read of one customer: compiled once per thread.
        found = _LATEST_UNTIL.all(pks=IdArray(customer_pks), until=as_of_until)
        return {row[0]: HealthSnapshot(*row) for row in found}
    if (computed_until, as_of_in, as_of_until) == (None, None, None):
        # Now: the flagged rows themselves (HealthScore.is_latest), no subquery per customer.
        snapshots = HealthScore.objects.filter(is_latest=True)
        if customer_pks is not None:
            snapshots = snapshots.filter(customer_id__in=customer_pks)
    else:
        customers: QuerySet[Customer] = Customer.objects.all()
        if customer_pks is not None:
            customers = customers.filter(pk__in=customer_pks)
        latest = customers.annotate(
            latest=latest_health(
                "pk", computed_until=computed_until, as_of_in=as_of_in, as_of_until=as_of_until
            )
        ).values("latest")
        # Fetched by primary key from the ids' array (IdSubquery): as `IN (subquery)`
        # PostgreSQL hashed the whole table and ran the per-customer subquery three times.
        snapshots = HealthScore.objects.filter(pk__in=IdSubquery(latest))
    rows = snapshots.values_list(
        "customer_id", "score", "grade", "computed_at", "as_of", "non_usage_score"
    )
    return {row[0]: HealthSnapshot(*row) for row in rows}


def latest_scores(customer_pks: Sequence[int], *, as_of_until: date) -> dict[int, int]:
    """Each customer's score in its latest snapshot scored for `as_of_until` or before
    (`latest_health`'s order); customers without one are left out. One query: a backward
    index-only lookup per customer (health_customer_latest_idx holds the score), where
    `latest_health_scores` finds each snapshot's id and then fetches the wide rows by id (and
    parses their times) for renewal scoring, which takes the score alone of thousands."""
    return latest_scores_until(customer_pks, (as_of_until,))[0]


def latest_scores_until(customer_pks: Sequence[int], days: Sequence[date]) -> list[dict[int, int]]:
    """`latest_scores` for each of `days`, in their order: one query for all of them (one
    subquery per day), where renewal scoring's today and 30 days earlier were two; compiled
    once per thread and number of days (building it cost ~2.5 ms, the statement ~0.1 ms)."""
    if not customer_pks:
        return [{} for _ in days]
    prepared = _LATEST_SCORES.get(len(days))
    if prepared is None:
        prepared = _LATEST_SCORES.setdefault(len(days), _latest_scores_query(len(days)))
    values = {f"day_{i}": day for i, day in enumerate(days)}
    found: list[dict[int, int]] = [{} for _ in days]
    for pk, *scores in prepared.all(pks=IdArray(customer_pks), **values):
        for by_pk, score in zip(found, scores, strict=True):
            if score is not None:
                by_pk[pk] = score
    return found


def _latest_scores_query(count: int) -> PreparedQuery[Any]:
    names = [f"day_{i}" for i in range(count)]

    def build(pks: IdArray, **days: date) -> QuerySet[Any]:
        return (
            Customer.objects.filter(pk__in=pks)
            .order_by()
            .annotate(**{f"score_{n}": latest_health("score", as_of_until=days[n]) for n in names})
            .values_list("pk", *(f"score_{n}" for n in names))
        )

    return PreparedQuery(build, pks=IdArray, **dict.fromkeys(names, date))


_LATEST_SCORES: dict[int, PreparedQuery[Any]] = {}


@dataclass(frozen=True, slots=True)
class HealthChange:
    """The latest score against the health ~30 days before it (`health_references`)."""

    latest: HealthSnapshot
    reference: Reference | None

    @property
    def change_30d(self) -> int | None:
        return None if self.reference is None else self.latest.score - self.reference.score


def _latest_ids(pks: IdArray, until: date | None) -> QuerySet[Any]:
    customers = Customer.objects.filter(pk__in=pks)
    return customers.annotate(latest=latest_health("pk", as_of_until=until)).values_list(
        "latest", flat=True
    )


def _changes(ids: IdArray) -> QuerySet[Any]:
    refs = reference_annotations(
        HealthScore.objects.filter(customer=OuterRef("customer_id")), OuterRef("computed_at")
    )
    return (
        HealthScore.objects.filter(pk__in=ids)
        .annotate(
            before_at=refs["before_at"],
            before_score=refs["before_score"],
            after_at=refs["after_at"],
            after_score=refs["after_score"],
        )
        .values_list(
            "customer_id",
            "score",
            "grade",
            "computed_at",
            "as_of",
            "non_usage_score",
            "before_at",
            "before_score",
            "after_at",
            "after_score",
        )
    )


# Read per request by the journey status and the marketing signals: compiled once per thread.
_LATEST_IDS_NOW: PreparedQuery[Any] = PreparedQuery(lambda pks: _latest_ids(pks, None), pks=IdArray)
_LATEST_IDS_UNTIL: PreparedQuery[Any] = PreparedQuery(_latest_ids, pks=IdArray, until=date)
_CHANGES: PreparedQuery[Any] = PreparedQuery(_changes, ids=IdArray)


def health_changes(
    customer_pks: Sequence[int], *, as_of_until: date | None = None
) -> dict[int, HealthChange]:
    """Per customer with a snapshot (scored for a day on or before `as_of_until`, when given):
    its latest score and the 30-day reference of that moment (`health_references`' definition,
    each customer at its own latest computed_at). Two queries for any number of customers
    and recompute moments: the latest snapshots' ids, then those rows by primary key with
    their references (one statement joining the two made PostgreSQL hash the whole table)."""
    if not customer_pks:
        return {}
    pks = IdArray(customer_pks)
    ids = (
        _LATEST_IDS_NOW.all(pks=pks)
        if as_of_until is None
        else _LATEST_IDS_UNTIL.all(pks=pks, until=as_of_until)
    )
    latest = [pk for pk in ids if pk is not None]
    if not latest:
        return {}
    rows = _CHANGES.all(ids=IdArray(latest))
    found: dict[int, HealthChange] = {}
    for pk, score, grade, at, day, non_usage, *sides in rows:
        snapshot = HealthSnapshot(pk, score, grade, at, day, non_usage)
        found[pk] = HealthChange(snapshot, nearest_reference(at, *sides))
    return found


# The trend directions of the 30-day change (the read-out's ±STABLE_BAND; marketing's
# `direction_of`): what `direction_filter` accepts.
TREND_DIRECTIONS = ("declining", "stable", "improving")


# The customer's flagged latest snapshot as a LEFT JOIN (at most one row: the partial unique
# index), for aggregates: PostgreSQL copies a subquery column into every FILTER that reads it,
# running it once per grade; a joined column is read, not run.
LATEST = "latest_snapshot"


def _with_latest(customers: QuerySet[Customer]) -> QuerySet[Customer]:
    return customers.alias(
        **{LATEST: FilteredRelation("health_scores", condition=Q(health_scores__is_latest=True))}
    )


def with_health(customers: QuerySet[Customer], *, outer_ref: str = "pk") -> QuerySet[Any]:
    """`customers` annotated, in the same one query, with `health_score` and `health_grade` of
    the latest snapshot and `health_change_30d`: that score minus the health ~30 days before
    it (`health_references`' definition, `snapshot_reference_score`), as `health_changes` gives it;
    NULL without a snapshot or a reference. In SQL so lists can sort and filter by the change
    (tests/customers/test_health_annotations.py checks it equals `health_changes`).

    On a customer queryset (`outer_ref` "pk") the latest snapshot is joined (its flagged
    row: at most one, so the rows stay the customers) and the reference is sought from the
    joined row's columns; elsewhere the flagged row is looked up per row."""
    if outer_ref == "pk" and customers.model is Customer:
        at = f"{LATEST}__computed_at"
        return _with_latest(customers).annotate(
            health_score=F(f"{LATEST}__score"),
            health_grade=F(f"{LATEST}__grade"),
            health_change_30d=ExpressionWrapper(
                F(f"{LATEST}__score") - snapshot_reference_score("pk", at),
                output_field=IntegerField(),
            ),
        )
    latest = HealthScore.objects.filter(customer_id=OuterRef(outer_ref), is_latest=True).order_by()
    # The reference is sought from the latest row itself: its subqueries read that row's
    # columns instead of repeating the latest-snapshot subquery.
    change = latest.annotate(
        change=ExpressionWrapper(
            F("score") - snapshot_reference_score(), output_field=IntegerField()
        )
    ).values("change")[:1]
    return customers.annotate(
        health_score=latest_health("score", outer_ref=outer_ref),
        health_grade=latest_health("grade", outer_ref=outer_ref),
        health_change_30d=Subquery(change, output_field=IntegerField()),
    )


def change_direction(change_30d: int | None) -> str | None:
    """The trend direction of a 30-day change (±STABLE_BAND, as `direction_filter`); None
    without a change."""
    if change_30d is None:
        return None
    if change_30d <= -STABLE_BAND:
        return "declining"
    if change_30d >= STABLE_BAND:
        return "improving"
    return "stable"


def direction_filter(direction: str, field: str = "health_change_30d") -> Q:
    """Rows whose 30-day change (`field`, e.g. `with_health`'s) is in the trend `direction`:
    declining ≤ −STABLE_BAND, improving ≥ +STABLE_BAND, stable in between (the read-out's
    and marketing's band). A NULL change is in none (no reference ~30 days ago)."""
    if direction == "declining":
        return Q(**{f"{field}__lte": -STABLE_BAND})
    if direction == "improving":
        return Q(**{f"{field}__gte": STABLE_BAND})
    if direction == "stable":
        return Q(**{f"{field}__gt": -STABLE_BAND, f"{field}__lt": STABLE_BAND})
    raise ValueError(f"unknown trend direction {direction!r}")


# --- stakeholders -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StakeholderCoverage:
    stakeholders: int
    champions: int
    executive_sponsors: int

    @property
    def has_champion(self) -> bool:
        return self.champions > 0

    @property
    def has_executive_sponsor(self) -> bool:
        return self.executive_sponsors > 0


def _coverage(pks: IdArray | None) -> QuerySet[Any]:
    rows = Stakeholder.objects.order_by()
    if pks is not None:
        rows = rows.filter(customer_id__in=pks)
    return rows.values("customer_id").annotate(
        n=Count("id"),
        champions=Count("id", filter=Q(is_champion=True)),
        sponsors=Count("id", filter=Q(is_executive_sponsor=True)),
    )


_COVERAGE: PreparedQuery[Any] = PreparedQuery(_coverage, pks=IdArray)


def stakeholder_coverage(customer_pks: Sequence[int] | None) -> dict[int, StakeholderCoverage]:
    """Stakeholder counts per customer that has any (None: every customer). One query."""
    if customer_pks is None:
        grouped: Any = _coverage(None)
    elif not customer_pks:
        return {}
    else:
        grouped = _COVERAGE.all(pks=IdArray(customer_pks))
    return {
        row["customer_id"]: StakeholderCoverage(row["n"], row["champions"], row["sponsors"])
        for row in grouped
    }


_SPONSORS_BY: PreparedQuery[Any] = PreparedQuery(
    lambda pks, end: (
        Stakeholder.objects.filter(
            customer_id__in=pks, is_executive_sponsor=True, created_at__lt=end
        )
        .order_by()  # else the model's ordering (email) joins the DISTINCT: a row per sponsor
        .values_list("customer_id", flat=True)
        .distinct()
    ),
    pks=IdArray,
    end=datetime,
)


def executive_sponsor_on(customer_pks: Sequence[int], day: date) -> set[int]:
    """Customers with a stakeholder flagged executive sponsor recorded by the end of `day`
    (created_at; the flag's own history is not kept, so a later flag counts from creation).
    One query."""
    if not customer_pks:
        return set()
    return set(_SPONSORS_BY.all(pks=IdArray(customer_pks), end=local_day_end(day)))


# The single-customer read-outs call these per request: compiled once per thread
# (integrations.prepared), the ids bound as one array.
_SEGMENTS: PreparedQuery[Any] = PreparedQuery(
    lambda pks: Customer.objects.filter(pk__in=pks).values_list("pk", "segment"), pks=IdArray
)


def customer_segments(customer_pks: Sequence[int]) -> dict[int, str]:
    """Each customer's segment. One query (none for no pks)."""
    if not customer_pks:
        return {}
    return dict(_SEGMENTS.all(pks=IdArray(customer_pks)))


@dataclass(frozen=True, slots=True)
class CustomerRef:
    """A customer's public id and its churn state (marketing: holdout ranking, retention)."""

    customer_id: str
    status: str
    churned_at: datetime | None

    def churned_by(self, moment: datetime) -> bool:
        """Churned at or before `moment` (a reactivated customer has no churned_at)."""
        return (
            self.status == CustomerStatus.CHURNED
            and self.churned_at is not None
            and self.churned_at <= moment
        )


def customer_refs(customer_pks: Sequence[int]) -> dict[int, CustomerRef]:
    """customer_id, status and churned_at per customer. One query (none for no pks)."""
    if not customer_pks:
        return {}
    rows = Customer.objects.filter(pk__in=customer_pks).values_list(
        "pk", "customer_id", "status", "churned_at"
    )
    return {pk: CustomerRef(cid, status, churned_at) for pk, cid, status, churned_at in rows}


@dataclass(frozen=True, slots=True)
class LifecyclePosition:
    """A customer's recorded status and lifecycle stage, and since when it is in that stage:
    the latest history row that moved it there, or its creation when none did."""

    status: str
    stage: str
    since: datetime


def _lifecycle_positions(pks: IdArray) -> QuerySet[Any]:
    entered = LifecycleChange.objects.filter(
        customer=OuterRef("pk"), to_stage=OuterRef("lifecycle_stage")
    ).order_by("-changed_at", "-pk")
    return (
        Customer.objects.filter(pk__in=pks)
        .annotate(entered=Subquery(entered.values("changed_at")[:1]))
        .values_list("pk", "status", "lifecycle_stage", "entered", "created_at")
    )


_LIFECYCLE_POSITIONS: PreparedQuery[Any] = PreparedQuery(_lifecycle_positions, pks=IdArray)


def lifecycle_positions(customer_pks: Sequence[int]) -> dict[int, LifecyclePosition]:
    """Every asked customer that exists. One query."""
    if not customer_pks:
        return {}
    rows = _LIFECYCLE_POSITIONS.all(pks=IdArray(customer_pks))
    return {
        pk: LifecyclePosition(status, stage, entered or created)
        for pk, status, stage, entered, created in rows
    }


# --- team members and success plans -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CsmLoad:
    """A team member with how many active customers it carries against its capacity."""

    pk: int
    email: str
    name: str
    active: bool
    capacity: int
    assigned: int

    @property
    def over_capacity(self) -> bool:
        return self.assigned > self.capacity


def team_member_loads(emails: Sequence[str]) -> dict[str, CsmLoad]:
    """Lower-cased email -> CsmLoad for the known team members (active or not). One query."""
    wanted = {e.lower() for e in emails if e}
    if not wanted:
        return {}
    rows = (
        TeamMember.objects.filter(email__in=wanted)
        .annotate(n=Count("customers", filter=Q(customers__status=CustomerStatus.ACTIVE)))
        .values_list("pk", "email", "name", "active", "capacity", "n")
    )
    return {row[1]: CsmLoad(*row) for row in rows}


@dataclass(frozen=True, slots=True)
class MilestoneView:
    milestone_id: str
    title: str
    status: str
    due_date: date | None
    achieved_on: date | None


@dataclass(frozen=True, slots=True)
class SuccessPlanView:
    """A plan with its objectives (objects, SuccessPlan.objective_items) and milestones."""

    plan_id: str
    title: str
    status: str
    start_date: date | None
    objectives: tuple[dict[str, object], ...]
    milestones: tuple[MilestoneView, ...]


def success_plans(plan_pks: Sequence[int]) -> dict[int, SuccessPlanView]:
    """Plans by primary key with their milestones (by due date). Two queries."""
    if not plan_pks:
        return {}
    plans = list(SuccessPlan.objects.filter(pk__in=plan_pks))
    milestones: dict[int, list[MilestoneView]] = {p.pk: [] for p in plans}
    rows = Milestone.objects.filter(plan_id__in=milestones).order_by("due_date", "id")
    for m in rows:
        milestones[m.plan_id].append(
            MilestoneView(m.milestone_id, m.title, m.status, m.due_date, m.achieved_on)
        )
    return {
        p.pk: SuccessPlanView(
            p.plan_id,
            p.title,
            p.status,
            p.start_date,
            tuple(p.objective_items()),
            tuple(milestones[p.pk]),
        )
        for p in plans
    }


# --- expansion readiness (sales) ------------------------------------------------------------


_MILESTONES: PreparedQuery[Any] = PreparedQuery(
    lambda pks, first, last: (
        Milestone.objects.filter(
            DayWindow(first, last).dates("achieved_on"),
            plan__customer_id__in=pks,
            status=MilestoneStatus.ACHIEVED,
        )
        .order_by()
        .values("plan__customer_id")
        .annotate(n=Count("id"))
        .values_list("plan__customer_id", "n")
    ),
    pks=IdArray,
    first=date,
    last=date,
)


def milestones_achieved(customer_pks: Sequence[int], window: DayWindow) -> dict[int, int]:
    """Milestones (of any success plan) with status achieved and `achieved_on` inside the
    window, per customer that has any. One query."""
    if not customer_pks:
        return {}
    rows = _MILESTONES.all(pks=IdArray(customer_pks), first=window.first_day, last=window.last_day)
    return dict(rows)


def healthy_customers() -> QuerySet[Customer]:
    """Active customers whose latest health snapshot is graded healthy, as a queryset to
    compose (filter by segment, count, or use as a subquery in one aggregate query)."""
    return (
        active_customers()
        .annotate(latest_grade=latest_health("grade"))
        .filter(latest_grade=HealthGrade.HEALTHY)
    )


# --- lifecycle history (marketing journeys) -------------------------------------------------


@dataclass(frozen=True, slots=True)
class StageChange:
    """One entry of a customer's lifecycle history (`from_stage` is "" for the first)."""

    from_stage: str
    to_stage: str
    source: str
    reason: str
    changed_at: datetime


_HISTORIES: PreparedQuery[Any] = PreparedQuery(
    lambda pks: (
        LifecycleChange.objects.filter(customer_id__in=pks)
        .order_by("customer_id", "-changed_at", "-id")
        .values_list("customer_id", "from_stage", "to_stage", "source", "reason", "changed_at")
    ),
    pks=IdArray,
)


def lifecycle_histories(customer_pks: Sequence[int]) -> dict[int, tuple[StageChange, ...]]:
    """Every asked customer's lifecycle history, newest first (by changed_at, then the newest
    row); a customer without history maps to (). One query."""
    found: dict[int, list[StageChange]] = {pk: [] for pk in customer_pks}
    if not customer_pks:
        return {}
    rows = _HISTORIES.all(pks=IdArray(found))
    for pk, from_stage, to_stage, source, reason, changed_at in rows:
        found[pk].append(StageChange(from_stage, to_stage, source, reason, changed_at))
    return {pk: tuple(changes) for pk, changes in found.items()}


# --- the portfolio (the cockpit dashboard) -------------------------------------------------


@dataclass(frozen=True, slots=True)
class GradeCounts:
    """How many customers held each grade (`counts`, every HealthGrade present, zeros
    included) and how many counted customers had no snapshot (`unscored`)."""

    day: date | None  # None: now (each active customer's latest snapshot, whatever its day)
    counts: dict[str, int]
    unscored: int

    @property
    def scored(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True, slots=True)
class HealthDistribution:
    current: GradeCounts
    by_day: tuple[GradeCounts, ...]  # in the order the days were asked


def _alive_on(day: date) -> Q:
    """`scorable_customers`' definition (alive on the day) as a condition on Customer rows."""
    end = local_day_end(day)
    alive = Q(churned_at__gte=end) | Q(churned_at__isnull=True, status=CustomerStatus.ACTIVE)
    return alive & Q(created_at__lt=end)


def health_distribution(days: Sequence[date]) -> HealthDistribution:
    """Grade counts now (the active customers, each by its latest snapshot) and on each of
    `days` (the customers alive that day — `scorable_customers` — each by the latest snapshot
    scored for a day on or before it). Days before today are remembered while they hold
    (customers.health.distribution); the rest are counted in one query whatever the number of
    customers and days: each customer's grades as subquery columns, counted in an outer
    aggregate. At most six queries, all on the primary also in a replica scope: remembering
    is a read-then-write, and counts read from a lagging replica would be written back over
    fresher ones."""
    today = clock_today()
    with primary_reads():
        kept = distribution.remembered([d for d in days if d < today], _alive_on)
        through = distribution.newest_snapshot_pk()
        current, counted = _count_grades([d for d in days if d not in kept])
        distribution.remember(
            {day: found for day, found in counted.items() if day < today},
            snapshots_through=through,
        )
    found = {**kept, **counted}
    return HealthDistribution(
        GradeCounts(None, *current), tuple(GradeCounts(day, *found[day]) for day in days)
    )


def _grade_on(day: date, today: date) -> Subquery | Case:
    """`latest_health("grade", as_of_until=day)`. From today on, the flagged snapshot first:
    when it was scored for a day on or before `day` it is the latest of those too (it is the
    latest of all), which leaves the sorted lookup to customers scored for a later day."""
    bounded = latest_health("grade", as_of_until=day)
    if day < today:
        return bounded
    return Case(
        When(**{f"{LATEST}__as_of__lte": day}, then=F(f"{LATEST}__grade")),
        default=bounded,
    )


def _count_grades(
    days: Sequence[date],
) -> tuple[distribution.Counted, dict[date, distribution.Counted]]:
    """(counts, unscored) now and on each of `days`. One query."""
    grades = list(HealthGrade.values)
    today = clock_today()
    columns: dict[str, Subquery | Case | F] = {"g_now": F(f"{LATEST}__grade")}
    columns |= {f"g_{i}": _grade_on(day, today) for i, day in enumerate(days)}
    counted: dict[str, Count] = {}
    for grade in grades:
        counted[f"now_{grade}"] = Count("pk", filter=Q(status=CustomerStatus.ACTIVE, g_now=grade))
    counted["now_none"] = Count("pk", filter=Q(status=CustomerStatus.ACTIVE, g_now__isnull=True))
    for i, day in enumerate(days):
        for grade in grades:
            counted[f"{i}_{grade}"] = Count("pk", filter=_alive_on(day) & Q(**{f"g_{i}": grade}))
        counted[f"{i}_none"] = Count("pk", filter=_alive_on(day) & Q(**{f"g_{i}__isnull": True}))
    totals = _with_latest(Customer.objects.all()).annotate(**columns).aggregate(**counted)

    def at(key: str) -> distribution.Counted:
        return {g: totals[f"{key}_{g}"] or 0 for g in grades}, totals[f"{key}_none"] or 0

    return at("now"), {day: at(str(i)) for i, day in enumerate(days)}


def active_team_member_loads() -> list[CsmLoad]:
    """Every active team member's load (active customers carried vs capacity), by name then
    email. One query."""
    rows = (
        TeamMember.objects.filter(active=True)
        .annotate(n=Count("customers", filter=Q(customers__status=CustomerStatus.ACTIVE)))
        .order_by("name", "email")
        .values_list("pk", "email", "name", "active", "capacity", "n")
    )
    return [CsmLoad(*row) for row in rows]


@dataclass(frozen=True, slots=True)
class CustomerLabel:
    """What a list line shows of a customer: its public id and name."""

    customer_id: str
    name: str


def customer_labels(customer_pks: Sequence[int]) -> dict[int, CustomerLabel]:
    """The asked customers that exist. One query (none for no pks)."""
    if not customer_pks:
        return {}
    rows = Customer.objects.filter(pk__in=customer_pks).values_list("pk", "customer_id", "name")
    return {pk: CustomerLabel(customer_id, name) for pk, customer_id, name in rows}


# --- one customer's records (the cockpit's customer 360) ------------------------------------


def success_plan_pks(customer_pks: Sequence[int]) -> dict[int, tuple[int, ...]]:
    """Each asked customer's success plans (primary keys, newest first; () without any), to
    read with `success_plans`. One query."""
    found: dict[int, list[int]] = {pk: [] for pk in customer_pks}
    if not found:
        return {}
    rows = (
        SuccessPlan.objects.filter(customer_id__in=found)
        .order_by("customer_id", "-created_at", "-pk")
        .values_list("customer_id", "pk")
    )
    for customer_pk, plan_pk in rows:
        found[customer_pk].append(plan_pk)
    return {pk: tuple(plans) for pk, plans in found.items()}


@dataclass(frozen=True, slots=True)
class TeamMemberRef:
    """A CSM as the cockpit's work queues address them."""

    pk: int
    email: str
    name: str


def team_member_of_user(user_pk: int) -> TeamMemberRef | None:
    """The team member a sign-in belongs to (TeamMember.user), or None. One query."""
    row = TeamMember.objects.filter(user_id=user_pk).values_list("pk", "email", "name").first()
    return None if row is None else TeamMemberRef(*row)


def team_member_ref(member_pk: int) -> TeamMemberRef | None:
    """One team member by primary key, or None. One query."""
    row = TeamMember.objects.filter(pk=member_pk).values_list("pk", "email", "name").first()
    return None if row is None else TeamMemberRef(*row)


@dataclass(frozen=True, slots=True)
class ManagedAccount:
    """A customer on a CSM's book, with its latest health (None: never scored)."""

    pk: int
    customer_id: str
    name: str
    segment: str
    lifecycle_stage: str
    health_score: int | None
    health_grade: str | None


def accounts_managed_by(member_pk: int, *, limit: int) -> tuple[int, list[ManagedAccount]]:
    """The active customers whose success manager is `member_pk`: how many, and the first
    `limit` of them, worst latest health first (never scored last). Two queries."""
    mine = Customer.objects.filter(success_manager_id=member_pk, status=CustomerStatus.ACTIVE)
    rows = (
        mine.annotate(_score=latest_health("score"), _grade=latest_health("grade"))
        .order_by(F("_score").asc(nulls_last=True), "name", "pk")
        .values_list("pk", "customer_id", "name", "segment", "lifecycle_stage", "_score", "_grade")[
            :limit
        ]
    )
    return mine.count(), [ManagedAccount(*row) for row in rows]
