"""Usage changes older than any window a read can ask for are pruned daily; the ones that can
still touch a window (ending today, up to 365 days long) are kept."""

from datetime import date, timedelta

import pytest

from product.models import UsageChange
from product.services.ingestion import usage_changes_prune
from product.tasks import prune_usage_changes

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 5)


def _change(first: date, last: date) -> UsageChange:
    return UsageChange.objects.create(first_date=first, last_date=last, rows=1)


def test_only_changes_ending_before_the_longest_window_are_pruned() -> None:
    first_window_day = TODAY - timedelta(days=364)  # a 365-day window ending today starts here
    gone = _change(first_window_day - timedelta(days=30), first_window_day - timedelta(days=2))
    gone_too = _change(first_window_day - timedelta(days=2), first_window_day - timedelta(days=2))
    # Ends the day before the window: kept anyway (one day's margin), as is anything later.
    margin = _change(first_window_day - timedelta(days=5), first_window_day - timedelta(days=1))
    touching = _change(first_window_day - timedelta(days=40), first_window_day)
    recent = _change(TODAY - timedelta(days=3), TODAY)

    assert usage_changes_prune(today=TODAY) == 2

    kept = set(UsageChange.objects.values_list("pk", flat=True))
    assert kept == {margin.pk, touching.pk, recent.pk}
    assert not {gone.pk, gone_too.pk} & kept


def test_the_daily_task_prunes_as_of_the_clock_today() -> None:
    from integrations.clock import today

    old = _change(today() - timedelta(days=800), today() - timedelta(days=700))
    new = _change(today() - timedelta(days=10), today())
    assert prune_usage_changes() == 1
    assert list(UsageChange.objects.values_list("pk", flat=True)) == [new.pk]
    assert not UsageChange.objects.filter(pk=old.pk).exists()


def test_pruning_keeps_a_remembered_window_valid() -> None:
    """The adoption memo compares the count of changes touching its window: pruning must never
    remove one of those (it would force a recount, or worse, hide a change)."""
    window_first = TODAY - timedelta(days=364)
    inside = [
        _change(window_first + timedelta(days=d), window_first + timedelta(days=d))
        for d in (0, 100, 364)
    ]
    before = UsageChange.objects.filter(last_date__gte=window_first, first_date__lte=TODAY).count()
    _change(window_first - timedelta(days=10), window_first - timedelta(days=9))
    usage_changes_prune(today=TODAY)
    after = UsageChange.objects.filter(last_date__gte=window_first, first_date__lte=TODAY).count()
    assert before == after == len(inside)
