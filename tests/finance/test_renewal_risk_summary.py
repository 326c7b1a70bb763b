"""The renewal-risk summary (README, "The admin: the CS dashboard"): renewals_due's totals and
top rows stored per window, reused while valid (the documented staleness), counted again
after its max age, on a new day and for a new model version; the beat task; query counts.

Probabilities by hand with the seeded prior (intercept 1.5): every customer here has no seats
(seat utilisation and adoption 0), no health snapshot (imputed, 0), no invoice (+0.25), no
escalation (+0.16), no sponsor (-0.3) and the default segment (0): log-odds 1.61,
p = 1 / (1 + e^-1.61) = 0.8334 (4 decimals), ARR at risk = ARR x 0.1666."""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.db.models import F

from finance import read as finance_read
from finance import tasks
from finance.models import Contract, RenewalModelVersion, RenewalRiskSummary
from finance.renewals.services import renewal_risk_summary_refresh
from integrations.domain_errors import Invalid
from tests.customers.factories import CustomerFactory
from tests.finance.renewals_support import DAY
from tests.finance.renewals_support import contract as _contract

pytestmark = pytest.mark.django_db

MAX_AGE = 300


@pytest.fixture
def book(db: None) -> dict[str, Any]:
    x = CustomerFactory.create(customer_id="cust_x", name="Xenon", licensed_seats=0)
    _contract(x, "ctr_x", 20, 100_000)
    y = CustomerFactory.create(customer_id="cust_y", name="Yttrium", licensed_seats=0)
    _contract(y, "ctr_y", 50, 30_000)
    w = CustomerFactory.create(customer_id="cust_w", name="Wolfram", licensed_seats=0)
    _contract(w, "ctr_w1", 10, 40_000)
    _contract(w, "ctr_w2", 60, 500_000)  # w's later contract: scored once ctr_w1 is decided
    z = CustomerFactory.create(customer_id="cust_z", licensed_seats=0)
    _contract(z, "ctr_z", 120, 90_000)  # outside 90 days
    return {"x": x, "y": y, "w": w}


def _summary(as_of: date = DAY) -> finance_read.RiskSummary:
    return finance_read.renewal_risk_summary(as_of=as_of, days=90, max_age_seconds=MAX_AGE)


def _age(seconds: int) -> None:
    RenewalRiskSummary.objects.update(computed_at=F("computed_at") - timedelta(seconds=seconds))


def test_the_summary_is_renewals_due_totalled(book: dict[str, Any]) -> None:
    summary = _summary()
    # x 100,000 x 0.1666 = 16,660; w1 40,000 x 0.1666 = 6,664; y 30,000 x 0.1666 = 4,998
    assert summary.model_version == 1
    assert not summary.no_active_model
    assert (summary.as_of, summary.days) == (DAY, 90)
    assert summary.renewals == 3
    assert summary.arr == Decimal("170000.00")
    assert summary.arr_at_risk == Decimal("28322.00")
    assert [(r.contract_id, r.probability, r.arr_at_risk) for r in summary.top] == [
        ("ctr_x", 0.8334, Decimal("16660.00")),
        ("ctr_w1", 0.8334, Decimal("6664.00")),
        ("ctr_y", 0.8334, Decimal("4998.00")),
    ]
    first = summary.top[0]
    assert (first.customer_pk, first.customer_name, first.end_date, first.days_to_end) == (
        book["x"].pk,
        "Xenon",
        DAY + timedelta(days=20),
        20,
    )
    assert first.arr == Decimal("100000.00")
    # the same numbers as the live list
    live = finance_read.renewals_due(as_of=DAY, days=90)
    assert summary.renewals == len(live)
    assert summary.arr == sum((r.arr for r in live), Decimal(0))
    assert summary.arr_at_risk == sum((r.arr_at_risk for r in live), Decimal(0))
    assert [r.contract_id for r in summary.top] == [r.contract_id for r in live]
    # stored, and read back identically
    stored = RenewalRiskSummary.objects.get()
    assert (stored.days, stored.as_of, stored.model_version, stored.renewals) == (90, DAY, 1, 3)
    assert stored.top[0] == {
        "customer_pk": book["x"].pk,
        "customer_name": "Xenon",
        "contract_id": "ctr_x",
        "end_date": "2026-07-20",
        "days_to_end": 20,
        "arr": "100000.00",
        "probability": 0.8334,
        "arr_at_risk": "16660.00",
    }
    assert _summary() == summary


def test_reused_within_max_age_even_after_a_contract_changes(
    book: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    counted = _summary()
    Contract.objects.filter(contract_id="ctr_x").update(annual_value=Decimal(200_000))
    # the documented staleness: still the numbers counted before the change
    with django_assert_max_num_queries(2):  # the model and the summary
        reused = _summary()
    assert reused == counted
    assert reused.arr == Decimal("170000.00")
    # older than the max age: counted again (x 200,000 x 0.1666 = 33,320)
    _age(MAX_AGE + 1)
    with django_assert_max_num_queries(14):  # the model, the summary, renewals_due, upsert
        fresh = _summary()
    assert fresh.arr == Decimal("270000.00")
    assert fresh.arr_at_risk == Decimal("44982.00")
    assert fresh.computed_at > counted.computed_at
    assert RenewalRiskSummary.objects.get().arr == Decimal("270000.00")


def test_counted_again_on_a_new_day(book: dict[str, Any]) -> None:
    _summary()
    Contract.objects.filter(contract_id="ctr_y").update(annual_value=Decimal(60_000))
    assert _summary().arr == Decimal("170000.00")
    # the next day: every end is a day closer; y's new ARR counts (60,000 x 0.1666 = 9,996)
    nextday = _summary(DAY + timedelta(days=1))
    assert nextday.as_of == DAY + timedelta(days=1)
    assert nextday.arr == Decimal("200000.00")
    assert nextday.arr_at_risk == Decimal("33320.00")
    assert [r.days_to_end for r in nextday.top] == [19, 49, 9]
    assert RenewalRiskSummary.objects.get().as_of == DAY + timedelta(days=1)


def test_counted_again_when_the_active_model_version_changes(book: dict[str, Any]) -> None:
    assert _summary().arr_at_risk == Decimal("28322.00")
    RenewalModelVersion.objects.update(is_active=False)
    RenewalModelVersion.objects.create(
        version=2, kind="fitted", is_active=True, intercept=0.0, terms=[]
    )
    # log-odds 0: p = 0.5, ARR at risk 170,000 x 0.5
    summary = _summary()
    assert summary.model_version == 2
    assert summary.arr_at_risk == Decimal("85000.00")
    assert {r.probability for r in summary.top} == {0.5}
    assert RenewalModelVersion.objects.count() == 2
    assert RenewalRiskSummary.objects.get().model_version == 2


def test_without_an_active_model_it_says_so_and_stores_nothing(book: dict[str, Any]) -> None:
    RenewalModelVersion.objects.update(is_active=False)
    summary = _summary()
    assert summary.no_active_model
    assert (summary.renewals, summary.arr, summary.top) == (0, Decimal(0), ())
    assert not renewal_risk_summary_refresh(as_of=DAY, days=90).renewals
    assert not RenewalRiskSummary.objects.exists()


def test_max_age_zero_counts_live_and_stores_nothing(book: dict[str, Any]) -> None:
    live = finance_read.renewal_risk_summary(as_of=DAY, days=90, max_age_seconds=0)
    assert live.arr_at_risk == Decimal("28322.00")
    assert not RenewalRiskSummary.objects.exists()
    assert settings.COCKPIT_RENEWALS_MAX_AGE_SECONDS == 0  # the tests see live numbers


def test_the_refresh_service_refuses_an_empty_window(book: dict[str, Any]) -> None:
    with pytest.raises(Invalid):
        renewal_risk_summary_refresh(as_of=DAY, days=0)


def test_the_beat_task_refreshes_the_summary(
    book: dict[str, Any], monkeypatch: Any, eager_tasks: None
) -> None:
    monkeypatch.setattr(tasks, "today", lambda: DAY)
    _summary()
    finance_read.renewal_risk_summary(as_of=DAY, days=30, max_age_seconds=MAX_AGE)
    before = RenewalRiskSummary.objects.get(days=90).computed_at
    Contract.objects.filter(contract_id="ctr_w1").update(annual_value=Decimal(10_000))
    tasks.refresh_renewal_risk_summary.delay()
    # the stored windows: 90 (w1 10,000 x 0.1666 = 1,666) and 30 (x and w1)
    ninety = RenewalRiskSummary.objects.get(days=90)
    assert (ninety.arr, ninety.arr_at_risk) == (Decimal("140000.00"), Decimal("23324.00"))
    assert ninety.computed_at > before
    thirty = RenewalRiskSummary.objects.get(days=30)
    assert (thirty.renewals, thirty.arr) == (2, Decimal("110000.00"))
    # and what a view reads now, without counting
    assert _summary().arr == Decimal("140000.00")
    schedule = settings.CELERY_BEAT_SCHEDULE["refresh-renewal-risk-summary"]
    assert (schedule["task"], schedule["schedule"]) == (
        "finance.refresh_renewal_risk_summary",
        300.0,
    )


def test_the_beat_task_counts_the_dashboard_window_when_none_is_stored(
    book: dict[str, Any], monkeypatch: Any
) -> None:
    monkeypatch.setattr(tasks, "today", lambda: DAY)
    assert tasks.refresh_renewal_risk_summary() == 1
    assert RenewalRiskSummary.objects.get().arr_at_risk == Decimal("28322.00")
