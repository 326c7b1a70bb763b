"""Each measure on small known data, with the arithmetic written out."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from operations import measures
from tests.customers.factories import CustomerFactory, StakeholderFactory

from .factories import SupportTicketFactory, SurveyResponseFactory, TaskFactory

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 6, 30)
NOON = datetime.combine(AS_OF, time(12), tzinfo=UTC)


def ago(days: float) -> datetime:
    """Noon on the scoring day, minus `days`."""
    return NOON - timedelta(days=days)


# --- support ------------------------------------------------------------------------------


def test_support_penalises_open_high_and_urgent_tickets_and_growth() -> None:
    a, b, c, d = CustomerFactory.create_batch(4)
    # a: open high (5 days ago), pending urgent (40 days ago), and resolved ones.
    SupportTicketFactory.create(customer=a, opened_at=ago(5), priority="high", status="open")
    SupportTicketFactory.create(customer=a, opened_at=ago(40), priority="urgent", status="pending")
    for days, priority in [(10, "high"), (20, "normal"), (45, "low"), (100, "low")]:
        SupportTicketFactory.create(
            customer=a,
            opened_at=ago(days),
            priority=priority,
            status="resolved",
            resolved_at=ago(days - 1),
        )
    # Opened after the scoring day: not counted at all.
    SupportTicketFactory.create(customer=a, opened_at=ago(-1), priority="high", status="open")
    # b: five open urgent tickets from long ago.
    SupportTicketFactory.create_batch(5, customer=b, opened_at=ago(200), priority="urgent")
    # d: two new tickets, nothing in the 30 days before.
    SupportTicketFactory.create_batch(
        2, customer=d, opened_at=ago(3), status="closed", resolved_at=ago(2)
    )

    result = measures.support(None, AS_OF)

    # a: open_penalty = min(60, 15 x 1 + 25 x 1) = 40; last30 = {5, 10, 20 days} = 3,
    #    prior30 = {40, 45 days} = 2, g = (3 - 2) / 2 = 0.5, trend = 40 x 0.5 = 20 → 100-40-20
    assert result[a.pk].score == 40
    assert result[a.pk].inputs == {
        "open_high_tickets": 1,
        "open_urgent_tickets": 1,
        "open_penalty": 40,
        "tickets_last_30d": 3,
        "tickets_prior_30d": 2,
        "ticket_growth": 0.5,
        "trend_penalty": 20.0,
    }
    # b: open_penalty = min(60, 25 x 5 = 125) = 60; no recent tickets, g = 0 → 100 - 60
    assert result[b.pk].score == 40
    # c: no tickets → 100
    assert result[c.pk].score == 100
    assert result[c.pk].inputs["open_penalty"] == 0
    # d: g = (2 - 0) / max(0, 1) = 2 → clamp 1 → trend 40; nothing open → 100 - 40
    assert result[d.pk].score == 60
    assert result[d.pk].inputs["ticket_growth"] == 2.0


def test_support_day_boundaries() -> None:
    customer = CustomerFactory.create()
    end_of_day = datetime.combine(AS_OF, time(23, 59, 59), tzinfo=UTC)
    SupportTicketFactory.create(customer=customer, opened_at=end_of_day, priority="high")  # counts
    SupportTicketFactory.create(customer=customer, opened_at=end_of_day + timedelta(seconds=1))
    # The 30-day windows meet at midnight starting as_of - 29 days.
    window_start = datetime.combine(AS_OF - timedelta(days=29), time(0), tzinfo=UTC)
    SupportTicketFactory.create(
        customer=customer, opened_at=window_start, status="closed", resolved_at=window_start
    )
    SupportTicketFactory.create(
        customer=customer,
        opened_at=window_start - timedelta(seconds=1),
        status="closed",
        resolved_at=window_start,
    )
    inputs = measures.support([customer.pk], AS_OF)[customer.pk].inputs
    assert (
        inputs["open_high_tickets"],
        inputs["tickets_last_30d"],
        inputs["tickets_prior_30d"],
    ) == (
        1,
        2,
        1,
    )


def test_support_scores_requested_and_active_customers_only() -> None:
    active, churned = CustomerFactory.create(), CustomerFactory.create(status="churned")
    SupportTicketFactory.create(customer=churned, opened_at=ago(10), priority="urgent")
    everyone = measures.support(None, AS_OF)
    assert set(everyone) == {active.pk}
    # Asked for by name, a churned customer is scored: 100 - 25 (urgent) - 40 (growth 1/1)
    assert measures.support([churned.pk], AS_OF)[churned.pk].score == 35


def test_support_without_tickets_in_a_year_is_no_data() -> None:
    customer = CustomerFactory.create()
    assert measures.support(None, AS_OF) == {}  # no tickets at all: feed not connected
    SupportTicketFactory.create(customer=customer, opened_at=ago(366))
    assert measures.support([customer.pk], AS_OF) == {}
    SupportTicketFactory.create(customer=CustomerFactory.create(), opened_at=ago(364))
    # Another customer's ticket connects the feed: this customer now scores (open old normal
    # ticket: no penalty) 100.
    assert measures.support([customer.pk], AS_OF)[customer.pk].score == 100


# --- sentiment ----------------------------------------------------------------------------


def test_sentiment_blends_nps_and_csat() -> None:
    a, b, c, d = CustomerFactory.create_batch(4)
    for score in (10, 9, 8, 3):
        SurveyResponseFactory.create(customer=a, kind="nps", score=score, answered_at=ago(20))
    SurveyResponseFactory.create(customer=a, kind="nps", score=0, answered_at=ago(181))  # too old
    for score in (5, 4, 2):
        SurveyResponseFactory.create(customer=a, kind="csat", score=score, answered_at=ago(50))
    SurveyResponseFactory.create(customer=b, kind="csat", score=3, answered_at=ago(1))
    SurveyResponseFactory.create(customer=c, kind="nps", score=7, answered_at=ago(100))
    SurveyResponseFactory.create(customer=c, kind="nps", score=6, answered_at=ago(179))
    SurveyResponseFactory.create(customer=d, kind="nps", score=10, answered_at=ago(200))
    SurveyResponseFactory.create(customer=d, kind="nps", score=10, answered_at=ago(-1))  # future

    result = measures.sentiment(None, AS_OF)

    # a: NPS 10, 9 promoters, 8 passive, 3 detractor → nps_component = (100+100+50+0)/4 = 62.5,
    #    classic NPS = (2 - 1) / 4 = 25 %; CSAT (5, 4, 2) → (100 + 75 + 25) / 3 = 66.67,
    #    mean 11 / 3 = 3.67; score = 0.6 x 62.5 + 0.4 x 66.667 = 37.5 + 26.667 = 64.17
    assert result[a.pk].score == 64.17
    assert result[a.pk].inputs == {
        "nps_responses": 4,
        "promoters": 2,
        "passives": 1,
        "detractors": 1,
        "nps": 25,
        "csat_responses": 3,
        "csat_mean": 3.67,
        "nps_component": 62.5,
        "csat_component": 66.67,
    }
    # b: CSAT only: (3 - 1) / 4 x 100 = 50
    assert result[b.pk].score == 50
    assert result[b.pk].inputs["nps"] is None
    assert result[b.pk].inputs["nps_component"] is None
    # c: NPS only: passive 50 + detractor 0 → 25; classic NPS (0 - 1) / 2 = -50
    assert result[c.pk].score == 25
    assert result[c.pk].inputs["nps"] == -50
    assert result[c.pk].inputs["csat_mean"] is None
    # d: nothing in (as_of - 180d, as_of] → no data
    assert d.pk not in result
    assert set(measures.sentiment([b.pk, d.pk], AS_OF)) == {b.pk}


# --- engagement ---------------------------------------------------------------------------


def test_engagement_combines_recent_touch_and_stakeholder_coverage() -> None:
    a, b, c, d, e, f = CustomerFactory.create_batch(6)
    # a: last touch 10 days ago; 3 stakeholders with a champion, no sponsor.
    TaskFactory.create(customer=a, completed_at=ago(10))
    TaskFactory.create(customer=a, completed_at=ago(40))
    TaskFactory.create(customer=a, completed_at=ago(-2))  # after the scoring day: ignored
    StakeholderFactory.create(customer=a, is_champion=True)
    StakeholderFactory.create_batch(2, customer=a)
    # b: last touch 52 days ago; one executive sponsor.
    TaskFactory.create(customer=b, completed_at=ago(52))
    StakeholderFactory.create(customer=b, is_executive_sponsor=True)
    # c: only open tasks, nobody known.
    TaskFactory.create(customer=c, due_at=ago(3))
    # d: no tasks; a champion and a sponsor.
    StakeholderFactory.create(customer=d, is_champion=True)
    StakeholderFactory.create(customer=d, is_executive_sponsor=True)
    # f: last touch 100 days ago, nobody known.
    TaskFactory.create(customer=f, completed_at=ago(100))

    result = measures.engagement(None, AS_OF)

    # a: d = 10 ≤ 14 → touch 100; coverage 40 (champion) + 20 (3 people) = 60
    #    → 0.6 x 100 + 0.4 x 60 = 84
    assert result[a.pk].score == 84
    assert result[a.pk].inputs == {
        "tasks": 3,
        "last_touch_on": "2026-06-20",
        "days_since_last_touch": 10,
        "touch": 100.0,
        "stakeholders": 3,
        "has_champion": True,
        "has_executive_sponsor": False,
        "coverage": 60,
    }
    # b: touch = 100 x (90 - 52) / 76 = 50; coverage 40 (sponsor) → 30 + 16 = 46
    assert result[b.pk].score == 46
    # c: never touched → 0, coverage 0 → 0 (but present: it has tasks)
    assert result[c.pk].score == 0
    assert result[c.pk].inputs["days_since_last_touch"] is None
    # d: no touch; coverage 80 → 0.4 x 80 = 32
    assert result[d.pk].score == 32
    # e: neither tasks nor stakeholders → no data
    assert e.pk not in result
    # f: d = 100 ≥ 90 → 0
    assert result[f.pk].score == 0
    assert set(measures.engagement([a.pk, e.pk], AS_OF)) == {a.pk}


@pytest.mark.parametrize(("days", "touch"), [(0, 100), (14, 100), (33, 75), (71, 25), (90, 0)])
def test_engagement_touch_curve(days: int, touch: float) -> None:
    # touch = 100 x clamp((90 - d) / 76): (90 - 33) / 76 = 0.75, (90 - 71) / 76 = 0.25
    customer = CustomerFactory.create()
    TaskFactory.create(customer=customer, completed_at=ago(days))
    value = measures.engagement([customer.pk], AS_OF)[customer.pk]
    assert value.inputs["touch"] == touch
    assert value.score == round(0.6 * touch, 2)


# --- constant number of queries -----------------------------------------------------------


def _populate(n: int) -> list[int]:
    pks = []
    for customer in CustomerFactory.create_batch(n):
        SupportTicketFactory.create(customer=customer, opened_at=ago(5), priority="high")
        SurveyResponseFactory.create(customer=customer, answered_at=ago(5))
        TaskFactory.create(customer=customer, completed_at=ago(5))
        StakeholderFactory.create(customer=customer, is_champion=True)
        pks.append(customer.pk)
    return pks


def _queries(fn: Any, pks: Any) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as context:
        result = fn(pks, AS_OF)
    return len(context), len(result)


@pytest.mark.parametrize(
    ("name", "for_list", "for_all"),
    [("support", 2, 3), ("sentiment", 1, 1), ("engagement", 2, 2)],
)
def test_measures_run_a_fixed_number_of_queries(name: str, for_list: int, for_all: int) -> None:
    fn = getattr(measures, name)
    few = _populate(3)
    assert _queries(fn, few) == (for_list, 3)
    assert _queries(fn, None) == (for_all, 3)
    many = few + _populate(27)
    assert _queries(fn, many) == (for_list, 30)
    assert _queries(fn, None) == (for_all, 30)
