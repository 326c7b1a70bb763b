"""CS operations performance: every metric of /cs-ops/performance recomputed here from the
README ("CS operations performance") over hand-set rows; the window is D1's calendar days."""

from datetime import date, timedelta
from itertools import count
from typing import Any

import pytest

from customers.models import TeamMember
from operations.models import Alert, Escalation, SegmentSkillRequirement, WorkflowRun
from tests.conftest import KeyedAPIClient

from .company import (
    NOW,
    at,
    csm,
    customer,
    snapshot,
    survey,
    task,
)

pytestmark = pytest.mark.django_db
DAYS = 30  # window June 1-30 (D1); every row below is well inside it or clearly outside
TARGET = 8  # CS_HUB_TASKS_PER_CSM_WEEK_TARGET default
_n = count(1)


def run(c: Any, status: str, finished: Any) -> WorkflowRun:
    return WorkflowRun.objects.create(
        run_id=f"wfr_num{next(_n)}",
        customer=c,
        workflow_type="risk",
        status=status,
        finished_at=finished,
    )


def build_team() -> dict[str, Any]:
    a = csm("a@cs.example", capacity=4, skills=["enterprise"])
    b = csm("b@cs.example", capacity=5)
    gone = csm("c@cs.example", capacity=10)
    TeamMember.objects.filter(pk=gone.pk).update(active=False)
    SegmentSkillRequirement.objects.create(segment="enterprise", skills=["enterprise"])
    a_customers = [customer("enterprise", csm=a) for _ in range(2)]
    a_customers += [customer("mid_market", csm=a) for _ in range(3)]
    b_customers = [customer("enterprise", csm=b), customer("small_business", csm=b)]
    customer("mid_market", csm=b, churned_at=at(date(2026, 5, 1)))  # not active: not counted
    customer("mid_market")  # no CSM
    one = a_customers[0]
    # runs finished: 3 completed + 1 failed in June; one in May; one still pending
    for status, day in [("completed", 2), ("completed", 10), ("completed", 29), ("failed", 15)]:
        run(one, status, at(date(2026, 6, day)))
    run(one, "completed", at(date(2026, 5, 20)))
    run(one, "pending", None)
    # resolved: an alert in 6 h, an escalation in 48 h; one alert resolved in May
    Alert.objects.create(
        alert_id="al_num1",
        customer=one,
        owner=a,
        title="t",
        status="resolved",
        opened_at=at(date(2026, 6, 10), 0),
        resolved_at=at(date(2026, 6, 10), 6),
    )
    Escalation.objects.create(
        escalation_id="es_num1",
        customer=one,
        owner_email="ops@cs.example",
        reason="r",
        status="resolved",
        opened_at=at(date(2026, 6, 1)),
        resolved_at=at(date(2026, 6, 3)),
    )
    Alert.objects.create(
        alert_id="al_num2",
        customer=one,
        owner=a,
        title="t",
        status="resolved",
        opened_at=at(date(2026, 4, 1)),
        resolved_at=at(date(2026, 5, 1)),
    )
    # CSAT 4, 5, 2 in June (NPS is not CSAT; the May answer is outside)
    for score in (4, 5, 2):
        survey(one, "csat", score, at(date(2026, 6, 5)))
    survey(one, "nps", 10, at(date(2026, 6, 5)))
    survey(one, "csat", 1, at(date(2026, 5, 1)))
    # tasks completed in June: a 10, b 6, the inactive CSM 4, nobody 1; a's May task is outside
    for owner, n in ((a, 10), (b, 6), (gone, 4), (None, 1)):
        for k in range(n):
            task(one, completed_at=at(date(2026, 6, 2 + k)), owner=owner)
    task(one, completed_at=at(date(2026, 5, 1)), owner=a)
    # a critical customer without a run in the window
    snapshot(b_customers[1], NOW - timedelta(days=1), 30)
    return {"a": a, "b": b}


def performance(api: KeyedAPIClient) -> dict[str, Any]:
    response = api.get(f"/api/v1/cs-ops/performance?days={DAYS}")
    assert response.status_code == 200, response.json()
    data: dict[str, Any] = response.json()
    return data


def test_performance_metrics(api: KeyedAPIClient) -> None:
    build_team()
    m = performance(api)["performance_metrics"]
    assert m["workflow_execution_rate"] == pytest.approx(3 / (3 + 1))  # 0.75
    seconds = (6 * 3600 + 48 * 3600) / 2  # 27 hours
    assert m["average_resolution_seconds"] == seconds
    assert m["resolved_count"] == 2
    assert m["average_resolution_time"] == f"{seconds / 3600:.1f}_hours"  # "27.0_hours"
    assert m["customer_satisfaction"] == pytest.approx((4 + 5 + 2) / 3, abs=1e-2)
    assert m["csat_responses"] == 3
    # (10 + 6) tasks ÷ (2 active CSMs × 30/7 weeks) ÷ 8 = 0.2333
    assert m["tasks_completed"] == 16
    assert m["team_productivity"] == pytest.approx(16 / (2 * DAYS / 7) / TARGET, abs=1e-4)


def test_resource_utilisation(api: KeyedAPIClient) -> None:
    build_team()
    r = performance(api)["resource_utilization"]
    # 7 active customers with an active CSM; capacity 4 + 5 (the inactive CSM's is out)
    assert r["capacity_usage"] == pytest.approx(7 / 9, abs=1e-4)
    # b's enterprise customer: b lacks the "enterprise" skill → 6 of 7 matched
    assert r["skill_matching_accuracy"] == pytest.approx(6 / 7, abs=1e-4)
    u_a, u_b = 5 / 4, 2 / 5
    assert r["workload_balancing"] == "overloaded"  # some u > 1.0
    assert r["max_utilisation"] == pytest.approx(u_a, abs=1e-4)
    assert r["min_utilisation"] == pytest.approx(u_b, abs=1e-4)
    assert r["utilisation_spread"] == pytest.approx(u_a - u_b, abs=1e-4)


def test_optimization_opportunities(api: KeyedAPIClient) -> None:
    build_team()
    got = set(performance(api)["optimization_opportunities"])
    assert got == {
        "improve_workflow_reliability",  # 0.75 < 0.9
        "improve_skill_matching_algorithms",  # 0.857 < 0.9
        "rebalance_workloads",  # overloaded
        "increase_automation_coverage",  # 0.233 < 0.8
        "accelerate_escalation_response",  # 27 h > 24 h
        "expand_predictive_capabilities",  # a critical customer without a run
    }


def test_window_is_calendar_days(api: KeyedAPIClient) -> None:
    one = customer()
    # D1: the last 30 days as of June 30 = June 1 00:00 up to July 1 00:00. May 31 18:00 is
    # inside "now − 30 days" (May 31 12:00) but outside the calendar window.
    run(one, "completed", at(date(2026, 5, 31), 18))
    run(one, "failed", at(date(2026, 6, 1), 0))
    survey(one, "csat", 5, at(date(2026, 5, 31), 18))
    survey(one, "csat", 3, at(date(2026, 6, 1), 0))
    m = performance(api)["performance_metrics"]
    assert (m["workflow_runs_completed"], m["workflow_runs_failed"]) == (0, 1)
    assert m["workflow_execution_rate"] == 0
    assert (m["csat_responses"], m["customer_satisfaction"]) == (1, 3)
