"""Point-in-time renewal features (README, "Finance: renewal model").

Every value is computed as it stood on the observation's `as_of` day: nothing dated (or
computed, or opened, or paid) after that day is read. Training observes each resolved
contract 90 days before its decision (its end date); scoring observes active contracts today.

Set-based: observations are grouped by `as_of`; each distinct day costs a fixed number of
queries through the lower apps' public read APIs, whatever the number of customers."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection

from customers import read as customers_read
from customers.choices import Segment
from integrations.idarray import IdArray
from operations import read as operations_read
from product import read as product_read

from ..choices import PaymentStatus
from ..measures import payment_status_for

# The model's features, in order. Segment is one-hot (one column per Segment choice).
FEATURES: tuple[str, ...] = (
    "health_score",  # latest snapshot with as_of <= day (0-100)
    "health_change_30d",  # that score minus the latest snapshot with as_of <= day - 30
    "key_feature_adoption",  # share of key features adopted in the 30 days to the day (0-1)
    "seat_utilisation",  # min(1, peak daily active users in the 30 days / licensed seats)
    "payment_overdue_level",  # 0 current / no invoices, 1 1-15, 2 16-30, 3 31-60, 4 60+ days
    "open_escalations",  # escalations opened by the day and not resolved by it
    "executive_sponsor",  # 1 if a stakeholder flagged executive sponsor existed by the day
    "days_to_end",  # the contract's end date minus the day
    "segment_enterprise",
    "segment_mid_market",
    "segment_small_business",
)

DECISION_LEAD_DAYS = 90  # training examples are observed this many days before the decision
# Observations read per query where every id is a bound variable: far below SQLite's limit.
CHUNK = 5000
# On PostgreSQL an IdArray is one parameter, whatever its length, so a day's observations are
# read at once: in parts of 5,000 each part's usage read scanned the whole 30-day window
# (0.06 s a part at 10,000 customers, 0.11 s at 40,000), so scoring everyone grew with the
# square of the customers.
PG_CHUNK = 1_000_000


def _part_size() -> int:
    return PG_CHUNK if connection.vendor == "postgresql" else CHUNK


@dataclass(frozen=True, slots=True)
class Observation:
    key: int  # the caller's key (a contract pk)
    customer_pk: int
    as_of: date
    end_date: date  # the contract's end


FeatureRow = dict[str, float | None]  # None: no data on that day (imputed at the mean)


# The payment bucket as an ordinal: each step is one band further overdue.
OVERDUE_LEVEL = {status: level for level, status in enumerate(PaymentStatus.values)}

SEGMENT_FEATURES = {segment: f"segment_{segment}" for segment in Segment.values}


@dataclass(frozen=True, slots=True)
class PaymentsOn:
    """Payment statuses a caller already read (`finance.measures.payment_facts`' buckets) for
    every observed customer on one day (a customer absent: no invoice considered)."""

    day: date
    statuses: Mapping[int, str]


def feature_rows(
    observations: Sequence[Observation],
    progress: Callable[[int], None] | None = None,
    segments: Mapping[int, str] | None = None,
    payments: PaymentsOn | None = None,
) -> dict[int, FeatureRow]:
    """{observation.key: {feature: value or None}} for every observation, every FEATURES key
    present. One query for the segments (none when the caller read them: `segments`, every
    observed customer's), then seven per distinct `as_of` day (six on the day of `payments`);
    off PostgreSQL, per 5,000 customers or observations of a day (`progress` is told how many
    each part covered)."""
    by_day: dict[date, list[Observation]] = {}
    for observation in observations:
        by_day.setdefault(observation.as_of, []).append(observation)
    if segments is None:
        customer_pks = sorted({o.customer_pk for o in observations})
        read: dict[int, str] = {}
        size = _part_size()
        for start in range(0, len(customer_pks), size):
            ids = IdArray(customer_pks[start : start + size])
            read.update(customers_read.customer_segments(ids))
        segments = read
    rows: dict[int, FeatureRow] = {}
    size = _part_size()
    for day, group in sorted(by_day.items()):
        for start in range(0, len(group), size):
            part = group[start : start + size]
            known = payments.statuses if payments is not None and payments.day == day else None
            rows.update(_rows_on(day, part, segments, known))
            if progress is not None:
                progress(len(part))
    return rows


def _rows_on(
    day: date,
    group: Sequence[Observation],
    segments: Mapping[int, str],
    payment_statuses: Mapping[int, str] | None,
) -> dict[int, FeatureRow]:
    # Thousands of ids, read by seven queries: each binds them as one array (IdArray).
    pks = IdArray(sorted({o.customer_pk for o in group}))
    health, earlier = customers_read.latest_scores_until(pks, (day, day - timedelta(days=30)))
    usage = product_read.adoption_and_seats(pks, day)
    payments = payment_statuses if payment_statuses is not None else payment_status_for(pks, day)
    escalations = operations_read.open_escalations_on(pks, day)
    sponsors = customers_read.executive_sponsor_on(pks, day)
    rows: dict[int, FeatureRow] = {}
    for o in group:
        pk = o.customer_pk
        now, before = health.get(pk), earlier.get(pk)
        adopted = usage[pk].adoption
        payment = payments.get(pk)  # its status; None: no invoice considered
        row: FeatureRow = {
            "health_score": None if now is None else float(now),
            "health_change_30d": (None if now is None or before is None else float(now - before)),
            "key_feature_adoption": (
                len(adopted.adopted) / adopted.key_features if adopted.key_features else None
            ),
            "seat_utilisation": usage[pk].seat_utilisation,
            # No invoice considered on the day: nothing overdue (level 0), as the measure reads it.
            "payment_overdue_level": float(OVERDUE_LEVEL[payment] if payment is not None else 0),
            "open_escalations": float(escalations.get(pk, 0)),
            "executive_sponsor": 1.0 if pk in sponsors else 0.0,
            "days_to_end": float((o.end_date - day).days),
        }
        for segment, feature in SEGMENT_FEATURES.items():
            row[feature] = 1.0 if segments.get(pk) == segment else 0.0
        rows[o.key] = row
    return rows
