"""Product's public read API: what higher apps (operations, finance, ...) read from `product`.
Typed and set-based: customer primary keys in, `{pk: frozen dataclass}` out, in a fixed number
of queries. Higher apps import this module (and `product.models` for foreign keys and type
hints only); import-linter enforces it (pyproject, "Public read APIs")."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, FilteredRelation, Max, Q, QuerySet, Sum

from customers.models import Customer
from integrations.capped import Capped, capped
from integrations.clock import DayWindow, days_window, instants_between
from integrations.idarray import IdArray
from integrations.prepared import PREPARE_UP_TO_IDS, PreparedQuery

from .choices import FeedbackStatus, FeedbackType
from .models import Feature, FeatureUsage, Feedback
from .selectors.adoption import CustomerFeatureAdoption, customer_adoption
from .selectors.adoption.key_features import (
    SegmentFeatureAdoption,
    key_feature_adoption_by_segment,
)
from .selectors.feedback import CategorySummary, feedback_summary

__all__ = [
    "AdoptionAndSeats",
    "AdoptionAndUsage",
    "CategorySummary",
    "CustomerFeatureAdoption",
    "FeatureSignals",
    "FeedbackRow",
    "KeyFeatureAdoption",
    "PremiumFeature",
    "SegmentFeatureAdoption",
    "UsageTotals",
    "UsageWindow",
    "adoption_and_seats",
    "adoption_and_usage",
    "customer_adoption",
    "customer_feedback",
    "expansion_requests",
    "feature_signals",
    "feedback_ranking",
    "key_feature_adoption",
    "key_feature_adoption_by_segment",
    "premium_adoption",
    "seat_utilisation",
    "usage_ratio",
    "usage_totals",
    "usage_window",
]

ACTIVE = Q(events__gt=0) | Q(active_users__gt=0)


def usage_ratio(last: int, prior: int) -> float | None:
    """The one usage growth formula: events in the last window ÷ events in the window before;
    None when nothing was used before (growth from zero is not a ratio)."""
    return last / prior if prior > 0 else None


@dataclass(frozen=True, slots=True)
class UsageTotals:
    """Events in the 30 days up to the day, (day - 30, day], and in the 30 before."""

    events_last_30d: int
    events_prior_30d: int

    @property
    def ratio(self) -> float | None:
        return usage_ratio(self.events_last_30d, self.events_prior_30d)


def _usage_totals(
    pks: IdArray, prior_first: date, prior_last: date, last_first: date, as_of: date
) -> QuerySet[Any]:
    last, prior = DayWindow(last_first, as_of), DayWindow(prior_first, prior_last)
    return (
        FeatureUsage.objects.filter(
            DayWindow(prior_first, as_of).dates("date"), customer_id__in=pks
        )
        .values("customer_id")
        .annotate(
            last=Sum("events", filter=last.dates("date")),
            prior=Sum("events", filter=prior.dates("date")),
        )
        .order_by()
    )


# Read per request by the single-customer read-outs: compiled once per thread
# (integrations.prepared), the windows' days and the ids as parameters.
_USAGE_TOTALS: PreparedQuery[Any] = PreparedQuery(
    _usage_totals, pks=IdArray, prior_first=date, prior_last=date, last_first=date, as_of=date
)


def usage_totals(customer_pks: Sequence[int], as_of: date) -> dict[int, UsageTotals]:
    """Per customer with usage rows in the 60 days up to `as_of`. One query (none for no
    pks)."""
    if not customer_pks:
        return {}
    last = days_window(as_of, 30)
    prior = last.prior()
    rows = _USAGE_TOTALS.all(
        pks=IdArray(customer_pks),
        prior_first=prior.first_day,
        prior_last=prior.last_day,
        last_first=last.first_day,
        as_of=as_of,
    )
    return {r["customer_id"]: UsageTotals(r["last"] or 0, r["prior"] or 0) for r in rows}


@dataclass(frozen=True, slots=True)
class KeyFeatureAdoption:
    """Key features (`feature_id`s) adopted in the trailing 30 days up to the day: active on at
    least each feature's adoption_threshold_days distinct days."""

    adopted: tuple[str, ...]
    key_features: int


_KEY_FEATURES: PreparedQuery[Any] = PreparedQuery(
    lambda: Feature.objects.filter(is_key=True).values_list(
        "pk", "feature_id", "adoption_threshold_days"
    )
)


def _active_days(pks: IdArray, features: IdArray, first: date, as_of: date) -> QuerySet[Any]:
    return (
        FeatureUsage.objects.filter(
            ACTIVE,
            DayWindow(first, as_of).dates("date"),
            customer_id__in=pks,
            feature_id__in=features,
        )
        .values("customer_id", "feature_id")
        .annotate(days=Count("id"))
        .order_by()
    )


_ACTIVE_DAYS: PreparedQuery[Any] = PreparedQuery(
    _active_days, pks=IdArray, features=IdArray, first=date, as_of=date
)


def key_feature_adoption(customer_pks: Sequence[int], as_of: date) -> dict[int, KeyFeatureAdoption]:
    """Every asked customer (none adopted: an empty tuple). Two queries (one without key
    features or customers)."""
    key = {pk: (feature_id, threshold) for pk, feature_id, threshold in _KEY_FEATURES.all()}
    adopted: dict[int, list[str]] = {pk: [] for pk in customer_pks}
    if key and adopted:
        rows = _ACTIVE_DAYS.all(
            pks=IdArray(adopted),
            features=IdArray(key),
            first=days_window(as_of, 30).first_day,
            as_of=as_of,
        )
        for row in rows:
            feature_id, threshold = key[row["feature_id"]]
            if row["days"] >= threshold:
                adopted[row["customer_id"]].append(feature_id)
    return {pk: KeyFeatureAdoption(tuple(sorted(names)), len(key)) for pk, names in adopted.items()}


@dataclass(frozen=True, slots=True)
class AdoptionAndUsage:
    """`key_feature_adoption` and `usage_totals` of one customer on one day (usage None: no
    usage row in the 60 days, which `usage_totals` leaves out)."""

    adoption: KeyFeatureAdoption
    usage: UsageTotals | None


_ADOPTION_AND_USAGE: PreparedQuery[Any] = PreparedQuery(
    lambda pks, prior_first, last_first, as_of: (
        FeatureUsage.objects.filter(
            DayWindow(prior_first, as_of).dates("date"), customer_id__in=pks
        )
        .values("customer_id", "feature_id")
        .annotate(
            days=Count("date", filter=ACTIVE & Q(date__gte=last_first)),
            last=Sum("events", filter=Q(date__gte=last_first)),
            prior=Sum("events", filter=Q(date__lt=last_first)),
        )
        .order_by()
        .values_list("customer_id", "feature_id", "days", "last", "prior")
    ),
    pks=IdArray,
    prior_first=date,
    last_first=date,
    as_of=date,
)


def adoption_and_usage(customer_pks: Sequence[int], as_of: date) -> dict[int, AdoptionAndUsage]:
    """Every asked customer's `key_feature_adoption` and `usage_totals`, as those reads compute
    them. For a read-out's few customers (up to PREPARE_UP_TO_IDS) from one pass over the 60
    days, a row per (customer, feature): two queries, the key features and that pass, where
    the two reads took three. For more, the two reads, whose rows per customer keep Python's
    share small."""
    if not customer_pks:
        return {}
    if len(customer_pks) > PREPARE_UP_TO_IDS:
        usage = usage_totals(customer_pks, as_of)
        return {
            pk: AdoptionAndUsage(adoption, usage.get(pk))
            for pk, adoption in key_feature_adoption(customer_pks, as_of).items()
        }
    key = {pk: (feature_id, threshold) for pk, feature_id, threshold in _KEY_FEATURES.all()}
    adopted: dict[int, list[str]] = {pk: [] for pk in customer_pks}
    events: dict[int, UsageTotals] = {}
    last = days_window(as_of, 30)
    rows = _ADOPTION_AND_USAGE.all(
        pks=IdArray(adopted),
        prior_first=last.prior().first_day,
        last_first=last.first_day,
        as_of=as_of,
    )
    for pk, feature, days, last_events, prior_events in rows:
        seen = events.get(pk, UsageTotals(0, 0))
        events[pk] = UsageTotals(
            seen.events_last_30d + (last_events or 0), seen.events_prior_30d + (prior_events or 0)
        )
        if feature in key and days >= key[feature][1]:
            adopted[pk].append(key[feature][0])
    return {
        pk: AdoptionAndUsage(KeyFeatureAdoption(tuple(sorted(names)), len(key)), events.get(pk))
        for pk, names in adopted.items()
    }


def _seat_peaks(pks: IdArray, first: date, as_of: date) -> QuerySet[Any]:
    recent = FilteredRelation("usage", condition=DayWindow(first, as_of).dates("usage__date"))
    return (
        Customer.objects.filter(pk__in=pks, licensed_seats__gt=0)
        .annotate(recent=recent)
        .annotate(peak=Max("recent__active_users"))
        .values_list("pk", "licensed_seats", "peak")
    )


_SEAT_PEAKS: PreparedQuery[Any] = PreparedQuery(_seat_peaks, pks=IdArray, first=date, as_of=date)


def seat_utilisation(customer_pks: Sequence[int], as_of: date) -> dict[int, float]:
    """min(1, peak daily active users in the 30 days up to `as_of` / licensed seats), as the
    product_usage measure defines it, for every asked customer with licensed seats (no usage in
    the window: 0). Seats are the current licence (no seat history is kept). One query: a left
    join whose condition carries the window, so each customer's rows come from the
    (customer, feature, date) index (a correlated subquery scanned the window's rows of every
    customer for each one)."""
    if not customer_pks:
        return {}
    rows = _SEAT_PEAKS.all(
        pks=IdArray(customer_pks), first=days_window(as_of, 30).first_day, as_of=as_of
    )
    return {pk: min(1.0, (peak or 0) / seats) for pk, seats, peak in rows}


@dataclass(frozen=True, slots=True)
class AdoptionAndSeats:
    """`key_feature_adoption`, `seat_utilisation` and `premium_adoption` of one customer on one
    day, as those reads define them (seat_utilisation None: no licensed seats, so no ratio)."""

    adoption: KeyFeatureAdoption
    seat_utilisation: float | None
    premium: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class PremiumFeature:
    feature_id: str
    name: str
    list_price: Decimal


@dataclass(frozen=True, slots=True)
class FeatureSignals:
    """`feature_signals`: the catalogue's premium features (by feature_id) and, per asked
    customer, its adoption, seat utilisation and premium features adopted."""

    premium_features: tuple[PremiumFeature, ...]
    customers: dict[int, AdoptionAndSeats]


_CATALOGUE: PreparedQuery[Any] = PreparedQuery(
    lambda: Feature.objects.order_by("pk").values_list(
        "pk", "feature_id", "is_key", "is_premium", "adoption_threshold_days", "name", "list_price"
    )
)
_SEATS: PreparedQuery[Any] = PreparedQuery(
    lambda pks: Customer.objects.filter(pk__in=pks, licensed_seats__gt=0).values_list(
        "pk", "licensed_seats"
    ),
    pks=IdArray,
)
# `feature_signals`' usage statement per catalogue (its features are in the SQL): the
# catalogue is read every time, so a changed catalogue gets its own statement, never a stale one.
_WINDOW_USAGE: dict[tuple[tuple[int, ...], tuple[int, ...]], PreparedQuery[Any]] = {}


def _window_usage(features: tuple[int, ...], counted: tuple[int, ...]) -> PreparedQuery[Any]:
    prepared = _WINDOW_USAGE.get((features, counted))
    if prepared is None:
        # Rows counted by their (never null) date, not their id: the id is not in the index.
        active_days = {
            f"days_{pk}": Count("date", filter=ACTIVE & Q(feature_id=pk)) for pk in counted
        }
        prepared = PreparedQuery(
            lambda pks, first, as_of: (
                FeatureUsage.objects.filter(
                    DayWindow(first, as_of).dates("date"),
                    customer_id__in=pks,
                    feature_id__in=list(features),
                )
                .values("customer_id")
                .annotate(peak=Max("active_users"), **active_days)
                .order_by()
                .values_list("customer_id", "peak", *active_days)
            ),
            pks=IdArray,
            first=date,
            as_of=date,
        )
        if len(_WINDOW_USAGE) > 16:  # a catalogue edited many times: start afresh
            _WINDOW_USAGE.clear()
        _WINDOW_USAGE[(features, counted)] = prepared
    return prepared


# For a read-out's few customers (up to PREPARE_UP_TO_IDS, whose statements are prepared),
# `feature_signals` reads usage a row per (customer, feature): for one customer PostgreSQL
# plans that in about a third of the time of the one-row-per-customer statement with a
# filtered count per feature (0.2 against 0.4-0.8 ms on the bench's 10,000-customer data set,
# planning alone), and its dozen rows cost nothing; for thousands, one row per customer keeps
# Python's share small.
_PER_FEATURE_USAGE: PreparedQuery[Any] = PreparedQuery(
    lambda pks, first, as_of: (
        FeatureUsage.objects.filter(DayWindow(first, as_of).dates("date"), customer_id__in=pks)
        .values("customer_id", "feature_id")
        .annotate(days=Count("date", filter=ACTIVE), peak=Max("active_users"))
        .order_by()
        .values_list("customer_id", "feature_id", "days", "peak")
    ),
    pks=IdArray,
    first=date,
    as_of=date,
)


def _window_days(
    pks: Sequence[int], catalogue: Sequence[int], counted: Sequence[int], as_of: date
) -> Iterable[tuple[int, int, Sequence[int]]]:
    """(customer pk, peak daily active users, active days per `counted` feature in its order)
    per customer with usage of a `catalogue` feature in the 30 days up to `as_of`."""
    first = days_window(as_of, 30).first_day
    if len(pks) > PREPARE_UP_TO_IDS:
        rows = _window_usage(tuple(catalogue), tuple(counted)).all(
            pks=IdArray(pks), first=first, as_of=as_of
        )
        return ((pk, peak, days) for pk, peak, *days in rows)
    known, column = set(catalogue), {feature: i for i, feature in enumerate(counted)}
    found: dict[int, tuple[list[int], list[int]]] = {}
    for pk, feature, days, peak in _PER_FEATURE_USAGE.all(
        pks=IdArray(pks), first=first, as_of=as_of
    ):
        if feature not in known:  # added after the catalogue was read: as the other shape
            continue
        peaks, counts = found.setdefault(pk, ([], [0] * len(counted)))
        peaks.append(peak)
        if feature in column:
            counts[column[feature]] = days
    return ((pk, max(peaks), counts) for pk, (peaks, counts) in found.items())


def feature_signals(
    customer_pks: Sequence[int], as_of: date, licensed_seats: Mapping[int, int] | None = None
) -> FeatureSignals:
    """Every asked customer's key-feature adoption, seat utilisation and premium adoption in
    the 30 days up to `as_of`, exactly as `key_feature_adoption`, `seat_utilisation` and
    `premium_adoption` compute them, from one pass over the window: for thousands of
    customers (renewal scoring, readiness) the separate reads scanned the window again each,
    and for one (the expansion read-out) each was a statement of its own. Per customer: its
    peak and, per key or premium feature, its active days. Three queries: the catalogue, the
    window's usage (for many customers a row each, listing every feature so PostgreSQL
    answers from the covering (feature, date) index alone), the customers' seats (none when
    the caller has them: `licensed_seats`, every asked customer's; no feature: no usage
    query)."""
    catalogue = _CATALOGUE.all()
    # (feature pk, feature_id, threshold) of the features whose active days are counted.
    counted = [
        (pk, name, threshold)
        for pk, name, key, premium, threshold, *_ in catalogue
        if key or premium
    ]
    key_names = {name for _, name, key, *_ in catalogue if key}
    premium = tuple(
        sorted(
            (
                PremiumFeature(name, title, price)
                for _, name, _, is_premium, _, title, price in catalogue
                if is_premium
            ),
            key=lambda f: f.feature_id,
        )
    )
    adopted: dict[int, tuple[str, ...]] = dict.fromkeys(customer_pks, ())
    peaks: dict[int, int] = {}
    premium_adopted: dict[int, frozenset[str]] = {}
    if catalogue and customer_pks:
        rows = _window_days(
            customer_pks, [pk for pk, *_ in catalogue], [pk for pk, _, _ in counted], as_of
        )
        # The counted features by name (feature_ids are unique), so each customer's adopted
        # names come out sorted without a sort per customer: (column, name, threshold).
        by_name = sorted(
            ((i, name, threshold) for i, (_, name, threshold) in enumerate(counted)),
            key=lambda check: check[1],
        )
        key_checks = [check for check in by_name if check[1] in key_names]
        premium_names = {f.feature_id for f in premium}
        premium_checks = [check for check in by_name if check[1] in premium_names]
        for customer_pk, peak, days in rows:
            peaks[customer_pk] = peak
            adopted[customer_pk] = tuple(
                [name for i, name, threshold in key_checks if days[i] >= threshold]
            )
            names = [name for i, name, threshold in premium_checks if days[i] >= threshold]
            if names:
                premium_adopted[customer_pk] = frozenset(names)
    seats: Mapping[int, int]
    if licensed_seats is not None:
        seats = {pk: n for pk, n in licensed_seats.items() if n > 0}
    else:
        seats = dict(_SEATS.all(pks=IdArray(customer_pks))) if customer_pks else {}
    return FeatureSignals(
        premium,
        {
            pk: AdoptionAndSeats(
                KeyFeatureAdoption(names, len(key_names)),
                min(1.0, peaks.get(pk, 0) / seats[pk]) if pk in seats else None,
                premium_adopted.get(pk, frozenset()),
            )
            for pk, names in adopted.items()
        },
    )


def adoption_and_seats(customer_pks: Sequence[int], as_of: date) -> dict[int, AdoptionAndSeats]:
    """`feature_signals`' per-customer part. Three queries."""
    return feature_signals(customer_pks, as_of).customers


@dataclass(frozen=True, slots=True)
class UsageWindow:
    """Usage in the 30 days up to a day: events, the peak of daily active users (the largest
    active_users of a day's row, as `seat_utilisation` reads it) and the days with activity."""

    events: int
    peak_active_users: int
    active_days: int


def usage_window(customer_pks: Sequence[int], as_of: date) -> dict[int, UsageWindow]:
    """Per customer with usage rows in the 30 days up to `as_of` (others: none). One query."""
    rows = (
        FeatureUsage.objects.filter(
            days_window(as_of, 30).dates("date"), customer_id__in=customer_pks
        )
        .values("customer_id")
        .annotate(
            n_events=Sum("events"),
            peak=Max("active_users"),
            days=Count("date", filter=ACTIVE, distinct=True),
        )
        .order_by()
    )
    return {
        r["customer_id"]: UsageWindow(r["n_events"] or 0, r["peak"] or 0, r["days"]) for r in rows
    }


# --- expansion readiness (sales) ------------------------------------------------------------


def _premium_adoption(
    customers: IdArray | QuerySet[Customer, Any], first: date, as_of: date
) -> QuerySet[Any]:
    return (
        FeatureUsage.objects.filter(
            ACTIVE,
            DayWindow(first, as_of).dates("date"),
            customer_id__in=customers,
            feature__is_premium=True,
        )
        .values("customer_id", "feature__feature_id")
        .annotate(days=Count("id"), needed=Max("feature__adoption_threshold_days"))
        .filter(days__gte=F("needed"))
        .order_by()
        .values_list("customer_id", "feature__feature_id")
    )


_PREMIUM_ADOPTION: PreparedQuery[Any] = PreparedQuery(
    _premium_adoption, customers=IdArray, first=date, as_of=date
)


def premium_adoption(
    customers: Sequence[int] | QuerySet[Customer, Any], as_of: date
) -> dict[int, frozenset[str]]:
    """Premium features adopted in the trailing 30 days up to `as_of` (active on at least each
    feature's adoption_threshold_days distinct days: the adoption definition), per customer
    that adopted any. `customers` may be a queryset (a subquery, not a list of ids). One
    query."""
    first = days_window(as_of, 30).first_day
    rows: Iterable[tuple[int, str]]
    if isinstance(customers, QuerySet):
        rows = _premium_adoption(customers, first, as_of)
    elif not customers:
        return {}
    else:
        rows = _PREMIUM_ADOPTION.all(customers=IdArray(customers), first=first, as_of=as_of)
    found: dict[int, set[str]] = {}
    for pk, feature_id in rows:
        found.setdefault(pk, set()).add(feature_id)
    return {pk: frozenset(names) for pk, names in found.items()}


_EXPANSION_REQUESTS: PreparedQuery[Any] = PreparedQuery(
    lambda pks, start, end: (
        Feedback.objects.filter(
            instants_between("created_at", start, end),
            customer_id__in=pks,
            type=FeedbackType.EXPANSION_REQUEST,
        )
        .exclude(status=FeedbackStatus.DECLINED)
        .order_by()
        .values("customer_id")
        .annotate(n=Count("id"))
        .values_list("customer_id", "n")
    ),
    pks=IdArray,
    start=datetime,
    end=datetime,
)


def expansion_requests(customer_pks: Sequence[int], window: DayWindow) -> dict[int, int]:
    """Feedback of type `expansion_request` submitted inside the window and not declined, per
    customer that has any. One query."""
    if not customer_pks:
        return {}
    rows = _EXPANSION_REQUESTS.all(pks=IdArray(customer_pks), start=window.start, end=window.end)
    return dict(rows)


def feedback_ranking(today: date) -> list[CategorySummary]:
    """Feedback per category ranked by ARR at stake (the ARR of the distinct customers with an
    open request in it), then count: `GET /cs-product/feedback/summary`'s ranking, over every
    request. Two queries."""
    return feedback_summary(Feedback.objects.all(), today)


# --- one customer's records, capped (the cockpit's customer 360) ----------------------------


@dataclass(frozen=True, slots=True)
class FeedbackRow:
    pk: int
    feedback_id: str
    type: str
    category: str
    priority: str
    status: str
    priority_score: int
    description: str
    created_at: datetime


def customer_feedback(customer_pk: int, *, limit: int) -> Capped[FeedbackRow]:
    """The customer's feedback, newest first. One query."""
    rows = Feedback.objects.filter(customer_id=customer_pk).order_by("-created_at", "-pk")
    return capped(rows, limit, FeedbackRow)
