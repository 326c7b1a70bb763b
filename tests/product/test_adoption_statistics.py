"""Issue 11 D3/D4: the adoption statistics a data scientist would sign.

Every expected number is worked out here by hand or with the standard library
(statistics.correlation, statistics.NormalDist), not with the formulas under test.
"""

import math
import statistics
from datetime import date, timedelta
from typing import Any

import pytest
from rest_framework.test import APIClient

from customers.models import Customer
from product.models import Feature, FeatureUsage
from product.selectors import adoption
from tests.customers.factories import CustomerFactory
from tests.finance.factories import ContractFactory
from tests.product.factories import FeatureFactory, non_usage_health

AS_OF = date(2026, 6, 30)
URL = "/api/v1/cs-product/adoption"
LEAD = 90


def on(customer: Customer, feature: Feature, days: list[date], events: int = 5) -> None:
    FeatureUsage.objects.bulk_create(
        FeatureUsage(customer=customer, feature=feature, date=d, events=events, active_users=2)
        for d in days
    )


def use(customer: Customer, feature: Feature, days_back: list[int], events: int = 5) -> None:
    on(customer, feature, [AS_OF - timedelta(days=d) for d in days_back], events)


def health(customer: Customer, non_usage: int) -> None:
    non_usage_health(customer, non_usage, AS_OF - timedelta(days=3))


def fisher(r: float, n: int) -> tuple[float, float, float]:
    """The test's own 95 % interval and two-sided p-value (NormalDist, not erfc)."""
    z, se = 0.5 * math.log((1 + r) / (1 - r)), 1 / math.sqrt(n - 3)
    q = statistics.NormalDist().inv_cdf(0.975)
    p = 2 * (1 - statistics.NormalDist().cdf(abs(z) / se))
    return math.tanh(z - q * se), math.tanh(z + q * se), p


def success(api: APIClient, feature_id: str) -> dict[str, Any]:
    body = api.get(f"{URL}/{feature_id}", {"as_of": AS_OF.isoformat()}).json()
    correlation: dict[str, Any] = body["success_correlation"]
    return correlation


# --- the interval, the p-value, health_impact ---------------------------------------------


def test_interval_and_p_value_by_hand_at_n_10_r_05() -> None:
    c = adoption.Correlation.of(0.5, 10)
    # z = atanh(0.5) = 0.5493, se = 1/√7 = 0.3780, z ± 1.96·se = (−0.1915, 1.2901)
    assert (c.ci_low, c.ci_high) == (
        pytest.approx(-0.19, abs=0.005),
        pytest.approx(0.86, abs=0.005),
    )
    assert c.p_value == pytest.approx(0.1461, abs=1e-4)
    assert c.direction is None
    low, high, p = fisher(0.5, 10)
    assert (c.ci_low, c.ci_high, c.p_value) == (
        pytest.approx(low, abs=1e-4),
        pytest.approx(high, abs=1e-4),
        pytest.approx(p, abs=1e-9),
    )


@pytest.mark.parametrize(
    ("r", "n"), [(0.5, 10), (0.3, 44), (0.3, 42), (-0.3, 44), (0.1, 500), (0.9, 4), (-0.05, 2000)]
)
def test_p_value_formula_and_p_below_005_iff_interval_excludes_0(r: float, n: int) -> None:
    c = adoption.Correlation.of(r, n)
    low, high, p = fisher(r, n)
    assert c.p_value is not None
    assert c.p_value == pytest.approx(p, rel=1e-6, abs=1e-12)
    assert c.p_value == pytest.approx(
        math.erfc(abs(math.atanh(r)) * math.sqrt(n - 3) / math.sqrt(2)), rel=1e-12
    )
    assert (c.p_value < 0.05) == (low > 0 or high < 0) == (c.direction is not None)


def test_perfect_r_has_no_interval_and_p_zero() -> None:
    c = adoption.Correlation.of(-1.0, 12)
    assert (c.r, c.ci_low, c.ci_high, c.p_value, c.direction) == (-1.0, None, None, 0.0, "negative")


def test_r_05_at_n_10_is_insufficient_evidence_not_high(db: None, api: APIClient) -> None:
    f = FeatureFactory.create(feature_id="feat_small")
    scores = [56, 52, 38, 66, 34, 32, 49, 82, 81, 71]
    for days, score in enumerate(scores):
        customer = CustomerFactory.create()
        use(customer, f, list(range(days)))
        health(customer, score)
    r = statistics.correlation(list(range(10)), scores)
    assert r == pytest.approx(0.50, abs=0.005)
    body = success(api, "feat_small")
    corr = body["adoption_success"]
    low, high, p = fisher(r, 10)
    assert corr["r"] == pytest.approx(r, abs=1e-4)
    assert (corr["n"], corr["ci_low"], corr["ci_high"]) == (
        10,
        pytest.approx(low, abs=1e-4),
        pytest.approx(high, abs=1e-4),
    )
    assert corr["ci_low"] == pytest.approx(-0.19, abs=0.01)
    assert corr["ci_high"] == pytest.approx(0.86, abs=0.01)
    assert corr["p_value"] == pytest.approx(p, rel=1e-6)
    # |r| >= 0.5 read "high" before; the interval spans 0, so it is no finding.
    assert body["health_impact"] == "insufficient_evidence"
    assert body["health_impact_direction"] is None


@pytest.mark.parametrize(("sign", "direction"), [(1, "positive"), (-1, "negative")])
def test_strong_r_at_n_40_is_a_narrow_interval_with_a_direction(
    db: None, api: APIClient, sign: int, direction: str
) -> None:
    f = FeatureFactory.create(feature_id="feat_strong")
    days = [i % 20 for i in range(40)]
    scores = [50 + sign * (2 * d - 20) + (7, -5, 0)[i % 3] for i, d in enumerate(days)]
    for d, score in zip(days, scores, strict=True):
        customer = CustomerFactory.create()
        use(customer, f, list(range(d)))
        health(customer, score)
    r = statistics.correlation(days, scores)
    low, high, p = fisher(r, 40)
    body = success(api, "feat_strong")
    corr = body["adoption_success"]
    assert corr["n"] == 40
    assert corr["r"] == pytest.approx(r, abs=1e-4)
    assert corr["ci_low"] == pytest.approx(low, abs=1e-4)
    assert corr["ci_high"] == pytest.approx(high, abs=1e-4)
    assert corr["ci_high"] - corr["ci_low"] < 0.15  # narrow
    assert corr["ci_low"] > 0 if sign > 0 else corr["ci_high"] < 0  # excludes 0
    assert corr["p_value"] == pytest.approx(p, rel=1e-4)
    assert body["health_impact"] == "high"
    assert body["health_impact_direction"] == direction


# --- retention: the lead, the decision window, the 2x2 read-out ---------------------------


def decision(feature: Feature, decided: date, renewed: bool, *, lead: bool, recent: bool) -> None:
    """A customer whose latest renewal decision is `decided`, adopting (4 active days) in the
    lead window (decided − 120, decided − 90] and/or in the 30 days right before it."""
    customer = CustomerFactory.create()
    ContractFactory.create(
        customer=customer,
        start_date=decided - timedelta(days=364),
        end_date=decided,
        status="renewed" if renewed else "churned",
    )
    if lead:  # decided − 90 (the window's last day) … decided − 93
        on(customer, feature, [decided - timedelta(days=LEAD + k) for k in range(4)])
    else:  # 3 days inside; decided − 120 is outside the window (it opens after it)
        on(customer, feature, [decided - timedelta(days=LEAD + k) for k in (0, 1, 29, 30)])
    if recent:
        on(customer, feature, [decided - timedelta(days=k) for k in range(1, 6)])


def test_retention_is_measured_90_days_before_the_decision(db: None, api: APIClient) -> None:
    f = FeatureFactory.create(feature_id="feat_lead")
    # Right before the decision the churners went quiet: recent adoption == renewed (r = 1).
    # In the lead window adoption says little about the outcome.
    lead = [1, 0, 1, 0, 1, 1, 0, 0, 1, 0, 1, 0]
    renewed = [1, 1, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1]
    for i, (x, y) in enumerate(zip(lead, renewed, strict=True)):
        decided = AS_OF - timedelta(days=10 + 15 * i)
        decision(f, decided, bool(y), lead=bool(x), recent=bool(y))
    body = success(api, "feat_lead")
    expected = statistics.correlation(lead, renewed)
    # 2×2: adopted&renewed 4, adopted&lost 2, not&renewed 3, not&lost 3:
    # r = (4·3 − 2·3)/√(6·6·7·5) = 6/√1260 = 0.1690
    assert expected == pytest.approx(6 / math.sqrt(1260))
    ret = body["retention"]
    assert ret["lead_days"] == 90
    assert ret["n"] == 12
    assert ret["r"] == pytest.approx(expected, abs=1e-4)
    assert body["retention_correlation"] == ret["r"]
    assert ret["r"] != pytest.approx(1.0)  # not the adoption right before the decision
    assert ret["counts"]["adopted"] == sum(lead)
    assert body["retention_comparison"]["lead_days"] == 90


def test_renewal_decision_window_includes_the_decision_day(db: None, api: APIClient) -> None:
    f = FeatureFactory.create(feature_id="feat_days")
    # (D − 365, D]: D and D − 364 are in, D − 365 is out.
    for back in (0, 364, 365):
        decision(f, AS_OF - timedelta(days=back), True, lead=True, recent=False)
    ret = success(api, "feat_days")["retention"]
    assert ret["n"] == 2
    assert ret["counts"]["renewed"] == 2


def test_two_by_two_read_out_when_every_adopter_renewed(db: None, api: APIClient) -> None:
    f = FeatureFactory.create(feature_id="feat_2x2")
    # 5 adopters, all renewed; 15 non-adopters, 10 renewed.
    cases = [(True, True)] * 5 + [(False, True)] * 10 + [(False, False)] * 5
    for i, (x, y) in enumerate(cases):
        decision(f, AS_OF - timedelta(days=5 + 10 * i), y, lead=x, recent=False)
    body = success(api, "feat_2x2")
    cmp = body["retention_comparison"]
    assert cmp["adopters"] == {"n": 5, "renewed": 5, "rate": 1.0}
    assert cmp["non_adopters"] == {"n": 15, "renewed": 10, "rate": round(10 / 15, 4)}
    # difference 1 − 2/3 = 1/3; Wald se = √(0 + (2/3)(1/3)/15) = 0.121716; ± 1.96·se = 0.238560
    assert cmp["difference"] == pytest.approx(0.3333, abs=1e-4)
    assert cmp["difference_ci_low"] == pytest.approx(0.0948, abs=1e-4)
    assert cmp["difference_ci_high"] == pytest.approx(0.5719, abs=1e-4)
    # phi = (20·5 − 5·15)/√((20·5 − 25)(20·15 − 225)) = 25/75 = 1/3; shares adopting 0.25,
    # renewing 0.75: phi_max = √(0.25·0.25 / (0.75·0.75)) = 1/3 — the most these marginals allow.
    assert cmp["phi"] == pytest.approx(1 / 3, abs=1e-4)
    assert cmp["phi_max"] == pytest.approx(1 / 3, abs=1e-4)
    assert cmp["phi"] == body["retention"]["r"]
    assert cmp["reason"] is None


def test_two_by_two_nulls_carry_a_reason(db: None, api: APIClient) -> None:
    f = FeatureFactory.create(feature_id="feat_empty")
    for i in range(12):  # everyone adopted: no non-adopters to compare with
        decision(f, AS_OF - timedelta(days=5 + 10 * i), i % 2 == 0, lead=True, recent=False)
    cmp = success(api, "feat_empty")["retention_comparison"]
    assert cmp["adopters"] == {"n": 12, "renewed": 6, "rate": 0.5}
    assert cmp["non_adopters"] == {"n": 0, "renewed": 0, "rate": None}
    assert (cmp["difference"], cmp["difference_ci_low"], cmp["phi"], cmp["phi_max"]) == (
        None,
        None,
        None,
        None,
    )
    assert cmp["reason"] == "no non-adopters among the 12 customers"

    FeatureFactory.create(feature_id="feat_none")
    cmp = success(api, "feat_none")["retention_comparison"]
    assert cmp["adopters"]["n"] + cmp["non_adopters"]["n"] == 12
    assert cmp["reason"] == "no adopters among the 12 customers"


def test_two_by_two_below_ten_is_null_with_reason(db: None, api: APIClient) -> None:
    f = FeatureFactory.create(feature_id="feat_few")
    for i in range(6):
        decision(f, AS_OF - timedelta(days=5 + 10 * i), i < 3, lead=i % 2 == 0, recent=False)
    cmp = success(api, "feat_few")["retention_comparison"]
    assert cmp["adopters"]["n"] == 3
    assert cmp["difference"] is None
    assert cmp["phi"] is None
    assert cmp["reason"] == "insufficient data: n = 6 < 10"


# --- a rule fires on evidence, not on the point estimate ----------------------------------


def _campaign_cohort(f: Feature, copies: int) -> None:
    """r = (4·4 − 2·2)/√(6·6·6·6) = 1/3 with adoption both in the lead window and right before
    the decision, so the point estimate is the same under either reading."""
    cases = [(1, 1)] * 4 + [(1, 0)] * 2 + [(0, 1)] * 2 + [(0, 0)] * 4
    for i, (x, y) in enumerate(cases * copies):
        decision(f, AS_OF - timedelta(days=40 + 5 * i), bool(y), lead=bool(x), recent=bool(x))


def test_campaign_rule_needs_the_interval_to_exclude_0(db: None, api: APIClient) -> None:
    f = FeatureFactory.create(feature_id="feat_campaign")
    _campaign_cohort(f, 1)  # n = 12
    body = api.get(f"{URL}/feat_campaign", {"as_of": AS_OF.isoformat()}).json()
    ret = body["success_correlation"]["retention"]
    assert ret["r"] == pytest.approx(1 / 3, abs=1e-4)  # >= 0.3: fired on the point estimate
    assert body["adoption_metrics"]["overall_adoption"] == 0.0  # < 0.5
    assert ret["ci_low"] < 0 < ret["ci_high"]
    assert "adoption_campaign" not in body["improvement_opportunities"]


def test_campaign_rule_fires_with_its_evidence(db: None, api: APIClient) -> None:
    f = FeatureFactory.create(feature_id="feat_campaign")
    _campaign_cohort(f, 4)  # n = 48, same r
    body = api.get(f"{URL}/feat_campaign", {"as_of": AS_OF.isoformat()}).json()
    low, high, _p = fisher(1 / 3, 48)
    assert low > 0
    details = {d["opportunity"]: d for d in body["opportunity_details"]}
    evidence = details["adoption_campaign"]["evidence"]
    assert evidence["r"] == pytest.approx(1 / 3, abs=1e-4)
    assert evidence["ci_low"] == pytest.approx(low, abs=1e-4)
    assert evidence["ci_high"] == pytest.approx(high, abs=1e-4)
    assert evidence["n"] == 48


# --- tried_customers: one count in the window ---------------------------------------------


def test_tried_customers_is_one_count_in_the_window(
    db: None, api: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(adoption, "MIN_RULE_N", 2)
    f = FeatureFactory.create(feature_id="feat_tried")
    a, b, c, d, e = CustomerFactory.create_batch(5)
    use(a, f, [0, 1, 2, 3])  # adopted
    use(b, f, [29])  # tried on the window's first day
    use(c, f, [30, 31, 40])  # only before the window: not tried (it counted "ever" before)
    use(d, f, [5, 6], events=0)  # rows without events: not tried
    use(e, f, [1, 2])  # tried
    body = api.get(f"{URL}/feat_tried", {"as_of": AS_OF.isoformat()}).json()
    assert body["adoption_metrics"]["tried_customers"] == 3
    listed = {
        r["feature_id"]: r for r in api.get(URL, {"as_of": AS_OF.isoformat()}).json()["results"]
    }
    assert listed["feat_tried"]["tried_customers"] == 3
    assert listed["feat_tried"]["customers_using"] == 3
    details = {x["opportunity"]: x for x in body["opportunity_details"]}
    # training_content divides by the same count: 2 of the 3 who tried did not adopt
    assert details["training_content"]["evidence"] == {
        "tried_customers": 3,
        "tried_not_adopted": 2,
        "share": round(2 / 3, 4),
        "threshold": 0.3,
    }
