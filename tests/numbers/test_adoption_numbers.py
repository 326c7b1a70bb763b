"""Adoption: counts and rates overall and per segment, the two correlations with D4's
interval, p-value, direction and the retention read-out, recomputed here from the README
("Product: adoption analytics and feedback") and the issue 11 decisions (D3, D4)."""

import math
from datetime import date, timedelta
from typing import Any

import pytest

from tests.conftest import KeyedAPIClient

from .company import (
    NOW,
    TODAY,
    at,
    contract,
    customer,
    feature,
    snapshot,
    usage,
)

pytestmark = pytest.mark.django_db
W = 30  # window (June 1-30); the previous window is May 2-31
THRESHOLD = 4
Z95 = 1.959964

# (segment, active days in the window, active days in the previous window, non-usage health)
COMPANY = [
    ("enterprise", 6, 5, 80),
    ("enterprise", 5, 0, 75),
    ("enterprise", 4, 4, 70),
    ("enterprise", 1, 6, 55),  # lapsed adopter
    ("mid_market", 8, 0, 85),
    ("mid_market", 3, 0, 50),
    ("mid_market", 0, 2, 40),  # tried before the window only
    ("mid_market", 0, 0, 60),
    ("mid_market", 2, 4, 45),  # lapsed adopter
    ("small_business", 0, 0, 35),
    ("small_business", 4, 0, 65),
    ("small_business", 0, 0, 50),
]


def build_company() -> None:
    f = feature("num_f", threshold=THRESHOLD)
    for segment, days, prev_days, health in COMPANY:
        c = customer(segment=segment)
        for k in range(days):  # June 30, 29, … (the as_of day is inside)
            usage(c, f, TODAY - timedelta(days=k), events=3)
        for k in range(prev_days):  # May 31 (= as_of − 30, the previous window), 30, …
            usage(c, f, TODAY - timedelta(days=W + k), events=2)
        snapshot(c, NOW - timedelta(days=1), score=health, non_usage=health)
    # churned before as_of: not an active customer, whatever its usage
    gone = customer(segment="enterprise", churned_at=at(date(2026, 5, 1)))
    for k in range(10):
        usage(gone, f, TODAY - timedelta(days=k), events=5)
    snapshot(gone, NOW - timedelta(days=40), 90)


def detail(api: KeyedAPIClient, feature_id: str = "num_f") -> dict[str, Any]:
    response = api.get(f"/api/v1/cs-product/adoption/{feature_id}?as_of={TODAY}&window_days={W}")
    assert response.status_code == 200, response.json()
    data: dict[str, Any] = response.json()
    return data


def pearson(xs: list[float], ys: list[float]) -> float:
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    return sxy / math.sqrt(sxx * syy)


def fisher(r: float, n: int) -> tuple[float, float, float]:
    """(ci_low, ci_high, p) from Fisher's z, as decided in D4."""
    z, se = math.atanh(r), 1 / math.sqrt(n - 3)
    return math.tanh(z - Z95 * se), math.tanh(z + Z95 * se), math.erfc(abs(z) / se / math.sqrt(2))


def test_adoption_counts_and_rates(api: KeyedAPIClient) -> None:
    build_company()
    m = detail(api)["adoption_metrics"]
    adopting = [row for row in COMPANY if row[1] >= THRESHOLD]  # 5 of the 12 alive
    assert m["active_customers"] == len(COMPANY) == 12
    assert m["adopting_customers"] == len(adopting) == 5
    assert m["overall_adoption"] == pytest.approx(5 / 12, abs=1e-4)
    for segment in ("enterprise", "mid_market", "small_business"):
        rows = [row for row in COMPANY if row[0] == segment]
        adopted = [row for row in rows if row[1] >= THRESHOLD]
        # enterprise 3/4, mid_market 1/5, small_business 1/3
        assert m["segments"][segment]["active_customers"] == len(rows)
        assert m["segments"][segment]["adopting_customers"] == len(adopted)
        assert m["segment_adoption"][segment] == pytest.approx(len(adopted) / len(rows), abs=1e-4)
    # previous window adopters: prev ≥ 4 → 4; lapsed: of those, < 4 days now → 2
    assert m["previous_window_adopters"] == 4
    assert m["lapsed_adopters"] == 2


def test_adoption_list_headline(api: KeyedAPIClient) -> None:
    build_company()
    rows = api.get(f"/api/v1/cs-product/adoption?as_of={TODAY}&window_days={W}").json()["results"]
    (row,) = [r for r in rows if r["feature_id"] == "num_f"]
    using = [r for r in COMPANY if r[1] > 0]  # used it inside the window: 8
    assert (row["active_customers"], row["adopting_customers"], row["customers_using"]) == (
        12,
        5,
        len(using),
    )


def test_tried_customers_counts_the_window_only(api: KeyedAPIClient) -> None:
    build_company()
    m = detail(api)["adoption_metrics"]
    tried = [r for r in COMPANY if r[1] > 0]  # 8: the one that used it in May only is out
    assert m["tried_customers"] == len(tried) == 8
    assert m["segments"]["mid_market"]["tried_customers"] == 3


def test_success_correlation(api: KeyedAPIClient) -> None:
    build_company()
    got = detail(api)["success_correlation"]
    xs = [days / W for _, days, _, _ in COMPANY]  # intensity = active days ÷ W
    ys = [float(health) for *_, health in COMPANY]
    r = pearson(xs, ys)
    assert got["adoption_success"]["n"] == 12
    assert got["adoption_success"]["r"] == pytest.approx(r, abs=1e-4)
    assert got["adoption_success_link"] == pytest.approx(r, abs=1e-4)
    assert got["health_impact"] == (
        "high" if abs(r) >= 0.5 else "medium" if abs(r) >= 0.3 else "low"
    )


def test_success_correlation_interval_and_p_value(api: KeyedAPIClient) -> None:
    build_company()
    got = detail(api)["success_correlation"]
    r = pearson([d / W for _, d, _, _ in COMPANY], [float(h) for *_, h in COMPANY])
    low, high, p = fisher(r, 12)  # z = atanh(r), se = 1/√9
    assert low > 0  # the interval excludes 0: evidence, positive
    link = got["adoption_success"]
    assert link["ci_low"] == pytest.approx(low, abs=1e-3)
    assert link["ci_high"] == pytest.approx(high, abs=1e-3)
    assert link["p_value"] == pytest.approx(p, rel=1e-2, abs=1e-6)
    assert got["health_impact"] == "high"
    assert got["health_impact_direction"] == "positive"


def test_weak_correlation_is_insufficient_evidence(api: KeyedAPIClient) -> None:
    f = feature("num_w", threshold=THRESHOLD)
    # 10 customers; days and health weakly related
    pairs = [
        (0, 50),
        (1, 70),
        (2, 40),
        (3, 65),
        (4, 45),
        (5, 75),
        (6, 55),
        (7, 50),
        (8, 80),
        (9, 52),
    ]
    for days, health in pairs:
        c = customer()
        for k in range(days):
            usage(c, f, TODAY - timedelta(days=k), events=1)
        snapshot(c, NOW - timedelta(days=1), health, non_usage=health)
    got = detail(api, "num_w")["success_correlation"]
    r = pearson([d / W for d, _ in pairs], [float(h) for _, h in pairs])
    low, high, _ = fisher(r, 10)
    assert low < 0 < high  # the interval spans 0
    assert got["adoption_success"]["r"] == pytest.approx(r, abs=1e-4)
    assert got["health_impact"] == "insufficient_evidence"
    assert got["health_impact_direction"] is None


# --- retention with a 90-day lead (D4) -----------------------------------------------------

LEAD = 90
# (decided_on, adopted in the lead window, renewed, adopted in the 30 days right before)
DECISIONS = [
    (date(2026, 4, 30), 1, 1, 1),
    (date(2026, 4, 30), 1, 1, 1),
    (date(2026, 4, 30), 1, 1, 0),
    (date(2026, 4, 30), 1, 0, 0),
    (date(2026, 3, 15), 1, 1, 1),
    (date(2026, 3, 15), 0, 1, 1),
    (date(2026, 3, 15), 0, 0, 0),
    (date(2026, 2, 1), 0, 0, 0),
    (date(2026, 2, 1), 0, 1, 0),
    (date(2026, 2, 1), 0, 0, 0),
    (date(2026, 5, 20), 1, 1, 0),
    (TODAY, 0, 1, 1),  # decided on the as_of day itself: inside (D3)
]


def build_renewals() -> None:
    g = feature("num_g", threshold=THRESHOLD)
    for decided_on, adopted, renewed, recent in DECISIONS:
        c = customer()
        contract(c, "12000.00", status="renewed" if renewed else "churned", end_date=decided_on)
        lead_end = decided_on - timedelta(days=LEAD)  # window (lead_end − W, lead_end]
        for k in range(5 if adopted else 2):
            usage(c, g, lead_end - timedelta(days=k), events=1)
        for k in range(1, 6 if recent else 2):  # the days right before the decision
            usage(c, g, decided_on - timedelta(days=k), events=1)
    # a decision on TODAY − 365 is outside (D3: (D − 365, D]); it would be an adopter lost
    old = customer()
    contract(old, "12000.00", status="churned", end_date=TODAY - timedelta(days=365))
    for k in range(6):
        usage(old, g, TODAY - timedelta(days=365 + LEAD + k), events=1)


def test_retention_counts_decisions_in_the_year_to_as_of(api: KeyedAPIClient) -> None:
    build_renewals()
    retention = detail(api, "num_g")["success_correlation"]["retention"]
    # decisions in (TODAY − 365, TODAY]: the 12 above (one on TODAY), not the one on TODAY − 365
    assert retention["n"] == len(DECISIONS) == 12
    assert retention["counts"]["renewed"] == sum(r for _, _, r, _ in DECISIONS) == 8


def test_retention_correlation_with_lead(api: KeyedAPIClient) -> None:
    build_renewals()
    got = detail(api, "num_g")["success_correlation"]
    xs = [float(a) for _, a, _, _ in DECISIONS]
    ys = [float(r) for _, _, r, _ in DECISIONS]
    r = pearson(xs, ys)  # phi of the two 0/1 variables
    low, high, p = fisher(r, 12)
    retention = got["retention"]
    assert retention["n"] == 12
    assert retention["r"] == pytest.approx(r, abs=1e-4)
    assert retention["lead_days"] == LEAD
    assert retention["ci_low"] == pytest.approx(low, abs=1e-3)
    assert retention["ci_high"] == pytest.approx(high, abs=1e-3)
    assert retention["p_value"] == pytest.approx(p, rel=1e-2)


def test_retention_comparison(api: KeyedAPIClient) -> None:
    build_renewals()
    got = detail(api, "num_g")["success_correlation"]
    comparison = got["retention_comparison"]
    adopters = [r for _, a, r, _ in DECISIONS if a]  # 6, 5 renewed
    others = [r for _, a, r, _ in DECISIONS if not a]  # 6, 3 renewed
    p1, p2 = sum(adopters) / len(adopters), sum(others) / len(others)  # 5/6, 1/2
    d = p1 - p2  # 1/3
    half = Z95 * math.sqrt(p1 * (1 - p1) / len(adopters) + p2 * (1 - p2) / len(others))
    share_adopting = len(adopters) / len(DECISIONS)  # 0.5
    share_renewed = (sum(adopters) + sum(others)) / len(DECISIONS)  # 8/12
    p_lo, p_hi = sorted((share_adopting, share_renewed))
    phi_max = math.sqrt(p_lo * (1 - p_hi) / (p_hi * (1 - p_lo)))
    phi = pearson([float(a) for _, a, _, _ in DECISIONS], [float(r) for _, _, r, _ in DECISIONS])
    assert comparison["lead_days"] == LEAD
    assert comparison["adopters"] == {"n": 6, "renewed": 5, "rate": pytest.approx(p1, abs=1e-4)}
    assert comparison["non_adopters"] == {"n": 6, "renewed": 3, "rate": pytest.approx(p2, abs=1e-4)}
    assert comparison["difference"] == pytest.approx(d, abs=1e-4)
    assert comparison["difference_ci_low"] == pytest.approx(d - half, abs=1e-3)
    assert comparison["difference_ci_high"] == pytest.approx(d + half, abs=1e-3)
    assert comparison["phi"] == pytest.approx(phi, abs=1e-4)
    assert comparison["phi_max"] == pytest.approx(phi_max, abs=1e-3)
    assert comparison["reason"] is None


def test_adoption_campaign_needs_an_interval_that_excludes_zero(api: KeyedAPIClient) -> None:
    build_renewals()
    got = detail(api, "num_g")
    xs = [float(a) for _, a, _, _ in DECISIONS]
    r = pearson(xs, [float(r) for _, _, r, _ in DECISIONS])  # 0.354 ≥ 0.3 …
    low, high, _ = fisher(r, 12)
    assert r >= 0.3
    assert low < 0 < high  # … but its interval spans 0
    # adoption now: only the customer decided today used it in June (5 days) → 1 of 13 < 50 %
    assert got["adoption_metrics"]["overall_adoption"] == pytest.approx(1 / 13, abs=1e-4)
    assert "adoption_campaign" not in got["improvement_opportunities"]
