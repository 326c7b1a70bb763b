"""GET /api/v1/cs-marketing/health/{customer_id} (README, "Marketing: health read-out,
lifecycle and segments"): customers' health detail as it is, the lifecycle and the
recommendations from hand-built signals, a customer never scored, errors, scopes and a fixed
number of queries."""

from datetime import date, timedelta
from typing import Any

import pytest

from customers.models import Customer, HealthScore, LifecycleChange
from marketing.api import health_views
from marketing.signals.segments import audience
from marketing.signals.stage import determine_stages
from tests.conftest import MakeClient
from tests.customers.factories import CustomerFactory
from tests.marketing.support import (
    AS_OF,
    adopt,
    alert,
    at,
    contract_ending,
    events,
    expansion,
    nps,
)
from tests.product.factories import FeatureFactory
from tests.support.errors import assert_error

pytestmark = pytest.mark.django_db
URL = "/api/v1/cs-marketing/health/{}"

COMPONENTS = {
    "product_usage": {
        "score": 40.0,
        "weight": 0.25,
        "effective_weight": 0.625,
        "inputs": {"events_last_30d": 67, "events_prior_30d": 100},
        "reason": None,
    },
    "support": {
        "score": 100.0,
        "weight": 0.15,
        "effective_weight": 0.375,
        "inputs": {"open_high": 0},
        "reason": None,
    },
}


def _snap(customer: Customer, day: date, score: int, grade: str) -> None:
    HealthScore.objects.create(
        customer=customer,
        computed_at=at(day, 2),
        as_of=day - timedelta(days=1),
        score=score,
        grade=grade,
        components=COMPONENTS,
        weights={},
        model_version=3,
    )


def _get(client: Any, customer_id: str, monkeypatch: Any, query: str = "") -> Any:
    monkeypatch.setattr(health_views, "today", lambda: AS_OF)
    return client.get(URL.format(customer_id) + query)


def _at_risk_before_renewal() -> Customer:
    key = FeatureFactory.create_batch(4, is_key=True)
    other = FeatureFactory.create(is_key=False)
    c = CustomerFactory.create(customer_id="cust_ro", lifecycle_stage="renewal")
    LifecycleChange.objects.create(
        customer=c,
        from_stage="value_realization",
        to_stage="renewal",
        source="api",
        changed_at=at(AS_OF - timedelta(days=20)),
    )
    _snap(c, AS_OF - timedelta(days=30), 80, "healthy")
    _snap(c, AS_OF, 62, "at_risk")  # -18 against exactly 30 days before
    adopt(c, key[0])  # 1 of 4 key features
    events(c, other, last=60, prior=100)  # + 4 adoption events: 64 of 100
    contract_ending(c, AS_OF + timedelta(days=16), "ctr_9")  # started AS_OF - 348
    expansion(c, 74, True)
    nps(c, 9, 10)  # NPS 100: a promoter
    alert(c)
    return c


def test_an_at_risk_customer_before_renewal_by_hand(
    make_client: MakeClient, monkeypatch: Any
) -> None:
    _at_risk_before_renewal()
    response = _get(make_client("marketing:read"), "cust_ro", monkeypatch)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["customer_id"], body["as_of"], body["score"], body["grade"]) == (
        "cust_ro",
        "2026-06-30",
        62,
        "at_risk",
    )
    assert (body["computed_at"], body["health_as_of"], body["model_version"]) == (
        "2026-06-30T02:00:00Z",
        "2026-06-29",
        3,
    )
    assert body["components"]["product_usage"]["effective_weight"] == 0.625
    assert body["components"]["product_usage"]["description"].startswith("product_usage = 100 x")
    # customers' explanation, as it is (jsonb keeps no key order: either order of the parts)
    assert body["explanation"].startswith("score 62 = round(")
    assert {"product_usage 40.0 × 0.625", "support 100.0 × 0.375"} == set(
        body["explanation"][len("score 62 = round(") : -1].split(" + ")
    )
    assert body["reason"] is None
    trend = body["trend"]
    assert (trend["change_30d"], trend["reference_score"], trend["direction"], trend["basis"]) == (
        -18,
        80,
        "declining",
        "change_30d",
    )
    assert trend["slope_per_week"] is None  # two weekly points (< 3)
    # 2026-05-31 is a Sunday (week of 05-25), 2026-06-30 a Tuesday (week of 06-29).
    assert body["history"] == [
        {"week_start": "2026-05-25", "score": 80, "grade": "healthy"},
        {"week_start": "2026-06-29", "score": 62, "grade": "at_risk"},
    ]

    lifecycle = body["lifecycle"]
    assert (lifecycle["stage"], lifecycle["recorded_stage"], lifecycle["differs"]) == (
        "at_risk",
        "renewal",
        True,
    )
    assert lifecycle["transition_allowed"] is True  # renewal -> at_risk
    assert lifecycle["recorded_since"] == "2026-06-10T12:00:00Z"
    assert [(r["stage"], r["met"]) for r in lifecycle["rules"]] == [
        ("churned", False),
        ("at_risk", True),
        ("onboarding", False),
        ("renewal", True),
        ("expansion", True),
        ("advocacy", False),  # a promoter, but graded at_risk
        ("value_realization", False),
        ("adoption", True),
    ]
    assert lifecycle["rules"][3]["reason"] == "contract ctr_9 ends 2026-07-16 (in 16 days)"

    # Expansion and advocacy are held back while health declines.
    assert body["recommendations"] == [
        {
            "trigger_type": "health_decline",
            "campaign_type": "retention",
            "segment": "declining",
            "reason": "health declining (score 62, -18 in 30 days)",
            "priority": "high",
        },
        {
            "trigger_type": "renewal_due",
            "campaign_type": "renewal",
            "segment": "renewal_due_90d",
            "reason": "contract ctr_9 ends 2026-07-16 (in 16 days)",
            "priority": "high",  # 16 <= 30 days
        },
        {
            "trigger_type": "low_engagement",
            "campaign_type": "retention",
            "segment": "low_engagement",
            "reason": "64 usage events in 30 days, 64% of the 100 before (< 70%)",
            "priority": "medium",
        },
        {
            "trigger_type": "low_adoption",
            "campaign_type": "adoption",
            "segment": "low_adoption",
            "reason": "1 of 4 key features adopted",
            "priority": "medium",
        },
    ]
    signals = body["signals"]
    assert signals["segments"] == [
        "mid_market",
        "at_risk",
        "declining",
        "low_adoption",
        "low_engagement",
        "renewal_due_90d",
        "expansion_ready",
        "promoters",
        "open_intervention",
    ]
    assert signals["engagement"] == {
        "events_last_30d": 64,
        "events_prior_30d": 100,
        "ratio": 0.64,
        "low": True,
    }
    assert signals["adoption"]["share"] == 0.25
    assert signals["renewal_due"] == {
        "contract_id": "ctr_9",
        "end_date": "2026-07-16",
        "days_left": 16,
        "annual_value": 50000,
    }
    assert signals["nps"] == {
        "responses": 2,
        "promoters": 2,
        "detractors": 0,
        "nps": 100.0,
        "promoter": True,
        "detractor": False,
    }
    assert signals["open_interventions"] == {
        "workflow_runs": 0,
        "escalations": 0,
        "alerts": 1,
        "any": True,
    }


def test_the_trends_slope_is_shown_but_declining_has_one_definition(
    make_client: MakeClient, monkeypatch: Any
) -> None:
    """Without a snapshot near 30 days ago the trend block reads the weekly slope (customers'
    trend), but the signals' direction comes from the 30-day change alone: the read-out's
    stage rules, recommendations and segments agree with the set-based audience and the
    nightly determination."""
    c = CustomerFactory.create(customer_id="cust_slope", lifecycle_stage="adoption")
    for days_ago, score in ((14, 90), (7, 80), (0, 70)):  # -10 a week, no snapshot ~30 d ago
        _snap(c, AS_OF - timedelta(days=days_ago), score, "healthy" if score >= 75 else "at_risk")
    body = _get(make_client("marketing:read"), "cust_slope", monkeypatch).json()
    assert (body["trend"]["change_30d"], body["trend"]["slope_per_week"]) == (None, -10.0)
    assert (body["trend"]["direction"], body["trend"]["basis"]) == ("declining", "slope")
    at_risk = body["lifecycle"]["rules"][1]
    assert at_risk["stage"] == "at_risk"
    assert at_risk["met"] is False
    assert (body["signals"]["health"]["direction"], body["signals"]["health"]["basis"]) == (
        None,
        None,
    )
    assert "declining" not in body["signals"]["segments"]
    assert "health_decline" not in [r["trigger_type"] for r in body["recommendations"]]
    assert audience(["declining"], "any", AS_OF) == {}
    assert determine_stages([c.pk], AS_OF)[c.pk].stage == body["lifecycle"]["stage"]


def test_a_customer_never_scored(make_client: MakeClient, monkeypatch: Any) -> None:
    c = CustomerFactory.create(customer_id="cust_new")
    contract_ending(c, AS_OF + timedelta(days=355), "ctr_new", AS_OF - timedelta(days=10))
    response = _get(make_client("marketing:read"), "cust_new", monkeypatch)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["score"], body["grade"], body["trend"], body["history"]) == (None, None, None, [])
    assert body["reason"].startswith("Not computed yet")
    assert body["explanation"] is None
    assert body["signals"]["health"] is None
    assert body["lifecycle"]["stage"] == "onboarding"
    assert body["lifecycle"]["rules"][1]["reason"] == "no health snapshot"
    assert [(r["trigger_type"], r["reason"]) for r in body["recommendations"]] == [
        ("onboarding", "started 2026-06-20"),
        ("low_engagement", "no usage events in the last 30 days"),
    ]


def test_a_churned_customer_gets_no_recommendations(
    make_client: MakeClient, monkeypatch: Any
) -> None:
    CustomerFactory.create(customer_id="cust_gone", status="churned", lifecycle_stage="churned")
    body = _get(make_client("marketing:read"), "cust_gone", monkeypatch).json()
    assert (body["lifecycle"]["stage"], body["lifecycle"]["differs"]) == ("churned", False)
    assert body["lifecycle"]["transition_allowed"] is None
    assert body["recommendations"] == []


def test_unknown_customer_is_404(make_client: MakeClient, monkeypatch: Any) -> None:
    response = _get(make_client("marketing:read"), "cust_nobody", monkeypatch)
    assert_error(response, 404, "customer_not_found")


def test_needs_marketing_read(make_client: MakeClient, monkeypatch: Any) -> None:
    CustomerFactory.create(customer_id="cust_x")
    for scopes in (("customers:read", "sales:read"), ("marketing:write",)):
        assert _get(make_client(*scopes), "cust_x", monkeypatch).status_code == 403, scopes


def test_unknown_query_parameter_is_400(make_client: MakeClient, monkeypatch: Any) -> None:
    CustomerFactory.create(customer_id="cust_x")
    response = _get(make_client("marketing:read"), "cust_x", monkeypatch, "?weeks=4")
    assert_error(response, 400, "unknown_parameter")


@pytest.mark.parametrize("size", [1, 12])
def test_a_fixed_number_of_queries_whatever_the_data(
    size: int, make_client: MakeClient, monkeypatch: Any, django_assert_num_queries: Any
) -> None:
    key = FeatureFactory.create_batch(size, is_key=True)
    c = CustomerFactory.create(customer_id="cust_q")
    for week in range(size * 2):  # weeks of history
        _snap(c, AS_OF - timedelta(days=7 * week), 70 + week % 5, "at_risk")
    for i, feature in enumerate(key):
        adopt(c, feature, 4)
        contract_ending(c, AS_OF + timedelta(days=10 + i), f"ctr_q{i}")
        expansion(CustomerFactory.create(), 80, True)  # other customers' rows
        nps(c, 9)
        alert(c)
    client = make_client("marketing:read")
    _get(client, "cust_q", monkeypatch)  # warm the key cache
    # The key 1, customer 1, health detail 2 (the latest snapshot with its 30-day reference,
    # the history), signals 7: lifecycle 1, the key features and their usage with the 60 days'
    # totals 2, the contracts (due and the first) 1, the expansion snapshot with the handoff 1,
    # nps 1, interventions 1; the segment is the customer row's.
    with django_assert_num_queries(11):
        response = _get(client, "cust_q", monkeypatch)
    assert response.status_code == 200
