"""Adoption analytics: hand-built usage, expected numbers worked out in each test."""

import statistics
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from customers.models import Customer
from product.models import Feature, FeatureUsage
from product.selectors import adoption
from tests.conftest import MakeClient
from tests.customers.factories import CustomerFactory
from tests.finance.factories import ContractFactory
from tests.product.factories import FeatureFactory, non_usage_health

AS_OF = date(2026, 6, 30)
URL = "/api/v1/cs-product/adoption"


def use(customer: Customer, feature: Feature, days_back: list[int], events: int = 5) -> None:
    """Active rows `days_back` days before AS_OF (0 = AS_OF itself)."""
    FeatureUsage.objects.bulk_create(
        FeatureUsage(
            customer=customer,
            feature=feature,
            date=AS_OF - timedelta(days=d),
            events=events,
            active_users=2 if events else 0,
        )
        for d in days_back
    )


def health(customer: Customer, non_usage: int, days_back: int = 3) -> None:
    non_usage_health(customer, non_usage, AS_OF - timedelta(days=days_back))


@pytest.fixture
def cohort(db: None) -> tuple[Feature, dict[str, Customer]]:
    """Nine customers alive on AS_OF, one churned before it, usage of one feature."""
    f = FeatureFactory.create(feature_id="feat_analytics", name="Analytics")
    c = {
        name: CustomerFactory.create(customer_id=name, segment=seg, lifecycle_stage=stage)
        for name, seg, stage in [
            ("e1", "enterprise", "adoption"),
            ("e2", "enterprise", "adoption"),
            ("e3", "enterprise", "onboarding"),
            ("e4", "enterprise", "value_realization"),
            ("m1", "mid_market", "adoption"),
            ("m2", "mid_market", "onboarding"),
            ("s1", "small_business", "onboarding"),
            ("s2", "small_business", "onboarding"),
            ("c_after", "mid_market", "at_risk"),
            ("c_before", "enterprise", "churned"),
        ]
    }
    late = timezone.make_aware(datetime(2026, 7, 15, 12))
    Customer.objects.filter(customer_id="c_after").update(status="churned", churned_at=late)
    early = timezone.make_aware(datetime(2026, 6, 1, 12))
    Customer.objects.filter(customer_id="c_before").update(status="churned", churned_at=early)
    use(c["e1"], f, [0, 3, 5, 7, 9, 11, 13, 29])  # 8 days in (AS_OF-30, AS_OF]
    use(c["e1"], f, [31, 35, 40, 45])  # 4 in the window before: a previous adopter
    use(c["e2"], f, [1, 2, 3, 4])  # exactly the threshold
    use(c["e2"], f, [30])  # AS_OF-30 is outside the window (it opens after it)
    use(c["e3"], f, [2, 8])  # tried, not adopted
    use(c["e3"], f, [6, 7], events=0)  # rows without activity do not count
    use(c["e4"], f, [33, 36, 39, 42, 50])  # adopted last window, lapsed now
    use(c["m1"], f, [1, 2, 3, 4, 5])
    use(c["s2"], f, [10])
    use(c["c_after"], f, [1, 2, 3, 4, 5, 6])  # churned after AS_OF: still counted
    use(c["c_before"], f, [40, 41, 42, 43, 44])  # churned before AS_OF: not counted
    use(c["m2"], f, [-1, -2, -3, -4])  # after AS_OF: invisible on AS_OF
    return f, c


def test_adoption_rates_overall_by_segment_and_stage(cohort: Any, api: APIClient) -> None:
    body = api.get(f"{URL}/feat_analytics", {"as_of": "2026-06-30"}).json()
    m = body["adoption_metrics"]
    # Alive on AS_OF: e1 e2 e3 e4 m1 m2 s1 s2 c_after = 9. Adopting (>= 4 active days in the
    # window): e1 (8), e2 (4), m1 (5), c_after (6) = 4. Tried (a row with events > 0 in the
    # window, issue 11 D3): e1 e2 e3 m1 s2 c_after = 6 (e4's rows are all before the window).
    assert (m["active_customers"], m["adopting_customers"], m["tried_customers"]) == (9, 4, 6)
    assert m["overall_adoption"] == round(4 / 9, 4)
    # enterprise e1 e2 | e3 e4 -> 2/4; mid_market m1 c_after | m2 -> 2/3; small 0/2
    assert m["segment_adoption"] == {
        "enterprise": 0.5,
        "mid_market": round(2 / 3, 4),
        "small_business": 0.0,
    }
    # adoption: e1 e2 m1 -> 3/3; onboarding: e3 m2 s1 s2 -> 0/4; at_risk: c_after 1/1;
    # value_realization: e4 0/1; stages without customers: null.
    assert m["stage_adoption"]["adoption"] == 1.0
    assert m["stage_adoption"]["onboarding"] == 0.0
    assert m["stage_adoption"]["at_risk"] == 1.0
    assert m["stage_adoption"]["value_realization"] == 0.0
    assert m["stage_adoption"]["expansion"] is None
    assert m["segments"]["enterprise"] == {
        "adoption": 0.5,
        "active_customers": 4,
        "adopting_customers": 2,
        "tried_customers": 3,
    }
    # previous window (AS_OF-60, AS_OF-30]: e1 (4 days) and e4 (5); e4 stopped.
    assert (m["previous_window_adopters"], m["lapsed_adopters"]) == (2, 1)
    assert body["adoption_threshold_days"] == 4
    assert body["as_of"] == "2026-06-30"


def test_threshold_and_window_parameters(cohort: Any, api: APIClient) -> None:
    Feature.objects.filter(feature_id="feat_analytics").update(adoption_threshold_days=5)
    m = api.get(f"{URL}/feat_analytics", {"as_of": "2026-06-30"}).json()["adoption_metrics"]
    assert m["adopting_customers"] == 3  # e2 (4 days) no longer adopts
    # A 60-day window brings e4's 5 earlier days into it; e1 now has 12.
    m = api.get(f"{URL}/feat_analytics", {"as_of": "2026-06-30", "window_days": "60"}).json()[
        "adoption_metrics"
    ]
    assert m["adopting_customers"] == 5  # e1, e2 (4+1=5), e4, m1, c_after


def test_success_correlation_matches_direct_pearson(db: None, api: APIClient) -> None:
    f = FeatureFactory.create(feature_id="feat_x")
    days = [0, 1, 2, 3, 5, 8, 10, 12, 15, 20, 2, 7]
    scores = [30, 35, 40, 38, 52, 60, 58, 75, 80, 90, 45, 50]
    for i, (n_days, score) in enumerate(zip(days, scores, strict=True)):
        customer = CustomerFactory.create()
        use(customer, f, list(range(n_days)))
        health(customer, score)
        health(customer, 0, days_back=40)  # older than 35 days: ignored
        if i == 0:
            health(customer, score, days_back=1)  # the latest snapshot wins
    no_health = CustomerFactory.create()
    use(no_health, f, [1, 2, 3])  # active, but no snapshot: not in the sample
    body = api.get(f"{URL}/feat_x", {"as_of": "2026-06-30"}).json()["success_correlation"]
    expected = statistics.correlation([d / 30 for d in days], scores)
    assert body["adoption_success"]["n"] == 12
    assert body["adoption_success_link"] == pytest.approx(expected, abs=1e-4)
    assert body["health_impact"] == "high"  # r ≈ 0.97, interval well above 0
    assert body["health_impact_direction"] == "positive"
    assert body["adoption_success"]["reason"] is None


def test_correlations_are_null_with_reason_below_ten(cohort: Any, api: APIClient) -> None:
    _f, c = cohort
    for customer in list(c.values())[:5]:
        health(customer, 50)
    body = api.get(f"{URL}/feat_analytics", {"as_of": "2026-06-30"}).json()
    corr = body["success_correlation"]
    assert corr["adoption_success_link"] is None
    assert corr["health_impact"] == "insufficient_evidence"
    assert corr["health_impact_direction"] is None
    assert corr["adoption_success"]["n"] == 5
    assert "n = 5 < 10" in corr["adoption_success"]["reason"]
    assert corr["retention_correlation"] is None
    assert corr["retention"]["n"] == 0


def test_constant_outcome_gives_null_not_a_division_error(db: None) -> None:
    result = adoption.pearson(12, 10, 600, 500, 20, 30000)  # all y equal to 50
    assert result.r is None
    assert "no variation in the outcome" in (result.reason or "")


def test_retention_correlation_uses_adoption_before_each_decision(db: None, api: APIClient) -> None:
    # Issue 11 D4: adoption is read in the 30 days ending 90 days (the lead) before each
    # decision, so the usage below sits LEAD days earlier than it did before that decision.
    f = FeatureFactory.create(feature_id="feat_r")
    lead = 90
    # (adopted in the lead window, renewed)
    cases = [(1, 1)] * 5 + [(0, 0)] * 3 + [(1, 0)] * 1 + [(0, 1)] * 3
    for i, (adopted, renewed) in enumerate(cases):
        customer = CustomerFactory.create()
        decided = AS_OF - timedelta(days=20 + 20 * i)  # within the last 365 days
        ContractFactory.create(
            customer=customer,
            start_date=decided - timedelta(days=364),
            end_date=decided,
            status="renewed" if renewed else "churned",
        )
        back = (AS_OF - decided).days + lead  # days back to decided_on - lead (inside)
        if adopted:  # 4 active days in (decided - 120, decided - 90]
            use(customer, f, [back + k for k in (0, 1, 2, 3)])
        else:  # only 2 days in it, and plenty after its end (after must not count)
            use(customer, f, [back + k for k in (0, 29)])
            use(customer, f, [back - k for k in (1, 2, 3, 4, 5)])
    # An older decision (over 365 days back) is outside the sample.
    old = CustomerFactory.create()
    ContractFactory.create(
        customer=old, start_date=date(2024, 1, 1), end_date=date(2025, 1, 1), status="churned"
    )
    # A customer with two decisions counts once, by the later one (renewed, adopted).
    twice = CustomerFactory.create()
    ContractFactory.create(
        customer=twice, start_date=date(2025, 6, 1), end_date=date(2025, 9, 1), status="churned"
    )
    ContractFactory.create(
        customer=twice, start_date=date(2025, 9, 2), end_date=date(2026, 6, 1), status="renewed"
    )
    use(twice, f, [(AS_OF - date(2026, 6, 1)).days + lead + k for k in (1, 2, 3, 4)])
    cases.append((1, 1))
    # An active contract is no decision.
    ContractFactory.create(customer=CustomerFactory.create(), status="active")

    body = api.get(f"{URL}/feat_r", {"as_of": "2026-06-30"}).json()["success_correlation"]
    xs, ys = [x for x, _ in cases], [y for _, y in cases]
    assert body["retention"]["n"] == 13
    assert body["retention_correlation"] == pytest.approx(statistics.correlation(xs, ys), abs=1e-4)
    assert body["retention"]["counts"] == {
        "adopted": 7,
        "renewed": 9,
        "lost": 4,
        "adopted_and_renewed": 6,
    }


def test_opportunities_fire_with_their_evidence(
    cohort: Any, api: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(adoption, "MIN_RULE_N", 2)
    monkeypatch.setattr(adoption, "MIN_SEGMENT_N", 2)
    body = api.get(f"{URL}/feat_analytics", {"as_of": "2026-06-30"}).json()
    details = {d["opportunity"]: d for d in body["opportunity_details"]}
    assert body["improvement_opportunities"] == [
        d["opportunity"] for d in body["opportunity_details"]
    ]
    # small_business 0.0 < 0.5 x best (mid_market 0.6667); enterprise 0.5 is not.
    onboarding = details["enhanced_onboarding"]["evidence"]
    assert onboarding["best_segment"] == "mid_market"
    assert onboarding["lagging_segments"] == {"small_business": 0.0}
    # tried in the window 6, of them not adopting e3 s2 -> 2/6 = 33% did not adopt (> 30%)
    assert details["training_content"]["evidence"]["tried_customers"] == 6
    assert details["training_content"]["evidence"]["tried_not_adopted"] == 2
    assert details["training_content"]["evidence"]["share"] == round(2 / 6, 4)
    # never tried: 3 of 9 (33%) -> feature_discovery does not fire
    assert "feature_discovery" not in details
    # lapsed 1 of 2 previous adopters (50% > 20%)
    assert details["re_engagement"]["evidence"] == {
        "previous_adopters": 2,
        "lapsed": 1,
        "share": 0.5,
        "threshold": 0.2,
    }


def test_feature_discovery_when_most_never_tried(
    db: None, api: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(adoption, "MIN_RULE_N", 2)
    f = FeatureFactory.create(feature_id="feat_hidden")
    customers = CustomerFactory.create_batch(5)
    use(customers[0], f, [1, 2, 3, 4, 5])
    body = api.get(f"{URL}/feat_hidden", {"as_of": "2026-06-30"}).json()
    details = {d["opportunity"]: d for d in body["opportunity_details"]}
    assert details["feature_discovery"]["evidence"]["never_tried"] == 4
    assert details["feature_discovery"]["evidence"]["share"] == 0.8


def test_default_rule_minimums_keep_small_samples_quiet(cohort: Any, api: APIClient) -> None:
    body = api.get(f"{URL}/feat_analytics", {"as_of": "2026-06-30"}).json()
    assert body["improvement_opportunities"] == []  # 9 customers: below every rule's minimum


def test_no_customers_gives_nulls_not_errors(db: None, api: APIClient) -> None:
    FeatureFactory.create(feature_id="feat_lonely")
    body = api.get(f"{URL}/feat_lonely").json()
    assert body["adoption_metrics"]["overall_adoption"] is None
    assert body["adoption_metrics"]["segment_adoption"]["enterprise"] is None
    assert body["success_correlation"]["adoption_success_link"] is None


def test_bad_inputs(cohort: Any, api: APIClient, make_client: MakeClient) -> None:
    assert api.get(f"{URL}/feat_nope").json()["errors"][0]["code"] == "feature_not_found"
    future = (timezone.localdate() + timedelta(days=1)).isoformat()
    for params, attr in [
        ({"window_days": "3"}, "window_days"),
        ({"window_days": "366"}, "window_days"),
        ({"window_days": "thirty"}, "window_days"),
        ({"as_of": "2026-13-01"}, "as_of"),
        ({"as_of": future}, "as_of"),
        ({"as_of": "1999-12-31"}, "as_of"),
    ]:
        for url in (f"{URL}/feat_analytics", URL, "/api/v1/customers/e1/adoption"):
            response = api.get(url, params)
            assert response.status_code == 400, (url, params)
            assert response.json()["errors"][0]["attr"] == attr
    Feature.objects.filter(feature_id="feat_analytics").update(adoption_threshold_days=10)
    short = api.get(f"{URL}/feat_analytics", {"window_days": 7})
    assert short.status_code == 400
    assert short.json()["errors"][0]["code"] == "window_shorter_than_threshold"
    ops_only = make_client("operations:read")
    assert ops_only.get(f"{URL}/feat_analytics").status_code == 403
    assert ops_only.get("/api/v1/customers/e1/adoption").status_code == 403
    assert make_client("product:read").get(f"{URL}/feat_analytics").status_code == 200
    assert api.get("/api/v1/customers/nobody/adoption").status_code == 404


def test_list_headlines(cohort: Any, api: APIClient) -> None:
    _f, c = cohort
    other = FeatureFactory.create(feature_id="feat_b", is_key=False)
    use(c["s1"], other, [1, 2, 3, 4, 5, 6])
    body = api.get(URL, {"as_of": "2026-06-30"}).json()
    rows = {r["feature_id"]: r for r in body["results"]}
    assert rows["feat_analytics"]["overall_adoption"] == round(4 / 9, 4)
    # using in the window: e1 e2 e3 m1 s2 c_after = 6
    assert rows["feat_analytics"]["customers_using"] == 6
    assert rows["feat_b"]["adopting_customers"] == 1
    assert rows["feat_b"]["active_customers"] == 9
    only_key = api.get(URL, {"as_of": "2026-06-30", "is_key": "true"}).json()["results"]
    assert [r["feature_id"] for r in only_key] == ["feat_analytics"]


def test_customer_adoption(cohort: Any, api: APIClient) -> None:
    _f, _c = cohort
    FeatureFactory.create(feature_id="feat_unused", is_key=False)
    body = api.get("/api/v1/customers/e1/adoption", {"as_of": "2026-06-30"}).json()
    rows = {r["feature_id"]: r for r in body["features"]}
    a = rows["feat_analytics"]
    assert (a["active_days"], a["adopted"], a["tried"]) == (8, True, True)
    assert a["intensity"] == round(8 / 30, 4)
    assert a["events_in_window"] == 8 * 5
    assert a["peak_active_users"] == 2
    assert a["first_used"] == (AS_OF - timedelta(days=45)).isoformat()
    assert a["last_used"] == "2026-06-30"
    assert rows["feat_unused"] == {
        **rows["feat_unused"],
        "active_days": 0,
        "adopted": False,
        "tried": False,
        "first_used": None,
    }
    assert (body["key_features"], body["key_features_adopted"], body["features_adopted"]) == (
        1,
        1,
        1,
    )


@pytest.mark.parametrize("size", [10, 40])
def test_query_counts_do_not_grow_with_customers(
    db: None, api: APIClient, size: Any, django_assert_max_num_queries: Any
) -> None:
    f = FeatureFactory.create(feature_id="feat_q")
    for i in range(size):
        customer = CustomerFactory.create()
        use(customer, f, list(range(i % 7)))
        health(customer, 40 + i % 50)
        ContractFactory.create(
            customer=customer,
            start_date=date(2025, 6, 1),
            end_date=AS_OF - timedelta(days=i + 1),
            status="renewed" if i % 3 else "churned",
            value=Decimal(1000),
        )
    # auth (key lookup + last-used) + feature + two analytics queries
    with django_assert_max_num_queries(6):
        assert api.get(f"{URL}/feat_q", {"as_of": "2026-06-30"}).status_code == 200
    with django_assert_max_num_queries(6):
        assert api.get(URL, {"as_of": "2026-06-30"}).status_code == 200
    with django_assert_max_num_queries(6):
        first = Customer.objects.first()
        assert first is not None
        cid = first.customer_id
        assert api.get(f"/api/v1/customers/{cid}/adoption").status_code == 200


def _keys(value: object, prefix: str = "") -> set[str]:
    if not isinstance(value, dict):
        return set()
    out = set()
    for key, inner in value.items():
        out.add(prefix + key)
        out |= _keys(inner, f"{prefix}{key}.")
    return out


SPEC_RESPONSE = {  # the spec's example, verbatim
    "feature_id": "feat_analytics",
    "adoption_metrics": {
        "overall_adoption": 0.65,
        "segment_adoption": {"enterprise": 0.85, "mid_market": 0.60, "small_business": 0.45},
    },
    "success_correlation": {
        "adoption_success_link": 0.82,
        "health_impact": "high",
        "retention_correlation": 0.73,
    },
    "improvement_opportunities": ["enhanced_onboarding", "training_content", "feature_discovery"],
}


def test_response_has_every_field_of_the_spec_example(cohort: Any, api: APIClient) -> None:
    body = api.get(f"{URL}/feat_analytics", {"as_of": "2026-06-30"}).json()
    assert _keys(SPEC_RESPONSE) <= _keys(body)
    assert isinstance(body["improvement_opportunities"], list)
