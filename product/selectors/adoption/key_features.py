"""Key-feature adoption by segment (the CS dashboard's tile), with who adopts remembered.

Adoption of a feature on a day is decided by usage alone: active on at least the feature's
threshold of distinct days in the window (README's definition, `ACTIVE_ROW`). Counting those
days reads every usage row of the window (~230,000 rows at 10,000 customers); the result, the
adopting customers per key feature, is kept in `KeyFeatureAdopters` and reused while it holds:
same day and window, same key features and thresholds, and the same usage changes touching
the window (`UsageChange`, written with every usage write: their count and newest pk — a
change committed late under a smaller pk still changes the count). Who is alive on the day
and in which segment is always read fresh, so customer changes need no invalidation.
"""

import base64
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, F, Max
from django.utils import timezone

from customers.read import scorable_customers
from integrations.clock import days_window
from integrations.rounding import round_half_up

from ...models import Feature, FeatureUsage, KeyFeatureAdopters, UsageChange
from .base import ACTIVE_ROW


@dataclass(frozen=True, slots=True)
class SegmentFeatureAdoption:
    """One key feature in one segment: the segment's active customers (alive on the day) and
    how many of them adopt the feature (README's adoption definition, over the window)."""

    segment: str
    feature_pk: int
    feature_id: str
    feature_name: str
    active: int
    adopting: int

    @property
    def adoption(self) -> float | None:
        return round_half_up(self.adopting / self.active, 4) if self.active else None


# str(feature pk) (a JSON key) -> the adopting customers as a set of pks: a bitmap, bit `pk`
# set, little-endian, base64 (10,000 customers: under 2 kB per feature, and intersected with a
# segment's customers by one AND and a bit count).
Adopters = dict[str, str]


def as_bitmap(pks: Iterable[int]) -> int:
    """The set of pks as an int with bit `pk` set."""
    pks = list(pks)
    bits = bytearray((max(pks, default=0) >> 3) + 1)
    for pk in pks:
        bits[pk >> 3] |= 1 << (pk & 7)
    return int.from_bytes(bits, "little")


def encode_bitmap(bitmap: int) -> str:
    return base64.b64encode(bitmap.to_bytes((bitmap.bit_length() + 7) // 8, "little")).decode()


def decode_bitmap(text: str) -> int:
    return int.from_bytes(base64.b64decode(text), "little")


def _usage_changes(as_of: date, window_days: int) -> tuple[int, int]:
    """(how many, newest pk) of the usage changes touching the window. One query."""
    window = days_window(as_of, window_days)
    found = UsageChange.objects.filter(
        last_date__gte=window.first_day, first_date__lte=window.last_day
    ).aggregate(n=Count("pk"), newest=Max("pk"))
    return found["n"], found["newest"] or 0


def _count_adopters(thresholds: dict[str, int], as_of: date, window_days: int) -> Adopters:
    """Every customer adopting each key feature (alive or not: aliveness is read later).
    One query, grouped and filtered in the database."""
    rows = (
        FeatureUsage.objects.filter(
            ACTIVE_ROW,
            days_window(as_of, window_days).dates("date"),
            feature_id__in=[int(pk) for pk in thresholds],
        )
        .values("feature_id", "customer_id")
        .annotate(days=Count("date"), threshold=Max("feature__adoption_threshold_days"))
        .filter(days__gte=F("threshold"))
        .order_by()
        .values_list("feature_id", "customer_id")
    )
    found: dict[str, list[int]] = {pk: [] for pk in thresholds}
    for feature_pk, customer_pk in rows:
        found[str(feature_pk)].append(customer_pk)
    return {pk: encode_bitmap(as_bitmap(customers)) for pk, customers in found.items()}


def key_adopters(as_of: date, window_days: int, thresholds: dict[str, int]) -> Adopters:
    """The adopting customers per key feature: remembered when still good, else counted and
    remembered. Two queries when remembered, four when counted."""
    changes, through = _usage_changes(as_of, window_days)  # read before counting
    kept = KeyFeatureAdopters.objects.filter(window_days=window_days).first()
    if (
        kept is not None
        and kept.day == as_of
        and kept.thresholds == thresholds
        and (kept.changes, kept.changes_through) == (changes, through)
    ):
        adopters: Adopters = kept.adopters
        return adopters
    adopters = _count_adopters(thresholds, as_of, window_days)
    # Two requests counting at once both write what they counted; a usage change committed
    # meanwhile is newer than `through` or adds to `changes`: the next read counts again.
    KeyFeatureAdopters.objects.bulk_create(
        [
            KeyFeatureAdopters(
                window_days=window_days,
                day=as_of,
                thresholds=thresholds,
                adopters=adopters,
                changes=changes,
                changes_through=through,
                computed_at=timezone.now(),
            )
        ],
        update_conflicts=True,
        unique_fields=["window_days"],
        update_fields=[
            "day",
            "thresholds",
            "adopters",
            "changes",
            "changes_through",
            "computed_at",
        ],
    )
    return adopters


def key_feature_adoption_by_segment(
    *, as_of: date, window_days: int = 30
) -> list[SegmentFeatureAdoption]:
    """Every (segment with active customers, key feature) pair, by segment then feature_id:
    the segment's customers alive on `as_of` and how many of them adopt the feature. Four
    queries when the adopters are remembered (key features, usage changes, the memo, the
    alive customers), six when they are counted; one when there is no key feature."""
    features = list(
        Feature.objects.filter(is_key=True)
        .order_by("feature_id")
        .values_list("pk", "feature_id", "name", "adoption_threshold_days")
    )
    if not features:
        return []
    thresholds = {str(pk): threshold for pk, _, _, threshold in features}
    adopters = key_adopters(as_of, window_days, thresholds)
    members: dict[str, list[int]] = {}
    for customer_pk, segment in scorable_customers(as_of).values_list("pk", "segment"):
        members.setdefault(segment, []).append(customer_pk)
    active = {segment: len(pks) for segment, pks in members.items()}
    in_segment = {segment: as_bitmap(pks) for segment, pks in members.items()}
    adopting = {
        (segment, pk): (decode_bitmap(adopters[str(pk)]) & bitmap).bit_count()
        for pk, *_ in features
        for segment, bitmap in in_segment.items()
    }
    return [
        SegmentFeatureAdoption(segment, pk, fid, name, active[segment], adopting[segment, pk])
        for segment in sorted(active)
        for pk, fid, name, _ in features
    ]
