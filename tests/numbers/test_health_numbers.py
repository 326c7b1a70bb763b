"""Health: every measure's inputs and score, the weighted score, grade and trend, recomputed
here from the README's measure table and the issue 11 decisions (D1-D3)."""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from customers.health.services import health_history_seed  # the backfill entry point
from customers.models import Customer, HealthScore
from tests.conftest import KeyedAPIClient

from .company import (
    NOW,
    TODAY,
    at,
    customer,
    days_ago,
    feature,
    invoice,
    only_model,
    snapshot,
    stakeholder,
    survey,
    task,
    ticket,
    usage,
)

pytestmark = pytest.mark.django_db
DEFAULT_WEIGHTS = {
    "product_usage": 0.25,
    "feature_adoption": 0.15,
    "support": 0.15,
    "sentiment": 0.15,
    "engagement": 0.15,
    "financial": 0.15,
}


def half_up(x: float, digits: int = 0) -> float:
    return float(Decimal(repr(x)).quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP))


def clamp(x: float) -> float:
    return max(0.0, min(1.0, x))


def grade(score: float) -> str:
    return "critical" if score < 50 else "at_risk" if score < 75 else "healthy"


def recompute(api: KeyedAPIClient, c: Customer) -> dict[str, Any]:
    response = api.post(f"/api/v1/customers/{c.customer_id}/health/recompute")
    assert response.status_code == 200, response.json()
    data: dict[str, Any] = response.json()
    return data


def build_full_customer() -> Customer:
    """One customer with data for all six measures (TODAY = 2026-06-30; the last 30 days are
    June 1-30, the prior 30 May 2-31)."""
    c = customer(seats=10)
    a, b = feature("num_a"), feature("num_b")
    side = feature("num_side", is_key=False)
    # last 30 days: a on June 10-14 (peak single row 6 users), b on 3 days
    for offset, users in enumerate([3, 4, 6, 4, 3]):
        usage(c, a, date(2026, 6, 10 + offset), events=20, users=users)
    usage(c, b, date(2026, 6, 12), events=10, users=5)  # same day as a's 6: a sum would be 11
    usage(c, b, date(2026, 6, 20), events=10, users=2)
    usage(c, b, TODAY, events=10, users=1)  # the day itself is inside
    for day in range(1, 6):  # not a key feature: never counts toward feature_adoption
        usage(c, side, date(2026, 6, day), events=0, users=1)
    # prior 30 days: May 31 (the boundary day D-30) belongs to the prior window
    usage(c, a, date(2026, 5, 15), events=60, users=2)
    usage(c, a, date(2026, 5, 31), events=40, users=9)
    # tickets: open high (May 10), pending urgent (June 5), and three done ones
    ticket(c, at(date(2026, 5, 10)), "high", "open")
    ticket(c, at(date(2026, 5, 31), 23, 59, 59), "low", "closed")  # prior window, last second
    ticket(c, at(date(2026, 6, 1), 0), "normal", "closed")  # last window, first instant
    ticket(c, at(date(2026, 6, 5)), "urgent", "pending")
    ticket(c, at(date(2026, 6, 15)), "high", "resolved")
    # surveys in (TODAY-180, TODAY]; one answered on day TODAY-180 is outside
    survey(c, "nps", 10, at(date(2026, 6, 1)))
    survey(c, "nps", 8, at(date(2026, 5, 1)))
    survey(c, "nps", 3, at(days_ago(179), 0))
    survey(c, "nps", 0, at(days_ago(180), 23))
    survey(c, "csat", 4, at(date(2026, 6, 2)))
    survey(c, "csat", 5, at(date(2026, 6, 3)))
    # engagement: last completed task June 10; champion + 2 other stakeholders
    task(c, completed_at=at(date(2026, 4, 1)))
    task(c, completed_at=at(date(2026, 6, 10)))
    task(c)  # open task: no touch
    stakeholder(c, champion=True)
    stakeholder(c)
    stakeholder(c)
    # invoices: one unpaid 20 days overdue, one paid 9 days late, one paid 5 days late
    invoice(c, date(2026, 5, 1), date(2026, 6, 10))
    invoice(c, date(2026, 2, 1), date(2026, 3, 1), paid_at=at(date(2026, 3, 10)))
    invoice(c, date(2026, 4, 1), date(2026, 5, 1), paid_at=at(date(2026, 5, 6)))
    return c


def test_product_usage(api: KeyedAPIClient) -> None:
    c = build_full_customer()
    got = recompute(api, c)["components"]["product_usage"]
    # events last 30 = 5×20 + 3×10 + 5×0 = 130; prior 30 = 60 + 40 = 100 → ratio 1.3
    last, prior = 5 * 20 + 3 * 10, 60 + 40
    trend_factor = clamp(last / prior - 0.5)  # 0.8
    # peak DAU (D3) = largest single feature row in June = 6 (not the 11 of a per-day sum,
    # not May 31's 9: outside the window)
    utilisation = min(1.0, 6 / 10)
    expected = 100 * (0.7 * utilisation + 0.3 * trend_factor)  # 42 + 24 = 66
    assert got["score"] == pytest.approx(expected)
    assert got["inputs"]["peak_daily_active_users_30d"] == 6
    assert got["inputs"]["events_last_30d"] == last
    assert got["inputs"]["events_prior_30d"] == prior
    assert got["inputs"]["seat_utilisation"] == pytest.approx(0.6)
    assert got["inputs"]["trend_factor"] == pytest.approx(0.8)


def test_product_usage_without_seats_and_new_usage(api: KeyedAPIClient) -> None:
    c = customer(seats=0)
    usage(c, feature("num_x"), date(2026, 6, 20), events=5, users=3)
    got = recompute(api, c)["components"]["product_usage"]
    # no seats: 100 × trend factor; nothing in the prior 30 days and usage now: factor 1
    assert got["score"] == 100
    # and silence for 60 days: factor 0
    quiet = customer(seats=0)
    usage(quiet, feature("num_y"), date(2026, 3, 1), events=5, users=3)
    assert recompute(api, quiet)["components"]["product_usage"]["score"] == 0


def test_feature_adoption(api: KeyedAPIClient) -> None:
    c = build_full_customer()
    got = recompute(api, c)["components"]["feature_adoption"]
    # key features a (5 active days ≥ 4: adopted) and b (3 days < 4); num_side is not key
    assert got["score"] == pytest.approx(100 * 1 / 2)
    assert got["inputs"]["key_features"] == 2
    assert got["inputs"]["adopted"] == ["num_a"]
    assert got["inputs"]["not_adopted"] == ["num_b"]


def test_support(api: KeyedAPIClient) -> None:
    c = build_full_customer()
    got = recompute(api, c)["components"]["support"]
    # open (D3: open or pending): 1 high + 1 urgent → min(60, 15 + 25) = 40
    open_penalty = min(60, 15 * 1 + 25 * 1)
    # opened June 1-30: June 1 00:00, June 5, June 15 = 3; May 2-31: May 10, May 31 23:59:59 = 2
    last, prior = 3, 2
    trend_penalty = 40 * clamp((last - prior) / max(prior, 1))  # 40 × 0.5 = 20
    assert got["score"] == pytest.approx(100 - open_penalty - trend_penalty)  # 40
    assert got["inputs"]["open_high_tickets"] == 1
    assert got["inputs"]["open_urgent_tickets"] == 1
    assert got["inputs"]["tickets_last_30d"] == last
    assert got["inputs"]["tickets_prior_30d"] == prior


def test_support_scores_100_without_tickets_once_the_feed_is_connected(api: KeyedAPIClient) -> None:
    other = customer()
    quiet = customer()
    ticket(other, at(date(2026, 1, 5)), "low", "closed")
    assert recompute(api, quiet)["components"]["support"]["score"] == 100


def test_sentiment(api: KeyedAPIClient) -> None:
    c = build_full_customer()
    got = recompute(api, c)["components"]["sentiment"]
    nps_part = (100 + 50 + 0) / 3  # 10 promoter, 8 passive, 3 detractor (the 0 is too old)
    csat_part = ((4 - 1) / 4 * 100 + (5 - 1) / 4 * 100) / 2  # 87.5
    assert got["score"] == pytest.approx(0.6 * nps_part + 0.4 * csat_part)  # 65
    assert got["inputs"]["nps_responses"] == 3
    assert got["inputs"]["csat_responses"] == 2
    assert got["inputs"]["nps"] == round(100 * (1 - 1) / 3)  # promoters - detractors = 0


def test_engagement(api: KeyedAPIClient) -> None:
    c = build_full_customer()
    got = recompute(api, c)["components"]["engagement"]
    days_since = (TODAY - date(2026, 6, 10)).days  # 20
    touch = 100 * clamp((90 - days_since) / 76)  # 92.105…
    coverage = 40 + 0 + 20  # champion, no sponsor, 3 stakeholders
    assert got["score"] == pytest.approx(half_up(0.6 * touch + 0.4 * coverage, 2))  # 79.26
    assert got["inputs"]["days_since_last_touch"] == days_since
    assert got["inputs"]["coverage"] == coverage
    assert got["inputs"]["stakeholders"] == 3


def test_financial(api: KeyedAPIClient) -> None:
    c = build_full_customer()
    got = recompute(api, c)["components"]["financial"]
    max_days_overdue = (TODAY - date(2026, 6, 10)).days  # 20 → band ≤ 30: base 60
    base = 60
    late = 1  # paid 9 days after due; 5 days is within the grace
    assert max_days_overdue == 20
    assert got["score"] == pytest.approx(max(0, min(100, base - min(20, 5 * late))))  # 55
    assert got["inputs"]["max_days_overdue"] == max_days_overdue
    assert got["inputs"]["paid_late_365d"] == late
    assert got["inputs"]["overdue_invoices"] == 1


def test_financial_is_floored_at_zero(api: KeyedAPIClient) -> None:
    c = customer()
    invoice(c, date(2026, 1, 1), date(2026, 2, 1))  # 149 days overdue: base 10
    for month in (2, 3, 4, 5, 6):  # five paid 10 days late: penalty min(20, 25) = 20
        invoice(c, date(2026, month, 1), date(2026, month, 2), paid_at=at(date(2026, month, 12)))
    got = recompute(api, c)["components"]["financial"]
    assert got["score"] == max(0, min(100, 10 - min(20, 5 * 5)))  # 0, not -10


def test_weighted_score_and_grade(api: KeyedAPIClient) -> None:
    c = build_full_customer()
    got = recompute(api, c)
    measures = {name: got["components"][name]["score"] for name in DEFAULT_WEIGHTS}
    # each measure as checked above (engagement published to 2 decimals)
    assert measures == pytest.approx(
        {
            "product_usage": 66,
            "feature_adoption": 50,
            "support": 40,
            "sentiment": 65,
            "engagement": 79.26,
            "financial": 55,
        }
    )
    # 0.25×66 + 0.15×(50 + 40 + 65 + 79.26 + 55) = 16.5 + 43.389 = 59.889 → 60
    expected = half_up(sum(DEFAULT_WEIGHTS[n] * s for n, s in measures.items()))
    assert got["score"] == expected == 60
    assert got["grade"] == grade(expected) == "at_risk"


def test_missing_measures_weight_is_spread(api: KeyedAPIClient) -> None:
    c = customer()
    ticket(customer(), at(date(2026, 1, 5)), "low", "closed")  # the support feed is connected
    survey(c, "nps", 10, at(date(2026, 6, 1)))  # sentiment 100
    task(c, completed_at=at(days_ago(5)))  # engagement 0.6 × 100 + 0.4 × 0 = 60
    got = recompute(api, c)
    # usage, adoption and financial have no data: their 0.55 goes to the three with data
    present = {"support": 100.0, "sentiment": 100.0, "engagement": 60.0}
    total = sum(DEFAULT_WEIGHTS[n] for n in present)  # 0.45
    expected = half_up(sum(DEFAULT_WEIGHTS[n] * s for n, s in present.items()) / total)  # 86.67
    assert got["score"] == expected == 87
    for name in present:
        assert got["components"][name]["effective_weight"] == pytest.approx(
            DEFAULT_WEIGHTS[name] / total, abs=1e-4
        )
    for name in ("product_usage", "feature_adoption", "financial"):
        assert got["components"][name]["score"] is None
        assert got["components"][name]["effective_weight"] == 0


def test_grade_at_74_5_rounds_half_up_to_healthy(api: KeyedAPIClient) -> None:
    only_model({"sentiment": 0.5, "financial": 0.5})
    c = customer()
    for score in (10, 10, 10, 9, 7):  # NPS part (4 × 100 + 50) / 5 = 90
        survey(c, "nps", score, at(date(2026, 6, 1)))
    survey(c, "csat", 3, at(date(2026, 6, 2)))  # CSAT part (3 − 1) / 4 × 100 = 50
    invoice(c, date(2026, 5, 20), date(2026, 6, 20))  # 10 days overdue: base 80
    invoice(c, date(2026, 3, 1), date(2026, 4, 1), paid_at=at(date(2026, 4, 20)))  # late: −5
    got = recompute(api, c)
    sentiment, financial = 0.6 * 90 + 0.4 * 50, 80 - 5  # 74 and 75
    assert got["components"]["sentiment"]["score"] == pytest.approx(sentiment)
    assert got["components"]["financial"]["score"] == financial
    expected = half_up((sentiment + financial) / 2)  # 74.5 → 75 (half-even would give 74)
    assert got["score"] == expected == 75
    assert got["grade"] == "healthy"


# --- trend ---------------------------------------------------------------------------------

WEEKLY_SCORES = [40, 42, 41, 45, 47, 50, 52, 51, 55, 60, 58, 61, 63, 66, 64, 70, 69, 72, 71, 74]


def build_history(c: Customer) -> None:
    """Weekly snapshots at NOW − 7k days (k = 19 … 0, oldest first), plus one at NOW − 31 d."""
    for k, score in zip(range(19, -1, -1), WEEKLY_SCORES, strict=True):
        snapshot(c, NOW - timedelta(days=7 * k), score)
    snapshot(c, NOW - timedelta(days=31), 60)


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def test_trend_change_30d_and_direction(api: KeyedAPIClient) -> None:
    c = customer()
    build_history(c)
    trend = api.get(f"/api/v1/customers/{c.customer_id}/health").json()["trend"]
    # nearest to NOW − 30 d within ±7: NOW − 31 d (1 day off) beats NOW − 28 d (2 days off)
    reference = 60
    change = WEEKLY_SCORES[-1] - reference  # 74 − 60 = 14
    assert trend["reference_score"] == reference
    assert trend["change_30d"] == change
    assert trend["direction"] == (
        "improving" if change >= 5 else "declining" if change <= -5 else "stable"
    )


def test_trend_direction_boundary_at_five_points(api: KeyedAPIClient) -> None:
    c = customer()
    snapshot(c, NOW - timedelta(days=30), 60)
    snapshot(c, NOW, 65)  # +5 exactly: improving
    d = customer()
    snapshot(d, NOW - timedelta(days=37), 60)  # 7 days off: still the reference
    snapshot(d, NOW, 56)  # −4: stable
    e = customer()
    snapshot(e, NOW - timedelta(days=38), 60)  # 8 days off: no reference
    snapshot(e, NOW, 50)
    trends = [
        api.get(f"/api/v1/customers/{x.customer_id}/health").json()["trend"] for x in (c, d, e)
    ]
    assert [(t["change_30d"], t["direction"]) for t in trends] == [
        (5, "improving"),
        (-4, "stable"),
        (None, None),  # two weekly points: no slope either
    ]


def test_trend_slope_over_12_weekly_points(api: KeyedAPIClient) -> None:
    c = customer()
    build_history(c)
    trend = api.get(f"/api/v1/customers/{c.customer_id}/health").json()["trend"]
    # the last snapshot of each ISO week; this week's point and the 11 before it
    rows = [
        (NOW - timedelta(days=7 * k), s)
        for k, s in zip(range(19, -1, -1), WEEKLY_SCORES, strict=True)
    ]
    rows.append((NOW - timedelta(days=31), 60))
    weekly: dict[date, tuple[Any, int]] = {}
    for when, score in sorted(rows):
        weekly[monday(when.date())] = (when, score)
    first_week = monday(NOW.date()) - timedelta(weeks=11)
    points = [(w, s) for w, (_, s) in sorted(weekly.items()) if w >= first_week]
    xs = [(w - points[0][0]).days / 7 for w, _ in points]
    ys = [s for _, s in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )
    assert len(points) == 12
    assert trend["weeks_in_slope"] == 12
    assert trend["slope_per_week"] == pytest.approx(slope, abs=0.0005)


# --- who is scored on a past day (D2) ------------------------------------------------------


def test_churned_customer_history_keeps_its_support_score() -> None:
    c = customer(churned_at=at(date(2026, 6, 20)))  # alive on June 10, churned since
    survey(c, "nps", 9, at(date(2026, 6, 2)))
    ticket(c, at(date(2026, 6, 1)), "high", "open")  # June 10: last 30 = 1, prior = 0
    health_history_seed(customer_pks=None, days=[date(2026, 6, 10)])
    got = HealthScore.objects.get(customer=c, as_of=date(2026, 6, 10)).components["support"]
    # 100 − 15 × 1 open high − 40 × clamp((1 − 0) ÷ max(0, 1)) = 45
    assert got["score"] == 100 - min(60, 15 * 1) - 40 * clamp((1 - 0) / max(0, 1))


def test_recompute_of_a_churned_customer_is_refused(api: KeyedAPIClient) -> None:
    c = customer(churned_at=at(date(2026, 6, 20)))
    survey(c, "nps", 10, at(date(2026, 6, 1)))
    response = api.post(f"/api/v1/customers/{c.customer_id}/health/recompute")
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "customer_churned"
    assert not HealthScore.objects.filter(customer=c).exists()
