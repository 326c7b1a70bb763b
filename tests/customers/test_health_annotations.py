"""`customers.read.with_health`: the latest score, grade and 30-day change as SQL annotations
(one query), equal to the one definition `health_changes` computes in Python."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from customers.models import Customer, HealthScore
from customers.read import direction_filter, health_changes, with_health
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

LATEST = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


def snapshots(customer: Customer, rows: list[tuple[float, int]]) -> None:
    """(days before LATEST, score); the first row with 0 days is the latest."""
    for days_ago, score in rows:
        at = LATEST - timedelta(days=days_ago)
        HealthScore.objects.create(
            customer=customer,
            computed_at=at,
            as_of=at.date(),
            score=score,
            grade="healthy" if score >= 70 else "at_risk" if score >= 40 else "critical",
            model_version=1,
        )


CASES: dict[str, list[tuple[float, int]]] = {
    # latest 50; 31 days before is nearer to the target (30) than 27: 50 - 20 = +30
    "nearest_before": [(0, 50), (36, 10), (31, 20), (27, 30)],
    # 28 is nearer than 33: 50 - 70 = -20
    "nearest_after": [(0, 50), (33, 40), (28, 70)],
    # 3 days either side: the older (33 days, 40): 60 - 40 = +20
    "tie_takes_older": [(0, 60), (33, 40), (27, 50)],
    # both bounds included (37 and 23): tie, the older: 61 - 60 = +1
    "bounds": [(0, 61), (37, 60), (23, 70)],
    # only one side within ±7 days
    "only_before": [(0, 30), (35, 45)],  # -15
    "only_after": [(0, 80), (25, 78)],  # +2
    # nothing within ±7 days of 30 days before: no change
    "too_far": [(0, 40), (38, 90), (22, 90)],
    "single": [(0, 90)],
    # two snapshots at one moment: the newer row before the target, the older one after it
    "same_moment_before": [(0, 50), (31, 20), (31, 25)],  # 50 - 25
    "same_moment_after": [(0, 50), (28, 20), (28, 25)],  # 50 - 20
}
EXPECTED = {
    "nearest_before": (50, 30),
    "nearest_after": (50, -20),
    "tie_takes_older": (60, 20),
    "bounds": (61, 1),
    "only_before": (30, -15),
    "only_after": (80, 2),
    "too_far": (40, None),
    "single": (90, None),
    "same_moment_before": (50, 25),
    "same_moment_after": (50, 30),
    "none": (None, None),
}


def make_cases() -> dict[str, Customer]:
    made = {}
    for name, rows in CASES.items():
        made[name] = CustomerFactory.create(customer_id=name)
        snapshots(made[name], rows)
    made["none"] = CustomerFactory.create(customer_id="none")
    return made


def test_with_health_matches_the_hand_computed_changes_in_one_query() -> None:
    made = make_cases()
    with CaptureQueriesContext(connection) as ctx:
        rows = {
            c.customer_id: (c.health_score, c.health_change_30d)
            for c in with_health(Customer.objects.all())
        }
    assert len(ctx) == 1
    assert rows == EXPECTED
    # ... and with the one Python definition
    changes = health_changes([c.pk for c in made.values()])
    for name, customer in made.items():
        change = changes.get(customer.pk)
        assert rows[name] == (
            change.latest.score if change else None,
            change.change_30d if change else None,
        )


def test_direction_filter_uses_the_stable_band() -> None:
    make_cases()
    annotated = with_health(Customer.objects.all())

    def named(direction: str) -> set[str]:
        return set(
            annotated.filter(direction_filter(direction)).values_list("customer_id", flat=True)
        )

    # declining: ≤ -5; improving: ≥ +5; stable: in between; no change: none of them
    assert named("declining") == {"nearest_after", "only_before"}
    assert named("improving") == {
        "nearest_before",
        "tie_takes_older",
        "same_moment_before",
        "same_moment_after",
    }
    assert named("stable") == {"bounds", "only_after"}
    with pytest.raises(ValueError, match="sideways"):
        direction_filter("sideways")


def test_order_by_change_puts_nulls_last() -> None:
    make_cases()
    ordered = list(
        with_health(Customer.objects.all())
        .order_by(F("health_change_30d").asc(nulls_last=True), "customer_id")
        .values_list("customer_id", flat=True)
    )
    assert ordered == [
        "nearest_after",
        "only_before",
        "bounds",
        "only_after",
        "tie_takes_older",
        "same_moment_before",
        "nearest_before",
        "same_moment_after",
        "none",
        "single",
        "too_far",
    ]
