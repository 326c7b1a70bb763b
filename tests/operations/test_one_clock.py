"""Issue 11 D1, one clock: "the last N days as of D" = the calendar days (D - N, D]; the support
measure and the support_increase workflow condition count the same tickets whatever the time
of day (README, Definitions)."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from integrations.clock import DayWindow, days_window, local_day_end
from integrations.rounding import round_half_up
from operations import measures
from operations.workflows import conditions
from tests.customers.factories import CustomerFactory

from .factories import SupportTicketFactory

D = date(2026, 6, 30)


def at(day: date, hh: int, mm: int) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=UTC)


def test_days_window_is_the_calendar_days_up_to_and_including_the_day() -> None:
    window = days_window(D, 30)
    assert (window.first_day, window.last_day, window.days) == (date(2026, 6, 1), D, 30)
    assert window.start == at(date(2026, 6, 1), 0, 0)  # the end of May 31
    assert window.end == local_day_end(D) == at(date(2026, 7, 1), 0, 0)
    assert window.prior() == DayWindow(date(2026, 5, 2), date(2026, 5, 31))
    assert D in window
    assert date(2026, 5, 31) not in window
    with pytest.raises(ValueError, match="at least one day"):
        days_window(D, 0)


def test_round_half_up_rounds_halves_away_from_zero() -> None:
    assert [round_half_up(x) for x in (74.5, 37.5, 0.5, -0.5, 2.4999)] == [75, 38, 1, -1, 2]
    assert round_half_up(0.12345, 4) == 0.1235
    assert round_half_up(2.675, 2) == 2.68  # as written, not its binary neighbour 2.67499..


@pytest.mark.django_db
@pytest.mark.parametrize(("hh", "mm"), [(0, 10), (23, 50)])
def test_support_measure_and_support_increase_count_the_same_tickets_at_any_hour(
    hh: int, mm: int
) -> None:
    customer = CustomerFactory.create()
    # the day before yesterday, 23:30: inside the last 30 days
    SupportTicketFactory.create(customer=customer, opened_at=at(D - timedelta(days=2), 23, 30))
    # day D - 30, 23:30: the last day of the prior window (D - 60, D - 30]
    SupportTicketFactory.create(customer=customer, opened_at=at(D - timedelta(days=30), 23, 30))
    # day D - 60, 23:30: outside both windows
    SupportTicketFactory.create(customer=customer, opened_at=at(D - timedelta(days=60), 23, 30))

    measured = measures.support([customer.pk], D)[customer.pk].inputs
    assert (measured["tickets_last_30d"], measured["tickets_prior_30d"]) == (1, 1)

    # The condition, evaluated at hh:mm on D: the same 1 vs 1, growth (1 - 1) / 1 = 0.
    # (Rolling windows ending at 00:10 counted 2 vs 1, i.e. +100 %, and held.)
    [result] = conditions.evaluate(customer, {"support_increase": 0.5}, at(D, hh, mm))
    assert result.measured == 0.0
    assert result.holds is False
    assert result.detail == "1 tickets opened in the last 30 days vs 1 in the 30 before"


@pytest.mark.django_db
@pytest.mark.parametrize(("hh", "mm"), [(0, 10), (23, 50)])
def test_performance_window_is_the_calendar_days_at_any_hour(hh: int, mm: int) -> None:
    from operations.selectors.performance import performance

    # The last 30 days as of D: June 1 00:00 (inclusive) to July 1 00:00 (exclusive), whether
    # asked at 00:10 or 23:50 (rolling windows started at now - 30 days).
    window = performance(30, at(D, hh, mm)).window
    assert (window.since, window.until) == (at(date(2026, 6, 1), 0, 0), at(date(2026, 7, 1), 0, 0))
