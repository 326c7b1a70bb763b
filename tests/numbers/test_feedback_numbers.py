"""Feedback: the priority score of a submission and the per-category summary, recomputed
here from the README ("Feedback") and the issue 11 decisions (D1 window, D3 definitions)."""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from customers.models import Customer
from product.models import Feedback
from tests.conftest import KeyedAPIClient

from .company import (
    NOW,
    contract,
    customer,
    snapshot,
)

pytestmark = pytest.mark.django_db
IMPACT = {"nice_to_have": 0.25, "important": 0.5, "critical_for_success": 0.8, "blocker": 1.0}


def half_up(x: float) -> int:
    return int(Decimal(repr(x)).quantize(Decimal(1), ROUND_HALF_UP))


def build_customers() -> dict[str, Customer]:
    big, mid, small, none = customer(), customer(), customer(), customer()
    contract(big, "100000.00")
    contract(mid, "50000.00")
    contract(small, "20000.00")
    contract(none, "99000.00", status="expired")  # not active: no ARR
    snapshot(big, NOW - timedelta(days=2), 40)
    snapshot(mid, NOW - timedelta(days=40), 80)  # older than 30 days (D3)
    snapshot(none, NOW - timedelta(days=1), 70)
    return {"big": big, "mid": mid, "small": small, "none": none}


def submit(api: KeyedAPIClient, c: Customer, impact: str, category: str = "reporting") -> Any:
    body = {
        "customer_id": c.customer_id,
        "feedback": {
            "type": "feature_request",
            "category": category,
            "priority": "high",
            "business_impact": impact,
            "description": "Please.",
        },
    }
    response = api.post("/api/v1/cs-product/feedback", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def expected_priority(impact: str, arr_rank: float, health: int | None) -> int:
    risk = 0.5 if health is None else (100 - health) / 100  # no (recent) score: 0.5
    return half_up(100 * IMPACT[impact] * (0.5 + 0.5 * arr_rank) * (0.5 + 0.5 * risk))


def test_priority_scores(api: KeyedAPIClient) -> None:
    cs = build_customers()
    # ARR rank = share of the 3 customers with ARR whose ARR ≤ this one's (README)
    got = {
        "big": submit(api, cs["big"], "blocker")["priority_score"],
        "small": submit(api, cs["small"], "important")["priority_score"],
        "none": submit(api, cs["none"], "critical_for_success")["priority_score"],
    }
    assert got == {
        "big": expected_priority("blocker", 3 / 3, 40),  # 100 × 1 × 1 × 0.8 = 80
        "small": expected_priority("important", 1 / 3, None),  # 100 × .5 × .667 × .75 = 25
        "none": expected_priority("critical_for_success", 0, 70),  # 100 × .8 × .5 × .65 = 26
    }
    assert got == {"big": 80, "small": 25, "none": 26}


def test_priority_ignores_a_health_score_older_than_30_days(api: KeyedAPIClient) -> None:
    cs = build_customers()
    got = submit(api, cs["mid"], "nice_to_have")
    # the 40-day-old 80 is too old: risk unknown 0.5; rank 2/3
    # 100 × 0.25 × (0.5 + 0.5 × 2/3) × 0.75 = 15.625 → 16
    assert got["priority_score"] == expected_priority("nice_to_have", 2 / 3, None) == 16


def feedback(c: Customer, category: str, status: str, score: int, target: date | None = None):
    n = Feedback.objects.count() + 1
    return Feedback.objects.create(
        feedback_id=f"fb_num{n}",
        customer=c,
        type="feature_request",
        category=category,
        priority="high",
        business_impact="important",
        description="x",
        priority_score=score,
        status=status,
        status_changed_at=NOW,
        target_date=target,
    )


def build_feedback() -> dict[str, Customer]:
    cs = build_customers()
    feedback(cs["big"], "reporting", "submitted", 80)
    feedback(cs["big"], "reporting", "reviewing", 60)
    feedback(cs["none"], "reporting", "committed", 26, target=date(2026, 6, 29))  # overdue
    feedback(cs["small"], "reporting", "delivered", 25)
    feedback(cs["mid"], "reporting", "declined", 13)
    feedback(cs["small"], "exports", "submitted", 30)
    feedback(cs["mid"], "exports", "committed", 20, target=date(2026, 6, 30))  # due today
    return cs


def test_feedback_summary(api: KeyedAPIClient) -> None:
    build_feedback()
    rows = api.get("/api/v1/cs-product/feedback/summary").json()["categories"]
    assert [r["category"] for r in rows] == ["reporting", "exports"]  # by ARR at stake
    reporting, exports = rows
    # ARR at stake = ARR of the distinct customers with an open request:
    # reporting: big 100,000 (twice, counted once) + none 0; exports: small 20,000 + mid 50,000
    assert Decimal(str(reporting["arr_at_stake"])) == Decimal("100000")
    assert Decimal(str(exports["arr_at_stake"])) == Decimal("70000")
    counts = ("count", "open", "committed", "delivered", "declined", "overdue")
    assert {k: reporting[k] for k in counts} == {
        "count": 5,
        "open": 3,  # submitted, reviewing, committed
        "committed": 1,
        "delivered": 1,
        "declined": 1,
        "overdue": 1,  # committed and past its target date
    }
    assert {k: exports[k] for k in counts} == {
        "count": 2,
        "open": 2,
        "committed": 1,
        "delivered": 0,
        "declined": 0,
        "overdue": 0,  # target today: not yet past
    }
    assert reporting["average_priority_score"] == pytest.approx((80 + 60 + 26 + 25 + 13) / 5)
    assert exports["average_priority_score"] == pytest.approx((30 + 20) / 2)


def test_customers_asking_counts_open_requests_only(api: KeyedAPIClient) -> None:
    build_feedback()
    rows = api.get("/api/v1/cs-product/feedback/summary").json()["categories"]
    by_category = {r["category"]: r["customers_asking"] for r in rows}
    # reporting: big and none have open requests; small (delivered), mid (declined) do not
    assert by_category == {"reporting": 2, "exports": 2}
