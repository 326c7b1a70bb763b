"""Customer feedback: submission and its priority score, the delivery commitment, the list,
the per-category summary, scopes, idempotency and the admin's status action."""

import copy
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from customers.models import Customer, HealthScore
from integrations.models import Event
from product.api.examples import FEEDBACK_EXAMPLE
from product.models import Feedback, FeedbackStatusChange
from product.services.feedback import feedback_submit
from tests.conftest import MakeClient
from tests.customers.factories import CustomerFactory
from tests.finance.factories import ContractFactory

URL = "/api/v1/cs-product/feedback"
SUMMARY = f"{URL}/summary"
FORMULA = "100 x impact x (0.5 + 0.5 x arr_rank) x (0.5 + 0.5 x health_risk)"
NO_HEALTH = "no health score in the last 30 days: risk taken as the midpoint 0.5"
NO_ARR = "no active contract: ARR rank 0"


def detail(feedback_id: str) -> str:
    return f"{URL}/{feedback_id}"


def submit_body(customer_id: str = "cust_a", **feedback: Any) -> dict[str, Any]:
    """A valid submit body; keyword arguments override fields of `feedback`."""
    return {
        "customer_id": customer_id,
        "feedback": {
            "type": "feature_request",
            "category": "reporting",
            "priority": "medium",
            "business_impact": "important",
            "description": "Export dashboards to PDF",
            **feedback,
        },
        "success_context": {"customer_value": "board reporting"},
    }


def submit(api: APIClient, customer_id: str = "cust_a", **feedback: Any) -> dict[str, Any]:
    response = api.post(URL, submit_body(customer_id, **feedback), format="json")
    assert response.status_code == 201, response.json()
    body: dict[str, Any] = response.json()
    return body


def move(api: APIClient, feedback_id: str, **body: Any) -> Any:
    return api.patch(detail(feedback_id), body, format="json")


def customer_with_arr(customer_id: str, arr: int) -> Customer:
    """A customer with one active 1-year contract: ARR = value x 12 / 12 = value."""
    customer = CustomerFactory.create(customer_id=customer_id)
    ContractFactory.create(customer=customer, value=Decimal(arr), term="1_year")
    return customer


def health(customer: Customer, score: int, days_ago: int = 0) -> HealthScore:
    return HealthScore.objects.create(
        customer=customer,
        computed_at=timezone.now() - timedelta(days=days_ago),
        as_of=date.today() - timedelta(days=days_ago),
        score=score,
        grade="critical",
        components={},
        weights={},
        model_version=1,
    )


def error_codes(response: Any) -> list[tuple[str, str | None]]:
    return [(e["code"], e["attr"]) for e in response.json()["errors"]]


def history(body: dict[str, Any]) -> list[tuple[str, str]]:
    return [(h["from_status"], h["to_status"]) for h in body["delivery_commitment"]["history"]]


@pytest.fixture
def customer(db: None) -> Customer:
    return customer_with_arr("cust_a", 10_000)


@pytest.fixture
def item(api: APIClient, customer: Any) -> dict[str, Any]:
    """One submitted feedback of cust_a."""
    return submit(api)


# --- submission --------------------------------------------------------------------------


def test_spec_example_is_accepted_verbatim(api: APIClient) -> None:
    CustomerFactory.create(customer_id="cust_12345")
    response = api.post(URL, FEEDBACK_EXAMPLE, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["feedback_id"].startswith("fb_")
    assert body["customer_id"] == "cust_12345"
    assert body["feedback"] == FEEDBACK_EXAMPLE["feedback"]
    assert body["success_context"] == FEEDBACK_EXAMPLE["success_context"]
    commitment = body["delivery_commitment"]
    assert commitment["status"] == "submitted"
    assert commitment["target_release"] == ""
    assert commitment["target_date"] is None
    assert commitment["overdue"] is False
    assert commitment["committed_at"] is None
    assert commitment["delivered_at"] is None
    assert [h["to_status"] for h in commitment["history"]] == ["submitted"]
    assert commitment["history"][0]["from_status"] is None
    # The only customer, no contract, no health snapshot: 100 x 0.8 x 0.5 x 0.75 = 30
    assert body["priority_score"] == 30
    assert body["submitted_by"].startswith("key:")

    stored = Feedback.objects.get()
    assert stored.feedback_id == body["feedback_id"]
    assert stored.health_impact == "churn_risk_reduction"
    event = Event.objects.get(type="feedback.submitted")
    assert event.customer_id == "cust_12345"
    assert event.data == {
        "feedback_id": body["feedback_id"],
        "category": "workflow_automation",
        "type": "feature_request",
        "priority_score": 30,
    }
    assert api.get(detail(body["feedback_id"])).json() == body


def test_success_context_is_optional(api: APIClient, customer: Any) -> None:
    body = submit_body()
    del body["success_context"]
    response = api.post(URL, body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["success_context"] == {
        "health_impact": "",
        "efficiency_gain": "",
        "customer_value": "",
    }


def test_priority_score_from_arr_rank_and_latest_health(api: APIClient) -> None:
    smallest = customer_with_arr("cust_a", 10_000)
    customer_with_arr("cust_b", 20_000)
    third = customer_with_arr("cust_c", 30_000)
    largest = customer_with_arr("cust_d", 40_000)
    CustomerFactory.create(customer_id="cust_e")  # no contract, no health
    health(third, 90, days_ago=7)  # older snapshot: ignored
    health(third, 40)
    health(largest, 0)
    health(smallest, 100)

    body = submit(api, "cust_c", business_impact="critical_for_success")
    # rank: 3 of the 4 customers with ARR are at or below 30k -> 0.75, arr factor 0.875;
    # risk (100 - 40) / 100 = 0.6, risk factor 0.8; 100 x 0.8 x 0.875 x 0.8 = 56
    assert body["priority_score"] == 56
    assert body["priority_explanation"] == {
        "formula": FORMULA,
        "business_impact": "critical_for_success",
        "impact": 0.8,
        "arr": 30000,
        "arr_rank": 0.75,
        "customers_with_arr": 4,
        "arr_factor": 0.875,
        "health_score": 40,
        "health_as_of": date.today().isoformat(),
        "health_risk": 0.6,
        "risk_factor": 0.8,
        "notes": [],
    }

    body = submit(api, "cust_e", business_impact="blocker")
    # no ARR: rank 0, factor 0.5; no snapshot: risk 0.5, factor 0.75;
    # 100 x 1.0 x 0.5 x 0.75 = 37.5 -> 38 (half-up)
    assert body["priority_score"] == 38
    explanation = body["priority_explanation"]
    assert explanation["arr"] is None
    assert explanation["arr_rank"] == 0
    assert explanation["customers_with_arr"] == 4
    assert explanation["arr_factor"] == 0.5
    assert explanation["health_score"] is None
    assert explanation["health_as_of"] is None
    assert explanation["health_risk"] == 0.5
    assert explanation["risk_factor"] == 0.75
    assert explanation["notes"] == [NO_HEALTH, NO_ARR]

    # the largest, least healthy customer's blocker: 100 x 1.0 x 1.0 x 1.0 = 100
    assert submit(api, "cust_d", business_impact="blocker")["priority_score"] == 100
    # the smallest, healthiest customer's nice-to-have: rank 1/4 -> factor 0.625, risk 0 ->
    # factor 0.5; 100 x 0.25 x 0.625 x 0.5 = 7.8125 -> 8
    assert submit(api, "cust_a", business_impact="nice_to_have")["priority_score"] == 8


def test_arr_is_the_annual_value_of_active_contracts_only(api: APIClient) -> None:
    mixed = CustomerFactory.create(customer_id="cust_x")
    ContractFactory.create(customer=mixed, value=Decimal(12_000), term="1_year")
    ContractFactory.create(customer=mixed, value=Decimal(3_000), term="6_month")
    ContractFactory.create(customer=mixed, value=Decimal(100_000), status="churned")
    customer_with_arr("cust_y", 20_000)

    explanation = submit(api, "cust_x")["priority_explanation"]
    # 12000 x 12/12 + 3000 x 12/6 = 18000; the churned contract does not count
    assert explanation["arr"] == 18000
    # 1 of the 2 customers with ARR is at or below 18k
    assert explanation["arr_rank"] == 0.5
    assert explanation["customers_with_arr"] == 2
    assert explanation["arr_factor"] == 0.75


def test_explained_arr_rounds_like_other_money(api: APIClient) -> None:
    customer = CustomerFactory.create(customer_id="cust_x")
    # ARR = 5000.25 x 12 / 6 = 10000.50 -> 10001 in whole units
    ContractFactory.create(customer=customer, value=Decimal("5000.25"), term="6_month")
    explained = submit(api, "cust_x")["priority_explanation"]["arr"]
    at_stake = api.get(SUMMARY).json()["categories"][0]["arr_at_stake"]
    assert at_stake == 10001
    assert explained == at_stake


def test_submitter_priority_is_stored_but_not_scored(api: APIClient, customer: Any) -> None:
    low = submit(api, priority="low")
    critical = submit(api, priority="critical")
    assert low["feedback"]["priority"] == "low"
    assert critical["feedback"]["priority"] == "critical"
    # only customer with ARR (rank 1.0), no snapshot: 100 x 0.5 x 1.0 x 0.75 = 37.5 -> 38
    assert low["priority_score"] == critical["priority_score"] == 38


# --- validation --------------------------------------------------------------------------


def _with(path: str, value: Any) -> dict[str, Any]:
    """submit_body() with one field set; path like "feedback.priority"."""
    body = submit_body()
    *parents, leaf = path.split(".")
    target = body
    for part in parents:
        target = target[part]
    target[leaf] = value
    return body


def _without(path: str) -> dict[str, Any]:
    body = submit_body()
    *parents, leaf = path.split(".")
    target = body
    for part in parents:
        target = target[part]
    del target[leaf]
    return body


INVALID_BODIES = [
    (_with("feedback.type", "wish"), "invalid_choice", "feedback.type"),
    (_with("feedback.priority", "urgent"), "invalid_choice", "feedback.priority"),
    (_with("feedback.business_impact", "huge"), "invalid_choice", "feedback.business_impact"),
    (_with("extra", 1), "unknown_field", "extra"),
    (_with("feedback.extra", "x"), "unknown_field", "feedback.extra"),
    (_with("success_context.mood", "x"), "unknown_field", "success_context.mood"),
    (_with("feedback.description", 12), "invalid", "feedback.description"),
    (_with("feedback.description", ""), "blank", "feedback.description"),
    (_with("feedback.description", "x" * 5001), "max_length", "feedback.description"),
    (_with("feedback.category", "Workflow Automation"), "invalid", "feedback.category"),
    (_with("feedback.category", "-reporting"), "invalid", "feedback.category"),
    (_with("feedback", "reporting"), "invalid", "feedback.non_field_errors"),
    (_with("customer_id", 12345), "invalid", "customer_id"),
    (_without("feedback"), "required", "feedback"),
    (_without("feedback.business_impact"), "required", "feedback.business_impact"),
    (_without("customer_id"), "required", "customer_id"),
]


@pytest.mark.parametrize(
    ("body", "code", "attr"),
    INVALID_BODIES,
    ids=[f"{code}:{attr}" for _, code, attr in INVALID_BODIES],
)
def test_invalid_bodies_are_refused(
    api: APIClient, customer: Any, body: Any, code: Any, attr: Any
) -> None:
    response = api.post(URL, body, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["type"] == "validation_error"
    assert (code, attr) in error_codes(response)
    assert not Feedback.objects.exists()
    assert not Event.objects.filter(type="feedback.submitted").exists()


def test_all_problems_of_a_body_are_reported_at_once(api: APIClient, customer: Any) -> None:
    body = submit_body(priority="urgent", description=12, colour="red")
    response = api.post(URL, body, format="json")
    assert response.status_code == 400
    assert set(error_codes(response)) >= {
        ("invalid", "feedback.description"),
        ("unknown_field", "feedback.colour"),
    }


def test_malformed_json_is_refused(api: APIClient, customer: Any) -> None:
    response = api.post(
        URL, '{"customer_id": "cust_a", "feedback": {', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["type"] == "client_error"
    assert error_codes(response) == [("parse_error", None)]
    assert not Feedback.objects.exists()


def test_unknown_customer_is_404(api: APIClient, customer: Any) -> None:
    response = api.post(URL, submit_body("cust_nobody"), format="json")
    assert response.status_code == 404
    assert error_codes(response) == [("customer_not_found", None)]
    assert not Feedback.objects.exists()
    assert not FeedbackStatusChange.objects.exists()
    assert not Event.objects.exists()


# --- scopes ------------------------------------------------------------------------------


def test_scopes(make_client: MakeClient, api: APIClient, item: Any) -> None:
    fid = item["feedback_id"]
    reader = make_client("product:read")
    assert reader.get(URL).status_code == 200
    assert reader.get(SUMMARY).status_code == 200
    assert reader.get(detail(fid)).status_code == 200
    refused = reader.post(URL, submit_body(), format="json")
    assert refused.status_code == 403
    assert refused.json()["type"] == "client_error"
    assert reader.patch(detail(fid), {"status": "reviewing"}, format="json").status_code == 403

    writer = make_client("product:write")
    assert writer.post(URL, submit_body(), format="json").status_code == 201
    assert writer.get(URL).status_code == 403  # write implies nothing about read

    other = make_client("customers:write")
    assert other.get(URL).status_code == 403
    assert other.get(SUMMARY).status_code == 403
    assert other.get(detail(fid)).status_code == 403
    assert other.post(URL, submit_body(), format="json").status_code == 403

    assert Feedback.objects.count() == 2  # the fixture's and the writer's
    assert api.get(detail(fid)).json()["delivery_commitment"]["status"] == "submitted"


# --- the delivery commitment -------------------------------------------------------------


def test_commitment_lifecycle(api: APIClient, item: Any) -> None:
    fid = item["feedback_id"]
    today = timezone.localdate()
    in_a_month = (today + timedelta(days=30)).isoformat()

    response = move(api, fid, status="reviewing", note="triage")
    assert response.status_code == 200, response.json()
    assert response.json()["delivery_commitment"]["status"] == "reviewing"

    response = move(api, fid, status="committed")
    assert response.status_code == 400
    assert error_codes(response) == [("target_required", "target_date")]

    yesterday = (today - timedelta(days=1)).isoformat()
    response = move(api, fid, status="committed", target_date=yesterday)
    assert response.status_code == 400
    assert error_codes(response) == [("target_in_past", "target_date")]
    assert Feedback.objects.get().status == "reviewing"

    response = move(api, fid, status="committed", target_date=in_a_month, note="Q3 plan")
    assert response.status_code == 200, response.json()
    commitment = response.json()["delivery_commitment"]
    assert commitment["status"] == "committed"
    assert commitment["target_date"] == in_a_month
    assert commitment["target_release"] == ""
    assert commitment["committed_at"] is not None
    assert commitment["overdue"] is False
    committed_at = commitment["committed_at"]

    # no status: a committed item takes a new target; the date is kept
    response = move(api, fid, target_release="2026.9")
    assert response.status_code == 200, response.json()
    commitment = response.json()["delivery_commitment"]
    assert commitment["status"] == "committed"
    assert commitment["target_release"] == "2026.9"
    assert commitment["target_date"] == in_a_month
    assert commitment["committed_at"] == committed_at  # the first commitment's time
    # the status did not change, so neither does its timestamp
    assert commitment["status_changed_at"] == committed_at

    response = move(api, fid, status="delivered", note="shipped in 2026.9")
    assert response.status_code == 200, response.json()
    body = response.json()
    commitment = body["delivery_commitment"]
    assert commitment["status"] == "delivered"
    assert commitment["delivered_at"] is not None
    assert commitment["overdue"] is False

    assert history(body) == [
        (None, "submitted"),
        ("submitted", "reviewing"),
        ("reviewing", "committed"),
        ("committed", "committed"),
        ("committed", "delivered"),
    ]
    rows = commitment["history"]
    assert [h["note"] for h in rows] == ["", "triage", "Q3 plan", "", "shipped in 2026.9"]
    assert [(h["target_date"], h["target_release"]) for h in rows] == [
        (None, ""),
        (None, ""),
        (in_a_month, ""),
        (in_a_month, "2026.9"),
        (None, ""),
    ]
    assert all(h["changed_by"].startswith("key:") for h in rows)
    assert FeedbackStatusChange.objects.count() == 5

    event = Event.objects.get(type="feedback.delivered")
    assert event.customer_id == "cust_a"
    assert event.data["feedback_id"] == fid
    assert event.data["category"] == "reporting"
    assert event.data["target_release"] == "2026.9"
    assert event.data["note"] == "shipped in 2026.9"
    assert event.data["description"] == "Export dashboards to PDF"


def test_commit_with_a_release_only(api: APIClient, item: Any) -> None:
    fid = item["feedback_id"]
    move(api, fid, status="reviewing")
    response = move(api, fid, status="committed", target_release="2027.1")
    assert response.status_code == 200, response.json()
    commitment = response.json()["delivery_commitment"]
    assert (commitment["target_date"], commitment["target_release"]) == (None, "2027.1")
    assert commitment["overdue"] is False


def test_retarget_to_a_past_date_is_refused(api: APIClient, item: Any) -> None:
    fid = item["feedback_id"]
    soon = (timezone.localdate() + timedelta(days=5)).isoformat()
    move(api, fid, status="reviewing")
    move(api, fid, status="committed", target_date=soon)
    past = (timezone.localdate() - timedelta(days=5)).isoformat()
    response = move(api, fid, target_date=past)
    assert response.status_code == 400
    assert error_codes(response) == [("target_in_past", "target_date")]
    assert Feedback.objects.get().target_date == timezone.localdate() + timedelta(days=5)
    assert FeedbackStatusChange.objects.count() == 3


def test_final_statuses_refuse_every_move(api: APIClient, item: Any) -> None:
    fid = item["feedback_id"]
    move(api, fid, status="reviewing")
    move(api, fid, status="committed", target_release="2026.9")
    assert move(api, fid, status="delivered").status_code == 200
    before = Feedback.objects.values().get()
    events = Event.objects.count()

    for body in [
        {"status": "submitted"},
        {"status": "reviewing"},
        {"status": "committed", "target_release": "2027.1"},
        {"status": "delivered"},
        {"status": "declined"},
        {"target_release": "2027.1"},
    ]:
        response = move(api, fid, **body)
        assert response.status_code == 409, body
        assert response.json()["type"] == "client_error"
        assert error_codes(response) == [("illegal_feedback_transition", None)]

    assert Feedback.objects.values().get() == before
    assert FeedbackStatusChange.objects.count() == 4
    assert Event.objects.count() == events


def test_declined_is_final_and_skipping_steps_is_refused(api: APIClient, item: Any) -> None:
    fid = item["feedback_id"]
    response = move(api, fid, status="delivered")
    assert response.status_code == 409
    assert error_codes(response) == [("illegal_feedback_transition", None)]
    detail_text = response.json()["errors"][0]["detail"]
    assert "submitted" in detail_text
    assert "reviewing, declined" in detail_text

    far = (timezone.localdate() + timedelta(days=9)).isoformat()
    assert move(api, fid, status="committed", target_date=far).status_code == 409
    # re-targeting is only for committed items
    assert move(api, fid, target_release="2026.9").status_code == 409
    assert Feedback.objects.get().status == "submitted"

    assert move(api, fid, status="declined", note="out of scope").status_code == 200
    assert move(api, fid, status="reviewing").status_code == 409
    assert Feedback.objects.get().status == "declined"
    assert not Event.objects.filter(type="feedback.delivered").exists()


def test_patch_body_validation(api: APIClient, item: Any) -> None:
    fid = item["feedback_id"]
    response = move(api, fid)
    assert response.status_code == 400
    assert error_codes(response) == [("empty", "non_field_errors")]

    response = move(api, fid, status="shipped")
    assert response.status_code == 400
    assert error_codes(response) == [("invalid_choice", "status")]

    response = move(api, fid, status="reviewing", colour="red")
    assert response.status_code == 400
    assert error_codes(response) == [("unknown_field", "colour")]

    response = move(api, fid, status="reviewing", target_date="next week")
    assert response.status_code == 400
    assert error_codes(response) == [("invalid", "target_date")]

    assert FeedbackStatusChange.objects.count() == 1
    assert Feedback.objects.get().status == "submitted"


def test_unknown_feedback_is_404(api: APIClient, item: Any) -> None:
    for response in [
        api.get(detail("fb_nope")),
        api.patch(detail("fb_nope"), {"status": "reviewing"}, format="json"),
    ]:
        assert response.status_code == 404
        assert error_codes(response) == [("feedback_not_found", None)]


# --- list, overdue and filters -----------------------------------------------------------


def _committed(api: APIClient, customer_id: str = "cust_a", **feedback: Any) -> str:
    fid: str = submit(api, customer_id, **feedback)["feedback_id"]
    move(api, fid, status="reviewing")
    soon = (timezone.localdate() + timedelta(days=10)).isoformat()
    assert move(api, fid, status="committed", target_date=soon).status_code == 200
    return fid


def _ids(api: APIClient, query: str = "") -> set[str]:
    response = api.get(f"{URL}{query}")
    assert response.status_code == 200, response.json()
    return {row["feedback_id"] for row in response.json()["results"]}


def test_overdue_commitments(api: APIClient, customer: Any) -> None:
    late = _committed(api)
    on_time = _committed(api)
    submitted = submit(api)["feedback_id"]
    by_release = submit(api)["feedback_id"]
    move(api, by_release, status="reviewing")
    move(api, by_release, status="committed", target_release="2026.9")
    Feedback.objects.filter(feedback_id=late).update(
        target_date=timezone.localdate() - timedelta(days=1)
    )

    assert api.get(detail(late)).json()["delivery_commitment"]["overdue"] is True
    for fid in (on_time, submitted, by_release):
        assert api.get(detail(fid)).json()["delivery_commitment"]["overdue"] is False
    rows = {r["feedback_id"]: r for r in api.get(URL).json()["results"]}
    assert {fid: r["delivery_commitment"]["overdue"] for fid, r in rows.items()} == {
        late: True,
        on_time: False,
        submitted: False,
        by_release: False,
    }

    assert _ids(api, "?overdue=true") == {late}
    assert _ids(api, "?overdue=false") == {on_time, submitted, by_release}

    # delivering late ends the overdue state
    move(api, late, status="delivered")
    assert api.get(detail(late)).json()["delivery_commitment"]["overdue"] is False
    assert _ids(api, "?overdue=true") == set()


def test_list_filters(api: APIClient) -> None:
    customer_with_arr("cust_a", 10_000)
    customer_with_arr("cust_b", 20_000)
    a_reporting = submit(api, "cust_a", category="reporting", priority="high")["feedback_id"]
    a_sso = submit(api, "cust_a", category="sso", type="bug", business_impact="blocker")[
        "feedback_id"
    ]
    b_reporting = submit(api, "cust_b", category="reporting")["feedback_id"]
    move(api, b_reporting, status="reviewing")

    assert _ids(api) == {a_reporting, a_sso, b_reporting}
    assert _ids(api, "?customer_id=cust_a") == {a_reporting, a_sso}
    assert _ids(api, "?customer_id=cust_zzz") == set()
    assert _ids(api, "?category=reporting") == {a_reporting, b_reporting}
    assert _ids(api, "?status=reviewing") == {b_reporting}
    assert _ids(api, "?status=submitted") == {a_reporting, a_sso}
    assert _ids(api, "?priority=high") == {a_reporting}
    assert _ids(api, "?priority=medium") == {a_sso, b_reporting}
    assert _ids(api, "?type=bug") == {a_sso}
    assert _ids(api, "?business_impact=blocker") == {a_sso}
    assert _ids(api, "?customer_id=cust_a&category=reporting") == {a_reporting}

    response = api.get(f"{URL}?status=lost")
    assert response.status_code == 400
    assert error_codes(response) == [("invalid_choice", "status")]


def test_list_is_newest_first_and_paginated(api: APIClient, customer: Any) -> None:
    made = [submit(api, description=f"request {i}")["feedback_id"] for i in range(3)]
    first = api.get(f"{URL}?page_size=2").json()
    assert [r["feedback_id"] for r in first["results"]] == [made[2], made[1]]
    second = api.get(first["next"]).json()
    assert [r["feedback_id"] for r in second["results"]] == [made[0]]
    assert second["next"] is None


# --- summary -----------------------------------------------------------------------------


@pytest.fixture
def board(api: APIClient) -> dict[str, str]:
    """Feedback over three categories. ARR: A 10k, B 20k, C 30k, D none; no health
    snapshots, so every risk factor is 0.75. Ranks: A 1/3, B 2/3, C 1, D 0.

    reporting: A important (submitted), A blocker (committed, overdue),
               B important (delivered)
    api:       C important (submitted)
    sso:       C nice_to_have (declined), D nice_to_have (submitted)
    """
    customer_with_arr("cust_a", 10_000)
    customer_with_arr("cust_b", 20_000)
    customer_with_arr("cust_c", 30_000)
    CustomerFactory.create(customer_id="cust_d")
    ids = {
        "a1": submit(api, "cust_a", category="reporting")["feedback_id"],
        "a2": _committed(api, "cust_a", category="reporting", business_impact="blocker"),
        "b1": submit(api, "cust_b", category="reporting")["feedback_id"],
        "c1": submit(api, "cust_c", category="api")["feedback_id"],
        "c2": submit(api, "cust_c", category="sso", business_impact="nice_to_have")["feedback_id"],
        "d1": submit(api, "cust_d", category="sso", business_impact="nice_to_have")["feedback_id"],
    }
    move(api, ids["b1"], status="reviewing")
    move(api, ids["b1"], status="committed", target_release="2026.9")
    move(api, ids["b1"], status="delivered")
    move(api, ids["c2"], status="declined")
    Feedback.objects.filter(feedback_id=ids["a2"]).update(
        target_date=timezone.localdate() - timedelta(days=3)
    )
    return ids


def test_priority_scores_of_the_board(api: APIClient, board: Any) -> None:
    scores = {key: api.get(detail(fid)).json()["priority_score"] for key, fid in board.items()}
    assert scores == {
        "a1": 25,  # 100 x 0.5 x (0.5 + 0.5/3) x 0.75 = 25
        "a2": 50,  # 100 x 1.0 x (0.5 + 0.5/3) x 0.75 = 50
        "b1": 31,  # 100 x 0.5 x (0.5 + 0.5 x 2/3) x 0.75 = 31.25 -> 31
        "c1": 38,  # 100 x 0.5 x 1.0 x 0.75 = 37.5 -> 38
        "c2": 19,  # 100 x 0.25 x 1.0 x 0.75 = 18.75 -> 19
        "d1": 9,  # 100 x 0.25 x 0.5 x 0.75 = 9.375 -> 9
    }


def test_summary_per_category(api: APIClient, board: Any) -> None:
    response = api.get(SUMMARY)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["as_of"] == timezone.localdate().isoformat()
    assert body["categories"] == [
        {
            # C's open request: 30k
            "category": "api",
            "count": 1,
            "open": 1,
            "customers_asking": 1,
            "arr_at_stake": 30000,
            "committed": 0,
            "delivered": 0,
            "declined": 0,
            "overdue": 0,
            "average_priority_score": 38.0,
        },
        {
            # A has two open requests but counts once (10k); B's only request is delivered
            "category": "reporting",
            "count": 3,
            "open": 2,
            "customers_asking": 1,  # open requests only: B's delivered one does not ask
            "arr_at_stake": 10000,
            "committed": 1,
            "delivered": 1,
            "declined": 0,
            "overdue": 1,
            "average_priority_score": 35.3,  # (25 + 50 + 31) / 3 = 35.33
        },
        {
            # C's request is declined, D's is open but D has no ARR
            "category": "sso",
            "count": 2,
            "open": 1,
            "customers_asking": 1,  # open requests only: C's declined one does not ask
            "arr_at_stake": 0,
            "committed": 0,
            "delivered": 0,
            "declined": 1,
            "overdue": 0,
            "average_priority_score": 14.0,  # (19 + 9) / 2
        },
    ]


def test_summary_takes_the_list_filters(api: APIClient, board: Any) -> None:
    body = api.get(f"{SUMMARY}?customer_id=cust_a").json()
    assert body["categories"] == [
        {
            "category": "reporting",
            "count": 2,
            "open": 2,
            "customers_asking": 1,
            "arr_at_stake": 10000,
            "committed": 1,
            "delivered": 0,
            "declined": 0,
            "overdue": 1,
            "average_priority_score": 37.5,  # (25 + 50) / 2
        }
    ]

    # only C's requests: api open (30k), sso declined
    rows = api.get(f"{SUMMARY}?customer_id=cust_c").json()["categories"]
    assert [(r["category"], r["count"], r["arr_at_stake"]) for r in rows] == [
        ("api", 1, 30000),
        ("sso", 1, 0),
    ]

    rows = api.get(f"{SUMMARY}?status=delivered").json()["categories"]
    assert [(r["category"], r["count"], r["delivered"], r["arr_at_stake"]) for r in rows] == [
        ("reporting", 1, 1, 0)
    ]

    rows = api.get(f"{SUMMARY}?overdue=true").json()["categories"]
    assert [(r["category"], r["count"], r["overdue"], r["arr_at_stake"]) for r in rows] == [
        ("reporting", 1, 1, 10000)
    ]

    assert api.get(f"{SUMMARY}?category=nothing").json()["categories"] == []


def test_summary_of_nothing(api: APIClient) -> None:
    body = api.get(SUMMARY).json()
    assert body == {"as_of": timezone.localdate().isoformat(), "categories": []}


# --- query counts ------------------------------------------------------------------------


def _make_feedback(n: int) -> None:
    customers = [customer_with_arr(f"cust_{i}", 1_000 * (i + 1)) for i in range(3)]
    for i in range(n):
        item = feedback_submit(
            customer=customers[i % 3],
            feedback={
                "type": "bug",
                "category": f"cat{i % 4}",
                "priority": "low",
                "business_impact": "important",
                "description": f"item {i}",
            },
            success_context={},
            submitted_by="test",
        )
        FeedbackStatusChange.objects.create(
            feedback=item, from_status="submitted", to_status="reviewing", changed_at=timezone.now()
        )


@pytest.mark.parametrize("n", [5, 25])
def test_list_and_summary_queries_are_bounded(
    api: APIClient, django_assert_max_num_queries: Any, n: Any
) -> None:
    _make_feedback(n)
    # the API key, the page (customers joined), the page's history (prefetched)
    with django_assert_max_num_queries(3):
        response = api.get(f"{URL}?page_size=100")
    rows = response.json()["results"]
    assert len(rows) == n
    assert all(len(r["delivery_commitment"]["history"]) == 2 for r in rows)

    with django_assert_max_num_queries(3):
        response = api.get(detail(rows[0]["feedback_id"]))
    assert response.status_code == 200

    # the API key, the per-category counts, the ARR at stake
    with django_assert_max_num_queries(3):
        response = api.get(SUMMARY)
    assert sum(c["count"] for c in response.json()["categories"]) == n


# --- idempotency -------------------------------------------------------------------------


def test_submit_is_idempotent_under_a_key(api: APIClient, customer: Any) -> None:
    body = submit_body()
    first = api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="abc")
    assert first.status_code == 201, first.json()
    assert not first.has_header("Idempotent-Replayed")

    again = api.post(URL, copy.deepcopy(body), format="json", HTTP_IDEMPOTENCY_KEY="abc")
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Feedback.objects.count() == 1
    assert Event.objects.filter(type="feedback.submitted").count() == 1

    other = api.post(URL, submit_body(category="sso"), format="json", HTTP_IDEMPOTENCY_KEY="abc")
    assert other.status_code == 422
    assert Feedback.objects.count() == 1


# --- admin -------------------------------------------------------------------------------


ADMIN_URL = "/admin/product/feedback/"


def _admin_action(client: Any, pk: int, status: str, **fields: str) -> Any:
    """POST the changelist's action form, as the admin's "Go" button does."""
    form = {"target_date": "", "target_release": "", "note": "", **fields}
    return client.post(
        ADMIN_URL,
        {"action": "change_status", "_selected_action": [pk], "status": status, **form},
    )


def test_admin_action_moves_the_commitment(client: Any, admin_user: Any, item: Any) -> None:
    client.force_login(admin_user)
    assert client.get(ADMIN_URL).status_code == 200
    stored = Feedback.objects.get()

    response = _admin_action(client, stored.pk, "reviewing", note="triage")
    assert response.status_code == 302
    stored.refresh_from_db()
    assert stored.status == "reviewing"
    last = stored.history.last()
    assert last is not None
    assert (last.from_status, last.to_status, last.note) == ("submitted", "reviewing", "triage")
    assert last.changed_by == f"admin:{admin_user}"

    soon = timezone.localdate() + timedelta(days=14)
    _admin_action(client, stored.pk, "committed", target_date=soon.isoformat())
    stored.refresh_from_db()
    assert (stored.status, stored.target_date) == ("committed", soon)

    # blank status: re-target a committed item
    _admin_action(client, stored.pk, "", target_release="2026.9")
    stored.refresh_from_db()
    assert (stored.status, stored.target_date, stored.target_release) == (
        "committed",
        soon,
        "2026.9",
    )
    assert stored.history.count() == 4
    assert client.get(f"{ADMIN_URL}{stored.pk}/change/").status_code == 200


def test_admin_action_refuses_an_illegal_move(client: Any, admin_user: Any, item: Any) -> None:
    client.force_login(admin_user)
    stored = Feedback.objects.get()
    before = Feedback.objects.values().get()

    response = _admin_action(client, stored.pk, "delivered", note="nope")
    assert response.status_code == 302
    assert Feedback.objects.values().get() == before
    assert stored.history.count() == 1
    assert not Event.objects.filter(type="feedback.delivered").exists()
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("cannot move to 'delivered'" in m for m in messages), messages


def test_admin_action_with_a_bad_date_changes_nothing(
    client: Any, admin_user: Any, item: Any
) -> None:
    client.force_login(admin_user)
    stored = Feedback.objects.get()
    response = _admin_action(client, stored.pk, "reviewing", target_date="garbage")
    stored.refresh_from_db()
    assert stored.status == "submitted"
    assert stored.history.count() == 1
    messages = [str(m) for m in response.wsgi_request._messages]
    assert "Target date must be YYYY-MM-DD." in messages
