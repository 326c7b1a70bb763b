"""The dashboard's renewals tile from finance's renewal-risk summary (README, "The admin: the
CS dashboard"): within COCKPIT_RENEWALS_MAX_AGE_SECONDS it shows the stored numbers and says
when they were counted, beside the link to the live list. The test settings count it live
(max age 0); these tests set a max age.

Each customer here scores log-odds 1.61 with the seeded prior (no seats, health, invoice,
escalation or sponsor; the default segment): p = 0.8334, ARR at risk = ARR x 0.1666."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import F
from django.utils import timezone

from cockpit import site as cockpit_site
from cockpit.dashboard import Linker, RenewalsTile, renewals_tile
from finance.models import Contract, RenewalRiskSummary
from tests.customers.factories import CustomerFactory
from tests.finance.factories import ContractFactory

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 6, 30)
NOW = datetime(2026, 6, 30, 12, tzinfo=UTC)


@pytest.fixture
def five_minutes(settings: Any) -> None:
    settings.COCKPIT_RENEWALS_MAX_AGE_SECONDS = 300


@pytest.fixture
def book(db: None) -> None:
    for n, (days, arr) in enumerate([(30, 100_000), (60, 40_000), (120, 90_000)]):
        customer = CustomerFactory.create(customer_id=f"cust_{n}", name=f"C{n}", licensed_seats=0)
        ContractFactory.create(
            customer=customer,
            contract_id=f"ctr_{n}",
            start_date=AS_OF - timedelta(days=300),
            end_date=AS_OF + timedelta(days=days),
            value=Decimal(arr),
            annual_value=Decimal(arr),
        )


def _tile() -> Any:
    return renewals_tile(AS_OF, Linker(lambda _: True))


def test_the_tile_shows_the_summary_while_valid(
    book: None, five_minutes: None, django_assert_max_num_queries: Any
) -> None:
    first = _tile()
    # ctr_0 100,000 x 0.1666 = 16,660; ctr_1 40,000 x 0.1666 = 6,664; ctr_2 after 90 days
    assert (first.count, first.arr, first.arr_at_risk) == (
        2,
        Decimal("140000.00"),
        Decimal("23324.00"),
    )
    assert [r.contract_id for r in first.rows] == ["ctr_0", "ctr_1"]
    assert first.rows[0].url == "/admin/finance/contract/?q=ctr_0"
    assert (first.counted_ago, first.refresh_every) == ("just now", "5 minutes")
    Contract.objects.filter(contract_id="ctr_1").update(annual_value=Decimal(400_000))
    with django_assert_max_num_queries(2):  # the model and the summary
        reused = _tile()
    assert (reused.count, reused.arr, reused.rows) == (first.count, first.arr, first.rows)
    RenewalRiskSummary.objects.update(computed_at=F("computed_at") - timedelta(minutes=3))
    assert _tile().counted_ago == "3 minutes ago"
    RenewalRiskSummary.objects.update(computed_at=F("computed_at") - timedelta(minutes=3))
    # six minutes old: counted again (ctr_1 400,000 x 0.1666 = 66,640)
    fresh = _tile()
    assert (fresh.arr, fresh.arr_at_risk) == (Decimal("500000.00"), Decimal("83300.00"))
    assert [r.contract_id for r in fresh.rows] == ["ctr_1", "ctr_0"]
    assert fresh.counted_ago == "just now"


def test_the_page_says_when_it_was_counted(
    book: None, five_minutes: None, staff: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(cockpit_site, "dashboard_moment", lambda: (AS_OF, NOW))
    staff.get("/admin/")
    RenewalRiskSummary.objects.update(computed_at=F("computed_at") - timedelta(minutes=1))
    content = staff.get("/admin/").content.decode()
    assert (
        '<p class="cs-quiet" id="renewals-counted">Counted 1 minute ago; refreshed every 5 '
        'minutes. <a href="/admin/customers/customer/?renewal_within=90">Live list</a></p>'
    ) in content
    assert '<span class="cs-big" id="renewals-count">2</span>' in content


def test_counted_live_the_tile_says_nothing_of_age(book: None) -> None:
    tile = _tile()  # the test settings: max age 0
    assert (tile.count, tile.counted_ago) == (2, None)
    assert not RenewalRiskSummary.objects.exists()


@pytest.mark.parametrize(
    ("max_age", "words"),
    [(300, "5 minutes"), (60, "1 minute"), (90, "90 seconds"), (30, "30 seconds"), (1, "1 second")],
)
def test_the_refresh_interval_in_words(max_age: int, words: str) -> None:
    """The attack pass: 1-59 s hid the line, 60-119 s said "every 1 minutes"."""
    tile = RenewalsTile(
        None,
        0,
        Decimal(0),
        Decimal(0),
        (),
        None,
        counted_at=timezone.now(),
        max_age_seconds=max_age,
    )
    assert tile.refresh_every == words
    assert tile.counted_ago == "just now"
    live = RenewalsTile(None, 0, Decimal(0), Decimal(0), (), None, counted_at=timezone.now())
    assert live.counted_ago is None  # max age 0: counted live on this view, nothing to say
