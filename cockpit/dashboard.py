"""The CS dashboard's tiles (the admin index): plain dataclasses built from the domains' read
modules in a fixed number of queries, whatever the number of customers. Each number keeps its
one definition in the domain that owns it (the 30-day change, ARR at risk, adoption, feedback
ARR at stake); this module only selects, ranks and links.

A tile with nothing to measure says so (`empty` / `reason`) instead of showing zeros. Links
go to the filtered admin changelist behind a tile, only when the viewer may see that list
(`Linker`); every filter used is listed in `FILTERS` so the merger can align them."""

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from customers import read as customers_read
from customers.read import CsmLoad, GradeCounts
from finance import read as finance_read
from integrations import read as integrations_read
from integrations.read import EventLine
from operations import read as operations_read
from operations.choices import OPEN_ESCALATION_STATUSES, RunStatus
from operations.read import WorkDigest, WorkItem
from product import read as product_read
from product.choices import OPEN_STATUSES as OPEN_FEEDBACK_STATUSES
from product.read import CategorySummary, SegmentFeatureAdoption

WEEKS = 12
DECLINES = 10
RENEWAL_DAYS = 90
RENEWAL_ROWS = 10
DIGEST_ROWS = 5
FEEDBACK_ROWS = 5
EVENTS = 10

# The changelist filters each tile links to, in one place: the risk-first customer list's
# grade and trend filters (cockpit.admin.risk_filters) and the domains' own list filters.
FILTERS: dict[str, tuple[str, dict[str, str]]] = {
    "grade": ("customers.customer", {"grade": "{grade}", "status__exact": "active"}),
    # the population the distribution counts
    "active_customers": ("customers.customer", {"status__exact": "active"}),
    "declining": ("customers.customer", {"trend": "declining", "status__exact": "active"}),
    "customers_of_csm": (
        "customers.customer",
        {"success_manager__id__exact": "{pk}", "status__exact": "active"},
    ),
    "active_csms": ("customers.teammember", {"active__exact": "1"}),
    # The risk list's renewal filter: the tile's count is customers (each one's next-ending
    # contract), not every active contract ending in the window (add-ons would add rows).
    "renewals_due": ("customers.customer", {"renewal_within": "{days}"}),
    "contract": ("finance.contract", {"q": "{contract_id}"}),
    "open_escalations": (
        "operations.escalation",
        {"status__in": ",".join(OPEN_ESCALATION_STATUSES)},
    ),
    "failed_runs": ("operations.workflowrun", {"status__exact": RunStatus.FAILED}),
    "overdue_tasks": ("operations.task", {"overdue": "yes"}),
    "key_features": ("product.feature", {"is_key__exact": "1"}),
    "feature_usage": ("product.featureusage", {"feature__id__exact": "{pk}"}),
    "open_feedback": (
        "product.feedback",
        {"category__exact": "{category}", "status__in": ",".join(OPEN_FEEDBACK_STATUSES)},
    ),
    "feedback": ("product.feedback", {"status__in": ",".join(OPEN_FEEDBACK_STATUSES)}),
    "events": ("integrations.event", {}),
}

CanView = Callable[[str], bool]  # "app_label.model_name" -> may this viewer see its list


class Linker:
    """Admin URLs for one viewer: None where the viewer may not see the list or record."""

    def __init__(self, can_view: CanView) -> None:
        self._can_view = can_view
        # a tile links every row (a capacity bar per CSM: hundreds): ask and reverse once
        self._may: dict[str, bool] = {}
        self._lists: dict[str, str] = {}

    def can_view(self, model: str) -> bool:
        if model not in self._may:
            self._may[model] = self._can_view(model)
        return self._may[model]

    def changelist(self, name: str, **values: object) -> str | None:
        model, params = FILTERS[name]
        if not self.can_view(model):
            return None
        if model not in self._lists:
            self._lists[model] = reverse(f"admin:{model.replace('.', '_')}_changelist")
        url = self._lists[model]
        query = {key: value.format(**values) for key, value in params.items()}
        return f"{url}?{urlencode(query)}" if query else url

    def change(self, model: str, pk: int) -> str | None:
        if not self.can_view(model):
            return None
        return reverse(f"admin:{model.replace('.', '_')}_change", args=[pk])

    def customer_360(self, pk: int) -> str | None:
        if not self.can_view("customers.customer"):
            return None
        return reverse("admin:customers_customer_360", args=[pk])


# --- tiles ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HealthTile:
    current: GradeCounts
    weeks: tuple[GradeCounts, ...]  # oldest first; each week's end is its `day`
    grade_links: dict[str, str | None]
    url: str | None

    @property
    def empty(self) -> bool:
        return self.current.scored == 0

    @property
    def trend_empty(self) -> bool:
        return all(week.scored == 0 for week in self.weeks)

    @property
    def grades(self) -> list[tuple[str, int, str | None]]:
        """(grade, active customers holding it now, its list's link), worst first."""
        return [(g, n, self.grade_links.get(g)) for g, n in self.current.counts.items()]


@dataclass(frozen=True)
class Decline:
    customer_pk: int
    customer_id: str
    name: str
    score: int
    grade: str
    change_30d: int
    url: str | None


@dataclass(frozen=True)
class DeclinesTile:
    rows: tuple[Decline, ...]
    compared: int  # > 0: some active customer's latest score has a 30-day reference
    url: str | None

    @property
    def empty(self) -> bool:
        return not self.rows


@dataclass(frozen=True, slots=True)
class Renewal(finance_read.RiskRow):
    """A renewal of the summary's top rows, with the link to its contract."""

    url: str | None


@dataclass(frozen=True)
class RenewalsTile:
    reason: str | None  # why nothing can be scored (no active renewal model)
    count: int
    arr: Decimal
    arr_at_risk: Decimal
    rows: tuple[Renewal, ...]  # the largest ARR at risk first
    url: str | None
    counted_at: datetime | None = None  # when finance's summary was counted
    max_age_seconds: int = 0  # how old it may be; 0 (or less): counted live on this view

    @property
    def empty(self) -> bool:
        return self.reason is None and self.count == 0

    @property
    def counted_ago(self) -> str | None:
        """ "3 minutes ago" (None when counted live on this view)."""
        if self.counted_at is None or self.max_age_seconds <= 0:
            return None
        minutes = max(0, int((timezone.now() - self.counted_at).total_seconds() // 60))
        return "just now" if minutes == 0 else f"{minutes} minute{'' if minutes == 1 else 's'} ago"

    @property
    def refresh_every(self) -> str:
        """ "5 minutes", "1 minute", "30 seconds": the summary's max age in words."""
        minutes, seconds = divmod(self.max_age_seconds, 60)
        if seconds:
            return f"{self.max_age_seconds} second{'' if self.max_age_seconds == 1 else 's'}"
        return f"{minutes} minute{'' if minutes == 1 else 's'}"


@dataclass(frozen=True)
class WorkTile:
    digest: WorkDigest
    url: str | None
    item_urls: tuple[str | None, ...]  # aligned with digest.items

    @property
    def rows(self) -> list[tuple[WorkItem, str | None]]:
        return list(zip(self.digest.items, self.item_urls, strict=True))


@dataclass(frozen=True)
class AdoptionTile:
    segments: tuple[str, ...]
    features: tuple[tuple[str, str, str | None], ...]  # (feature_id, name, usage list url)
    cells: dict[tuple[str, str], SegmentFeatureAdoption]  # (segment, feature_id)
    url: str | None

    @property
    def empty(self) -> bool:
        return not self.cells

    @property
    def table(self) -> list[tuple[str, list[SegmentFeatureAdoption | None]]]:
        """Per segment, its cell for each feature in `features`' order."""
        return [
            (segment, [self.cells.get((segment, f)) for f, _, _ in self.features])
            for segment in self.segments
        ]


@dataclass(frozen=True)
class FeedbackTile:
    rows: tuple[tuple[CategorySummary, str | None], ...]  # with each category's open list
    url: str | None

    @property
    def empty(self) -> bool:
        return not self.rows


@dataclass(frozen=True)
class CapacityBar:
    load: CsmLoad
    url: str | None

    @property
    def share(self) -> float | None:
        """Assigned ÷ capacity (None without a capacity: no bar, not a full one)."""
        return self.load.assigned / self.load.capacity if self.load.capacity else None

    @property
    def width(self) -> int:
        """The bar's CSS width in percent, capped at the track."""
        return round(min(self.share or 0.0, 1.0) * 100)


@dataclass(frozen=True)
class CapacityTile:
    bars: tuple[CapacityBar, ...]
    url: str | None

    @property
    def empty(self) -> bool:
        return not self.bars


@dataclass(frozen=True)
class EventsTile:
    rows: tuple[tuple[EventLine, str | None], ...]
    url: str | None

    @property
    def empty(self) -> bool:
        return not self.rows


@dataclass(frozen=True)
class Dashboard:
    as_of: date
    now: datetime
    health: HealthTile
    declines: DeclinesTile
    renewals: RenewalsTile
    escalations: WorkTile
    failed_runs: WorkTile
    overdue_tasks: WorkTile
    adoption: AdoptionTile
    feedback: FeedbackTile
    capacity: CapacityTile
    events: EventsTile


# --- builders -----------------------------------------------------------------------------------


def week_ends(as_of: date, weeks: int = WEEKS) -> list[date]:
    """The ends of the `weeks` weeks up to `as_of`, oldest first (the last one is `as_of`)."""
    return [as_of - timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]


def health_tile(as_of: date, links: Linker) -> HealthTile:
    """One query."""
    distribution = customers_read.health_distribution(week_ends(as_of))
    grade_links = {g: links.changelist("grade", grade=g) for g in distribution.current.counts}
    return HealthTile(
        distribution.current, distribution.by_day, grade_links, links.changelist("active_customers")
    )


def declines_tile(links: Linker) -> DeclinesTile:
    """The active customers whose latest score fell most against its 30-day reference
    (`customers.read.with_health`, the same change as `HealthChange.change_30d`), largest fall
    first. One query: the DECLINES smallest changes (no change last), of which the falls are
    kept; sorting without a WHERE on the change computes it once per customer, not twice, and
    the first row tells "no fall" (a change >= 0) from "no reference yet" (none)."""
    scored = customers_read.with_health(customers_read.active_customers())
    ranked = list(
        scored.order_by(F("health_change_30d").asc(nulls_last=True), "customer_id").values_list(
            "pk", "customer_id", "name", "health_score", "health_grade", "health_change_30d"
        )[:DECLINES]
    )
    rows = tuple(
        Decline(pk, customer_id, name, score, grade, change, links.customer_360(pk))
        for pk, customer_id, name, score, grade, change in ranked
        if change is not None and change < 0
    )
    compared = len(rows) or int(bool(ranked) and ranked[0][5] is not None)
    return DeclinesTile(rows, compared, links.changelist("declining"))


def renewals_tile(as_of: date, links: Linker) -> RenewalsTile:
    """finance's renewals due in the next RENEWAL_DAYS days, ARR at risk as it defines it,
    from its renewal-risk summary: counted at most COCKPIT_RENEWALS_MAX_AGE_SECONDS ago (the
    live list is one click away). Two queries while the summary is valid (the model and the
    summary), fourteen when it is counted again; one without an active model."""
    url = links.changelist("renewals_due", days=RENEWAL_DAYS)
    max_age = settings.COCKPIT_RENEWALS_MAX_AGE_SECONDS
    summary = finance_read.renewal_risk_summary(
        as_of=as_of, days=RENEWAL_DAYS, max_age_seconds=max_age
    )
    if summary.no_active_model:
        return RenewalsTile("No renewal model is active.", 0, Decimal(0), Decimal(0), (), url)
    rows = tuple(
        Renewal(
            **{field.name: getattr(row, field.name) for field in fields(row)},
            url=links.changelist("contract", contract_id=row.contract_id),
        )
        for row in summary.top[:RENEWAL_ROWS]
    )
    return RenewalsTile(
        None,
        summary.renewals,
        summary.arr,
        summary.arr_at_risk,
        rows,
        url,
        counted_at=summary.computed_at,
        max_age_seconds=max_age,
    )


def _work_tile(digest: WorkDigest, model: str, url: str | None, links: Linker) -> WorkTile:
    return WorkTile(digest, url, tuple(links.change(model, item.pk) for item in digest.items))


def feedback_tile(as_of: date, links: Linker) -> FeedbackTile:
    """Categories with an open request, by ARR at stake (product's ranking). Two queries."""
    ranked = [s for s in product_read.feedback_ranking(as_of) if s.open][:FEEDBACK_ROWS]
    rows = tuple((s, links.changelist("open_feedback", category=s.category)) for s in ranked)
    return FeedbackTile(rows, links.changelist("feedback"))


def adoption_tile(as_of: date, links: Linker) -> AdoptionTile:
    """Each segment's share of active customers adopting each key feature. One query."""
    found = product_read.key_feature_adoption_by_segment(as_of=as_of)
    features: dict[str, tuple[str, str, str | None]] = {}
    for cell in found:
        features.setdefault(
            cell.feature_id,
            (
                cell.feature_id,
                cell.feature_name,
                links.changelist("feature_usage", pk=cell.feature_pk),
            ),
        )
    return AdoptionTile(
        segments=tuple(sorted({cell.segment for cell in found})),
        features=tuple(features[f] for f in sorted(features)),
        cells={(cell.segment, cell.feature_id): cell for cell in found},
        url=links.changelist("key_features"),
    )


def build_dashboard(*, as_of: date, now: datetime, can_view: CanView) -> Dashboard:
    """Every tile, in a fixed number of queries (about thirty) whatever the data's size."""
    links = Linker(can_view)
    loads = customers_read.active_team_member_loads()
    events = integrations_read.latest_events(limit=EVENTS)
    return Dashboard(
        as_of=as_of,
        now=now,
        health=health_tile(as_of, links),
        declines=declines_tile(links),
        renewals=renewals_tile(as_of, links),
        escalations=_work_tile(
            operations_read.open_escalations_digest(limit=DIGEST_ROWS),
            "operations.escalation",
            links.changelist("open_escalations"),
            links,
        ),
        failed_runs=_work_tile(
            operations_read.failed_runs_digest(limit=DIGEST_ROWS),
            "operations.workflowrun",
            links.changelist("failed_runs"),
            links,
        ),
        overdue_tasks=_work_tile(
            operations_read.overdue_tasks_digest(now=now, limit=DIGEST_ROWS),
            "operations.task",
            links.changelist("overdue_tasks", now=now.isoformat()),
            links,
        ),
        adoption=adoption_tile(as_of, links),
        feedback=feedback_tile(as_of, links),
        capacity=CapacityTile(
            tuple(
                CapacityBar(load, links.changelist("customers_of_csm", pk=load.pk))
                for load in loads
            ),
            links.changelist("active_csms"),
        ),
        events=EventsTile(
            tuple((event, links.change("integrations.event", event.pk)) for event in events),
            links.changelist("events"),
        ),
    )
