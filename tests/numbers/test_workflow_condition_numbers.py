"""Workflow trigger conditions measured now (README "Operations: workflow automation"):
health_score_drop, usage_decline and support_increase, with D1's calendar-day windows
(now = 2026-06-30 12:00 UTC: the last 30 days are June 1-30, the prior 30 May 2-31)."""

from datetime import date, timedelta
from typing import Any

import pytest

from customers.models import Customer
from tests.conftest import KeyedAPIClient

from .company import (
    NOW,
    at,
    customer,
    feature,
    snapshot,
    ticket,
    usage,
)

pytestmark = pytest.mark.django_db


def evaluate(api: KeyedAPIClient, c: Customer, **thresholds: float) -> dict[str, Any]:
    """Submit with the given thresholds plus one that cannot hold, so nothing runs (422) and
    the evaluation comes back with every measured value and verdict."""
    conditions = {"health_score_drop": 100.0, **thresholds}
    if "health_score_drop" in thresholds:
        conditions["support_increase"] = 100.0
    body = {
        "workflow_type": "risk_mitigation",
        "customer_id": c.customer_id,
        "trigger_conditions": conditions,
        "automation_steps": ["send_immediate_alert"],
    }
    response = api.post(f"/api/v1/cs-ops/workflows/{c.customer_id}", body, format="json")
    assert response.status_code == 422, response.json()
    return {r["condition"]: r for r in response.json()["evaluation"]["conditions"]}


def test_health_score_drop(api: KeyedAPIClient) -> None:
    c = customer()
    latest = NOW - timedelta(days=1)
    # reference: nearest to latest − 30 d (= NOW − 31 d) within ±7 d; NOW − 29 d and NOW − 33 d
    # are both 2 days off: on a tie the older one (75)
    snapshot(c, NOW - timedelta(days=33), 75)
    snapshot(c, NOW - timedelta(days=29), 80)
    snapshot(c, latest, 62)
    got = evaluate(api, c, health_score_drop=13)["health_score_drop"]
    assert got["measured"] == 75 - 62  # 13
    assert got["holds"] is True  # 13 ≥ 13


def test_usage_decline(api: KeyedAPIClient) -> None:
    c = customer()
    f = feature("num_u")
    usage(c, f, date(2026, 6, 1), events=10)  # last 30 days: 10 + 20 = 30
    usage(c, f, date(2026, 6, 30), events=20)
    usage(c, f, date(2026, 5, 31), events=50)  # prior 30 days: 50 + 30 = 80
    usage(c, f, date(2026, 5, 2), events=30)
    usage(c, f, date(2026, 5, 1), events=1000)  # outside both
    got = evaluate(api, c, usage_decline=0.625)["usage_decline"]
    assert got["measured"] == pytest.approx(1 - 30 / 80, abs=1e-4)  # 0.625
    assert got["holds"] is True


def test_support_increase(api: KeyedAPIClient) -> None:
    c = customer()
    ticket(c, at(date(2026, 6, 1), 0))  # last: June 1-30
    ticket(c, at(date(2026, 6, 20)))
    ticket(c, at(date(2026, 5, 31), 18))  # prior: May 2-31 (a rolling window says "last")
    ticket(c, at(date(2026, 5, 5)))
    ticket(c, at(date(2026, 5, 1), 13))  # outside (a rolling window says "prior")
    got = evaluate(api, c, support_increase=0.5)["support_increase"]
    last, prior = 2, 2
    assert got["measured"] == pytest.approx((last - prior) / max(prior, 1))  # 0
    assert got["holds"] is False


def test_support_increase_well_inside_the_windows(api: KeyedAPIClient) -> None:
    c = customer()
    for day in (3, 10, 17, 24):  # 4 in June
        ticket(c, at(date(2026, 6, day)))
    ticket(c, at(date(2026, 5, 15)))  # 1 in May
    got = evaluate(api, c, support_increase=3)["support_increase"]
    assert got["measured"] == pytest.approx((4 - 1) / max(1, 1))  # 3.0
    assert got["holds"] is True
