"""GET /cs-ops/performance and /cs-ops/performance/team: every number computed by hand."""

from datetime import datetime, timedelta
from itertools import count
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from customers.models import Customer, TeamMember
from operations.models import (
    Alert,
    Escalation,
    SegmentSkillRequirement,
    SurveyResponse,
    Task,
    WorkflowRun,
)
from tests.conftest import MakeClient
from tests.customers.factories import CustomerFactory, TeamMemberFactory, health_snapshot

URL = "/api/v1/cs-ops/performance"
TEAM_URL = "/api/v1/cs-ops/performance/team"
HOUR, DAY = timedelta(hours=1), timedelta(days=1)
_seq = count()


def _id(prefix: str) -> str:
    return f"{prefix}_{next(_seq):06d}"


def now() -> datetime:
    return timezone.now()


# --- row builders -----------------------------------------------------------------------


def run(customer: Customer, status: str, finished_ago: timedelta | None) -> WorkflowRun:
    finished = now() - finished_ago if finished_ago is not None else None
    return WorkflowRun.objects.create(
        run_id=_id("run"),
        customer=customer,
        workflow_type="health_decline_intervention",
        status=status,
        finished_at=finished,
    )


def alert(customer: Customer, resolved_ago: timedelta | None, took: timedelta = HOUR) -> Alert:
    resolved = now() - resolved_ago if resolved_ago is not None else None
    opened = (resolved or now()) - took
    return Alert.objects.create(
        alert_id=_id("alr"),
        customer=customer,
        title="Health drop",
        status="resolved" if resolved else "open",
        opened_at=opened,
        resolved_at=resolved,
    )


def escalation(
    customer: Customer,
    resolved_ago: timedelta | None = None,
    took: timedelta = HOUR,
    status: str | None = None,
) -> Escalation:
    resolved = now() - resolved_ago if resolved_ago is not None else None
    return Escalation.objects.create(
        escalation_id=_id("esc"),
        customer=customer,
        owner_email="ops@company.com",
        reason="Escalated",
        status=status or ("resolved" if resolved else "open"),
        opened_at=(resolved or now()) - took,
        resolved_at=resolved,
    )


def csat(customer: Customer, score: int, ago: timedelta = DAY, kind: str = "csat") -> None:
    SurveyResponse.objects.create(
        response_id=_id("resp"),
        customer=customer,
        respondent_email="p@client.example",
        kind=kind,
        score=score,
        answered_at=now() - ago,
    )


def task(
    owner: TeamMember | None,
    customer: Customer,
    completed_ago: timedelta | None = None,
    due_in: timedelta | None = None,
) -> None:
    Task.objects.create(
        task_id=_id("task"),
        customer=customer,
        owner=owner,
        title="Check-in",
        completed_at=now() - completed_ago if completed_ago is not None else None,
        due_at=now() + due_in if due_in is not None else None,
    )


def health(customer: Customer, grade: str, ago: timedelta) -> None:
    at = now() - ago
    score = {"critical": 30, "at_risk": 60, "healthy": 90}[grade]
    health_snapshot(customer, at, score, grade)


def customers_of(csm: TeamMember | None, n: int, **fields: object) -> list[Customer]:
    return [CustomerFactory.create(success_manager=csm, **fields) for _ in range(n)]


def get(api: APIClient, url: str = URL, **params: str | int) -> dict:
    response = api.get(url, params)
    assert response.status_code == 200, response.content
    return response.json()


# --- the headline numbers ---------------------------------------------------------------


@pytest.fixture
def world(db: None, settings: Any) -> dict[str, object]:
    """Two active CSMs, one inactive; rows inside and outside a 28-day window (4 weeks)."""
    settings.CS_HUB_TASKS_PER_CSM_WEEK_TARGET = 2.0
    a = TeamMemberFactory.create(email="a@company.com", capacity=4, skills=["Enterprise", "x"])
    b = TeamMemberFactory.create(email="b@company.com", capacity=4, skills=["onboarding"])
    gone = TeamMemberFactory.create(email="c@company.com", capacity=10, active=False)
    a1, a2, a3 = customers_of(a, 3, segment="enterprise")
    customers_of(a, 1, segment="enterprise", status="churned")  # not assigned: churned
    b_ent = CustomerFactory.create(success_manager=b, segment="enterprise")
    b_mid = CustomerFactory.create(success_manager=b, segment="mid_market")
    customers_of(gone, 2)  # their CSM is inactive: no capacity, but skill-matched
    orphan = CustomerFactory.create(segment="enterprise")  # no CSM
    SegmentSkillRequirement.objects.create(segment="enterprise", skills=[" enterprise "])

    # Workflow runs (all on a3): 3 completed + 1 failed finished in the window.
    for _ in range(3):
        run(a3, "completed", 2 * DAY)
    run(a3, "failed", 3 * DAY)
    run(a3, "failed", 40 * DAY)  # finished before the window
    run(a3, "running", None)  # not finished

    # Resolution: alerts after 2 h and 3 h, an escalation after 1.9 h.
    alert(a1, resolved_ago=DAY, took=2 * HOUR)
    alert(a2, resolved_ago=DAY, took=3 * HOUR)
    escalation(b_ent, resolved_ago=DAY, took=timedelta(hours=1.9))
    alert(a1, resolved_ago=40 * DAY, took=100 * HOUR)  # resolved before the window
    alert(a1, resolved_ago=None)  # still open
    escalation(a1)  # still open

    # CSAT in the window 5, 4, 4; a 1 before the window; an NPS answer (not CSAT).
    csat(a1, 5)
    csat(a2, 4)
    csat(b_mid, 4)
    csat(a1, 1, ago=40 * DAY)
    csat(a1, 9, kind="nps")

    # Tasks completed in the window: a 5, b 3; inactive CSM 1 and nobody 1 (unattributed).
    for _ in range(5):
        task(a, a1, completed_ago=DAY)
    for _ in range(3):
        task(b, b_ent, completed_ago=2 * DAY)
    task(gone, a1, completed_ago=DAY)
    task(None, a1, completed_ago=DAY)
    task(a, a1, completed_ago=40 * DAY)  # before the window
    task(a, a1)  # open

    # Health: a1 critical now (was healthy), no run → unwatched; a2 healthy now (was
    # critical); a3 critical but has runs in the window; orphan critical, no run → unwatched.
    health(a1, "healthy", 10 * DAY)
    health(a1, "critical", 1 * DAY)
    health(a2, "critical", 10 * DAY)
    health(a2, "healthy", 1 * DAY)
    health(a3, "critical", 1 * DAY)
    health(orphan, "critical", 1 * DAY)
    return {"a": a, "b": b, "a1": a1}


def test_performance_numbers_computed_by_hand(world: Any, api: APIClient) -> None:
    body = get(api, days=28)
    m, r = body["performance_metrics"], body["resource_utilization"]
    assert body["window"]["days"] == 28

    # 3 completed ÷ (3 + 1 failed) = 0.75
    assert m["workflow_execution_rate"] == 0.75
    assert (m["workflow_runs_completed"], m["workflow_runs_failed"]) == (3, 1)
    assert m["workflow_execution_rate_reason"] is None

    # (2 h + 3 h + 1.9 h) ÷ 3 = 2.3 h = 8280 s
    assert m["average_resolution_time"] == "2.3_hours"
    assert m["average_resolution_seconds"] == 8280
    assert (m["resolved_count"], m["resolved_alerts"], m["resolved_escalations"]) == (3, 2, 1)

    # (5 + 4 + 4) ÷ 3 = 4.333… → 4.33
    assert m["customer_satisfaction"] == 4.33
    assert m["csat_responses"] == 3

    # 8 tasks ÷ (2 active CSMs × 28/7 = 4 weeks) = 1.0 per CSM-week; ÷ target 2.0 = 0.5
    assert m["tasks_completed"] == 8
    assert m["tasks_completed_unattributed"] == 2
    assert m["active_csms"] == 2
    assert m["window_weeks"] == 4.0
    assert m["tasks_per_csm_week"] == 1.0
    assert m["tasks_per_csm_week_target"] == 2.0
    assert m["team_productivity"] == 0.5

    # assigned: a 3 + b 2 = 5 (churned and inactive CSM's customers excluded);
    # capacity 4 + 4 = 8 → 5 ÷ 8 = 0.625
    assert (r["capacity_usage"], r["assigned_accounts"], r["total_capacity"]) == (0.625, 5, 8)
    # Active customers with a CSM: a's 3 + b's 2 + the inactive CSM's 2 = 7. enterprise needs
    # "enterprise": a has it (3 match), b lacks it (b_ent fails), b_mid and the inactive
    # CSM's mid_market customers have no requirement (3 match) → 6 ÷ 7 = 0.8571
    assert r["skill_matching_accuracy"] == 0.8571
    assert (r["matched_customers"], r["customers_with_csm"]) == (6, 7)
    # u: a 3/4 = 0.75, b 2/4 = 0.5; spread 0.25 <= 0.3 and nobody > 1.0 → optimal
    assert r["workload_balancing"] == "optimal"
    assert (r["max_utilisation"], r["min_utilisation"], r["utilisation_spread"]) == (
        0.75,
        0.5,
        0.25,
    )
    assert r["overloaded_csms"] == 0

    # 0.75 < 0.9; 0.8571 < 0.9; 0.5 < 0.8; a1 and orphan critical without a run (a3 has runs)
    assert body["optimization_opportunities"] == [
        "improve_workflow_reliability",
        "improve_skill_matching_algorithms",
        "increase_automation_coverage",
        "expand_predictive_capabilities",
    ]
    details = {d["opportunity"]: d for d in body["opportunity_details"]}
    assert details["improve_workflow_reliability"]["evidence"] == {
        "workflow_execution_rate": 0.75,
        "completed": 3,
        "failed": 1,
        "threshold": 0.9,
    }
    assert details["improve_skill_matching_algorithms"]["evidence"]["matched_customers"] == 6
    assert details["increase_automation_coverage"]["evidence"]["team_productivity"] == 0.5
    assert details["expand_predictive_capabilities"]["evidence"] == {
        "critical_customers": 3,
        "without_workflow_run": 2,
    }
    assert all(d["detail"] for d in body["opportunity_details"])


def test_window_parameter_filters_rows(world: Any, api: APIClient) -> None:
    # days=1, (now - 1 d, now]: runs finished 2 d and 3 d ago fall out.
    m = get(api, days=1)["performance_metrics"]
    assert m["workflow_execution_rate"] is None
    assert m["workflow_execution_rate_reason"]
    # Rows stamped one day before setup fall just outside a 1-day window ending later.
    assert m["resolved_count"] == 0
    assert m["csat_responses"] == 0
    # 365 days takes in everything finished: 3 completed, 2 failed → 0.6
    m = get(api, days=365)["performance_metrics"]
    assert (m["workflow_runs_completed"], m["workflow_runs_failed"]) == (3, 2)
    assert m["workflow_execution_rate"] == 0.6
    # resolution: (2 + 3 + 1.9 + 100) ÷ 4 = 26.725 h → "26.7_hours", 96210 s
    assert m["average_resolution_time"] == "26.7_hours"
    assert m["average_resolution_seconds"] == 96210
    # CSAT: (5 + 4 + 4 + 1) ÷ 4 = 3.5
    assert m["customer_satisfaction"] == 3.5
    # default window is 30 days
    assert get(api)["window"]["days"] == 30


def test_default_target_is_eight(db: None, api: APIClient) -> None:
    a = TeamMemberFactory.create()
    (c,) = customers_of(a, 1)
    for _ in range(4):
        task(a, c, completed_ago=DAY)
    # days=7: 4 tasks ÷ (1 CSM × 1 week) = 4 ÷ 8 = 0.5
    m = get(api, days=7)["performance_metrics"]
    assert m["tasks_per_csm_week_target"] == 8.0
    assert m["team_productivity"] == 0.5


# --- workload balancing -----------------------------------------------------------------


def test_overloaded(db: None, api: APIClient) -> None:
    a = TeamMemberFactory.create(capacity=2)
    b = TeamMemberFactory.create(capacity=10)
    customers_of(a, 3)
    customers_of(b, 5)
    r = get(api)["resource_utilization"]
    # a: 3/2 = 1.5 > 1.0 → overloaded; b: 5/10 = 0.5; usage (3 + 5) ÷ 12 = 0.6667
    assert r["workload_balancing"] == "overloaded"
    assert r["overloaded_csms"] == 1
    assert (r["max_utilisation"], r["min_utilisation"], r["utilisation_spread"]) == (1.5, 0.5, 1.0)
    assert r["capacity_usage"] == 0.6667
    body = get(api)
    assert "rebalance_workloads" in body["optimization_opportunities"]
    (detail,) = [
        d for d in body["opportunity_details"] if d["opportunity"] == "rebalance_workloads"
    ]
    assert detail["evidence"]["workload_balancing"] == "overloaded"
    assert detail["evidence"]["overloaded_csms"] == 1


def test_zero_capacity_with_accounts_is_overloaded(db: None, api: APIClient) -> None:
    a = TeamMemberFactory.create(capacity=0)
    customers_of(a, 1)
    r = get(api)["resource_utilization"]
    # no u for capacity 0, but 1 account > 0 capacity; Σ capacity 0 → usage null
    assert r["workload_balancing"] == "overloaded"
    assert r["max_utilisation"] is None
    assert r["capacity_usage"] is None
    assert r["capacity_usage_reason"]


def test_uneven(db: None, api: APIClient) -> None:
    a = TeamMemberFactory.create(capacity=10)
    b = TeamMemberFactory.create(capacity=10)
    customers_of(a, 8)
    customers_of(b, 4)
    body = get(api)
    r = body["resource_utilization"]
    # 0.8 - 0.4 = 0.4 > 0.3, nobody above 1.0 → uneven
    assert r["workload_balancing"] == "uneven"
    assert r["utilisation_spread"] == 0.4
    assert "rebalance_workloads" in body["optimization_opportunities"]


def test_exactly_full_and_spread_at_threshold_is_optimal(db: None, api: APIClient) -> None:
    a = TeamMemberFactory.create(capacity=10)
    b = TeamMemberFactory.create(capacity=10)
    c = TeamMemberFactory.create(capacity=2)
    customers_of(a, 8)
    customers_of(b, 5)
    customers_of(c, 2)
    body = get(api)
    r = body["resource_utilization"]
    # a 0.8, b 0.5, c 2/2 = 1.0 (not > 1.0); spread 1.0 - 0.5 = 0.5 > 0.3 → uneven
    assert r["workload_balancing"] == "uneven"
    c.delete()
    # a 0.8, b 0.5: spread 0.3 is not > 0.3 → optimal
    r = get(api)["resource_utilization"]
    assert (r["utilisation_spread"], r["workload_balancing"]) == (0.3, "optimal")
    assert "rebalance_workloads" not in get(api)["optimization_opportunities"]


def test_single_csm_is_optimal(db: None, api: APIClient) -> None:
    a = TeamMemberFactory.create(capacity=10)
    customers_of(a, 1)
    r = get(api)["resource_utilization"]
    assert (r["workload_balancing"], r["utilisation_spread"]) == ("optimal", 0.0)


# --- opportunities ----------------------------------------------------------------------


def test_healthy_operation_has_no_opportunities(db: None, api: APIClient, settings: Any) -> None:
    settings.CS_HUB_TASKS_PER_CSM_WEEK_TARGET = 1.0
    a = TeamMemberFactory.create(capacity=10, skills=["enterprise"])
    (c,) = customers_of(a, 1, segment="enterprise")
    SegmentSkillRequirement.objects.create(segment="enterprise", skills=["enterprise"])
    for _ in range(9):
        run(c, "completed", DAY)
    run(c, "failed", DAY)  # 9 ÷ 10 = 0.9: not below 0.9
    alert(c, resolved_ago=DAY, took=24 * HOUR)  # exactly 24 h: not over
    for _ in range(4):  # 4 tasks ÷ (1 CSM × 30/7 weeks) = 0.9333 per week ÷ 1.0 ≥ 0.8
        task(a, c, completed_ago=DAY)
    health(c, "critical", DAY)  # critical, but a run was created for it in the window
    body = get(api)
    m = body["performance_metrics"]
    assert m["workflow_execution_rate"] == 0.9
    assert m["average_resolution_time"] == "24.0_hours"
    assert m["team_productivity"] == 0.9333
    assert body["resource_utilization"]["skill_matching_accuracy"] == 1.0
    assert body["optimization_opportunities"] == []
    assert body["opportunity_details"] == []


def test_slow_resolution_fires_escalation_response(db: None, api: APIClient) -> None:
    (c,) = customers_of(None, 1)
    alert(c, resolved_ago=DAY, took=30 * HOUR)
    escalation(c, resolved_ago=DAY, took=20 * HOUR)
    body = get(api)
    # (30 + 20) ÷ 2 = 25 h = 90000 s > 24 h
    assert body["performance_metrics"]["average_resolution_seconds"] == 90000
    assert body["optimization_opportunities"] == ["accelerate_escalation_response"]
    assert body["opportunity_details"][0]["evidence"] == {
        "average_resolution_seconds": 90000,
        "resolved_count": 2,
        "threshold_hours": 24,
    }


def test_churned_critical_customer_is_not_an_opportunity(db: None, api: APIClient) -> None:
    (c,) = customers_of(None, 1, status="churned")
    health(c, "critical", DAY)
    assert get(api)["optimization_opportunities"] == []


# --- empty data, bad input, scopes ------------------------------------------------------


def test_empty_database_gives_nulls_with_reasons(db: None, api: APIClient) -> None:
    body = get(api)
    m, r = body["performance_metrics"], body["resource_utilization"]
    for name in (
        "workflow_execution_rate",
        "average_resolution_time",
        "customer_satisfaction",
        "team_productivity",
    ):
        assert m[name] is None
        assert m[f"{name}_reason"], name
    assert m["average_resolution_seconds"] is None
    assert m["tasks_per_csm_week"] is None
    for name in ("capacity_usage", "skill_matching_accuracy", "workload_balancing"):
        assert r[name] is None
        assert r[f"{name}_reason"], name
    assert r["max_utilisation"] is r["min_utilisation"] is r["utilisation_spread"] is None
    assert body["optimization_opportunities"] == []
    assert get(api, TEAM_URL)["results"] == []


@pytest.mark.parametrize("days", ["0", "-1", "366", "abc", "1.5", "1e3"])
def test_bad_days_is_400(db: None, api: APIClient, days: Any) -> None:
    for url in (URL, TEAM_URL):
        response = api.get(url, {"days": days})
        assert response.status_code == 400, (url, days)
        assert response.json()["errors"][0]["attr"] == "days"


def test_days_bounds_are_accepted(db: None, api: APIClient) -> None:
    assert get(api, days=1)["window"]["days"] == 1
    assert get(api, days=365)["window"]["days"] == 365
    assert get(api, days="")["window"]["days"] == 30  # empty means the default


def test_needs_operations_read(db: None, make_client: MakeClient) -> None:
    client = make_client("customers:read")
    assert client.get(URL).status_code == 403
    assert client.get(TEAM_URL).status_code == 403
    ops = make_client("operations:read")
    assert ops.get(URL).status_code == 200
    assert ops.get(TEAM_URL).status_code == 200


SPEC_RESPONSE = {
    "performance_metrics": {
        "workflow_execution_rate": 0.95,
        "average_resolution_time": "2.3_hours",
        "customer_satisfaction": 4.6,
        "team_productivity": 1.15,
    },
    "resource_utilization": {
        "capacity_usage": 0.78,
        "skill_matching_accuracy": 0.92,
        "workload_balancing": "optimal",
    },
    "optimization_opportunities": [
        "increase_automation_coverage",
        "improve_skill_matching_algorithms",
        "expand_predictive_capabilities",
    ],
}


def test_response_has_every_field_of_the_spec(world: Any, api: APIClient) -> None:
    body = get(api)
    for section, fields in SPEC_RESPONSE.items():
        assert section in body
        if isinstance(fields, dict):
            assert set(fields) <= set(body[section])
    assert isinstance(body["optimization_opportunities"], list)


# --- team -------------------------------------------------------------------------------


def test_team_rows(db: None, api: APIClient) -> None:
    a = TeamMemberFactory.create(email="a@company.com", name="Ann", capacity=4, skills=["x"])
    TeamMemberFactory.create(email="b@company.com", name="Bob", capacity=5)
    gone = TeamMemberFactory.create(email="0@company.com", active=False)
    a1, a2, a3 = customers_of(a, 3)
    (churned,) = customers_of(a, 1, status="churned")
    (other,) = customers_of(gone, 1)
    # tasks: 2 completed in a 30-day window, 1 before it; open: overdue, due later, no due
    task(a, a1, completed_ago=DAY)
    task(a, a2, completed_ago=5 * DAY)
    task(a, a1, completed_ago=40 * DAY)
    task(a, a1, due_in=-DAY)
    task(a, a2, due_in=DAY)
    task(a, a3)
    task(None, a1, due_in=-DAY)  # nobody's
    # escalations on a's customers: open, in_progress, resolved; open on the churned one
    escalation(a1, status="open")
    escalation(a2, status="in_progress")
    escalation(a3, resolved_ago=DAY)
    escalation(churned, status="open")
    escalation(other, status="open")  # another CSM's customer
    # CSAT of a's customers in the window: 5, 4 → 4.5; a 1 before the window; NPS ignored
    csat(a1, 5)
    csat(a2, 4)
    csat(a1, 1, ago=40 * DAY)
    csat(a3, 10, kind="nps")
    csat(other, 1)

    body = get(api, TEAM_URL)
    rows = body["results"]
    assert [row["email"] for row in rows] == ["a@company.com", "b@company.com"]
    ann, bob = rows
    assert ann == {
        "email": "a@company.com",
        "name": "Ann",
        "capacity": 4,
        "assigned_accounts": 3,  # churned customer not assigned
        "utilisation": 0.75,  # 3 ÷ 4
        "skills": ["x"],
        "tasks_completed": 2,
        "open_tasks": 3,
        "overdue_tasks": 1,
        "open_escalations": 3,  # open + in_progress + the churned customer's open one
        "average_csat": 4.5,  # (5 + 4) ÷ 2
        "csat_responses": 2,
        "window_days": 30,
    }
    assert bob["assigned_accounts"] == 0
    assert bob["utilisation"] == 0.0
    assert bob["average_csat"] is None
    assert (bob["tasks_completed"], bob["open_tasks"], bob["open_escalations"]) == (0, 0, 0)

    # a 3-day window keeps only the task completed a day ago
    assert get(api, TEAM_URL, days=3)["results"][0]["tasks_completed"] == 1


def test_team_is_cursor_paginated_by_email(db: None, api: APIClient) -> None:
    for email in ("c@x.com", "a@x.com", "b@x.com"):
        TeamMemberFactory.create(email=email)
    first = get(api, TEAM_URL, page_size=2)
    assert [r["email"] for r in first["results"]] == ["a@x.com", "b@x.com"]
    second = api.get(first["next"]).json()
    assert [r["email"] for r in second["results"]] == ["c@x.com"]
    assert second["next"] is None


# --- bounded queries --------------------------------------------------------------------


def _team_of(size: int) -> None:
    SegmentSkillRequirement.objects.create(segment="enterprise", skills=["enterprise"])
    for i in range(size):
        csm = TeamMemberFactory.create(capacity=3, skills=["enterprise"] if i % 2 else [])
        for c in customers_of(csm, 2, segment="enterprise" if i % 3 else "mid_market"):
            task(csm, c, completed_ago=DAY)
            task(csm, c, due_in=-DAY)
            escalation(c, status="open")
            alert(c, resolved_ago=DAY)
            csat(c, 1 + i % 5)
            health(c, "critical" if i % 2 else "healthy", DAY)
            run(c, "completed" if i % 4 else "failed", DAY)


# auth (key lookup, at most one last-used stamp) + 9 metric queries; team: auth + page + 4
PERFORMANCE_QUERIES, TEAM_QUERIES = 11, 7


@pytest.mark.parametrize("size", [3, 15])
def test_query_counts_do_not_grow(
    db: None, api: APIClient, size: Any, django_assert_max_num_queries: Any
) -> None:
    _team_of(size)
    with django_assert_max_num_queries(PERFORMANCE_QUERIES):
        body = get(api)
    assert body["resource_utilization"]["active_csms"] == size
    with django_assert_max_num_queries(TEAM_QUERIES):
        rows = get(api, TEAM_URL)["results"]
    assert len(rows) == size
    assert sum(r["assigned_accounts"] for r in rows) == 2 * size
