"""The explanation in words (customers/health/reasons.py), from known stored components."""

from typing import Any

from customers.health.reasons import component_rows, health_reasons, reason_texts

M = "\u2212"


def component(score: float | None, effective: float, **inputs: Any) -> dict[str, Any]:
    return {
        "score": score,
        "weight": 0.15,
        "effective_weight": effective,
        "inputs": inputs,
        "reason": None if score is not None else "no data",
    }


SUPPORT = component(
    40.0,
    0.6,
    open_high_tickets=0,
    open_urgent_tickets=3,
    open_penalty=60,
    tickets_last_30d=0,
    tickets_prior_30d=0,
    ticket_growth=0.0,
    trend_penalty=0.0,
)
FINANCIAL = component(
    80.0,
    0.4,
    invoices_considered=4,
    open_invoices=1,
    overdue_invoices=1,
    max_days_overdue=10,
    overdue_amount=12000,
    paid_late_365d=0,
    payment_status="overdue_1_15",
)


def test_reasons_name_the_measure_its_inputs_and_the_points_it_cost() -> None:
    # score = 0.6 × 40 + 0.4 × 80 = 56; support cost 0.6 × (100 − 40) = 36, financial
    # 0.4 × (100 − 80) = 8: together 100 − 56. Sentiment had no data: no reason, last row.
    components = {"sentiment": component(None, 0.0), "financial": FINANCIAL, "support": SUPPORT}
    assert reason_texts(components) == [
        f"support: 3 urgent tickets open ({M}36)",
        f"financial: 1 invoice overdue (up to 10 days, 12,000 due) ({M}8)",
    ]
    rows = component_rows(components)
    assert [(r.measure, r.score, r.effective_weight, r.points) for r in rows] == [
        ("support", 40.0, 0.6, 36.0),
        ("financial", 80.0, 0.4, 8.0),
        ("sentiment", None, 0.0, None),
    ]
    assert rows[2].note == "no data"
    assert sum(r.points or 0 for r in rows) == 100 - 56


def test_each_measure_in_words() -> None:
    components = {
        # 100 × (0.7 × 12/100 + 0.3 × 0) = 8.4; cost 1.0 × 91.6
        "product_usage": component(
            8.4,
            1.0,
            peak_daily_active_users_30d=12,
            licensed_seats=100,
            seat_utilisation=0.12,
            events_last_30d=400,
            events_prior_30d=800,
            usage_trend_ratio=0.5,
            trend_factor=0.0,
        ),
        # 1 of 4 = 25; cost 0.5 × 75 = 37.5
        "feature_adoption": component(
            25.0, 0.5, key_features=4, adopted=["export"], not_adopted=["api", "reports", "sso"]
        ),
        # touch 100 × 45/76 = 59.21, coverage 40: 0.6 × 59.21 + 0.4 × 40 = 51.53;
        # cost 0.25 × 48.47 = 12.1175 → 12.1
        "engagement": component(
            51.53,
            0.25,
            tasks=3,
            days_since_last_touch=45,
            touch=59.21,
            stakeholders=2,
            has_champion=True,
            has_executive_sponsor=False,
            coverage=40,
        ),
        # NPS (1 × 100 + 2 × 50) / 5 = 40; cost 0.1 × 60 = 6
        "sentiment": component(
            40.0,
            0.1,
            nps_responses=5,
            promoters=1,
            passives=2,
            detractors=2,
            nps=-20,
            csat_responses=0,
            csat_mean=None,
        ),
    }
    assert reason_texts(components, limit=4) == [
        f"product_usage: peak 12 of 100 seats active (12%); 400 events in 30 days vs 800 "
        f"before ({M}50%) ({M}91.6)",
        f"feature_adoption: 1 of 4 key features adopted (not: api, reports, sso) ({M}37.5)",
        f"engagement: last CSM touch 45 days ago; no sponsor; 2 stakeholders ({M}12.1)",
        f"sentiment: NPS -20 from 5 responses (1 promoter, 2 passives, 2 detractors) ({M}6)",
    ]
    assert [r.measure for r in health_reasons(components)] == [
        "product_usage",
        "feature_adoption",
        "engagement",
    ]  # the top three


def test_a_perfect_measure_gives_no_reason_and_ties_go_by_name() -> None:
    perfect = component(100.0, 0.5, open_high_tickets=0, open_urgent_tickets=0)
    assert health_reasons({"support": perfect}) == []
    same = {
        "zeta": component(50.0, 0.5, n=1),
        "alpha": component(50.0, 0.5, n=2),
    }
    assert reason_texts(same) == [f"alpha: n 2 ({M}25)", f"zeta: n 1 ({M}25)"]


def test_odd_stored_components_never_break_the_words() -> None:
    odd: dict[str, dict[str, Any]] = {
        "support": {"score": 70, "effective_weight": None},  # old row: no inputs stored
        "engagement": {"score": None},
        "financial": {},
    }
    assert reason_texts(odd) == []  # no effective weight: cost unknown as 0
    rows = component_rows(odd)
    assert {r.measure for r in rows} == {"support", "engagement", "financial"}
    assert [r.inputs for r in rows if r.measure != "support"] == ["", ""]  # nothing stored
    assert health_reasons({}) == []
