"""The admin index as the CS dashboard (issue 15 §2): each tile's numbers from known rows,
computed by hand; "no data" states; links only to the lists a viewer may see; the site's
header; and a query count that does not grow with the number of customers."""

import html
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission, User
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cockpit import risk
from cockpit import site as cockpit_site
from cockpit.charts import stacked_weeks
from cockpit.dashboard import Dashboard, build_dashboard, week_ends
from cockpit.site import CockpitAdminSite
from customers.models import Customer, HealthScore
from finance import read as finance_read
from finance.models import RenewalModelVersion
from integrations.models import Event
from operations.models import Escalation, WorkflowRun
from product.models import FeatureUsage, Feedback
from tests.customers.factories import CustomerFactory, TeamMemberFactory
from tests.finance.renewals_support import DAY, contract
from tests.operations.factories import TaskFactory
from tests.product.factories import FeatureFactory

pytestmark = pytest.mark.django_db

AS_OF = DAY  # renewals_support.contract ends its contracts counted from this day
NOW = datetime(2026, 6, 30, 12, tzinfo=UTC)


def everything(_: str) -> bool:
    return True


def nothing(_: str) -> bool:
    return False


def _build(can_view: Any = everything) -> Dashboard:
    return build_dashboard(as_of=AS_OF, now=NOW, can_view=can_view)


def _snapshot(customer: Customer, day: date, score: int, grade: str) -> None:
    HealthScore.objects.create(
        customer=customer,
        computed_at=datetime(day.year, day.month, day.day, 23, tzinfo=UTC),
        as_of=day,
        score=score,
        grade=grade,
        model_version=1,
    )


@pytest.fixture
def portfolio() -> dict[str, Customer]:
    """Four active customers and one churned on 1 June:
    a: at_risk 55 on 30 May, healthy 80 on 29 June (+25);
    b: healthy 90 on 30 May, critical 20 on 29 June (-70);
    c: at_risk 60 on 15 June (no reference 30 days before);
    d: never scored;
    e: churned 1 June, healthy 85 on 20 May."""
    made = {
        "a": CustomerFactory.create(segment="enterprise"),
        "b": CustomerFactory.create(segment="enterprise"),
        "c": CustomerFactory.create(segment="mid_market"),
        "d": CustomerFactory.create(segment="mid_market"),
        "e": CustomerFactory.create(
            segment="mid_market", status="churned", churned_at=datetime(2026, 6, 1, 12, tzinfo=UTC)
        ),
    }
    _snapshot(made["a"], date(2026, 5, 30), 55, "at_risk")
    _snapshot(made["a"], date(2026, 6, 29), 80, "healthy")
    _snapshot(made["b"], date(2026, 5, 30), 90, "healthy")
    _snapshot(made["b"], date(2026, 6, 29), 20, "critical")
    _snapshot(made["c"], date(2026, 6, 15), 60, "at_risk")
    _snapshot(made["e"], date(2026, 5, 20), 85, "healthy")
    return made


def test_health_distribution_now_and_at_each_week_end(portfolio: dict[str, Customer]) -> None:
    tile = _build().health
    assert tile.current.counts == {"critical": 1, "at_risk": 1, "healthy": 1}
    assert tile.current.unscored == 1  # d; e is churned
    assert [w.day for w in tile.weeks] == week_ends(AS_OF)
    assert tile.weeks[-1].day == AS_OF
    assert tile.weeks[0].day == AS_OF - timedelta(weeks=11)
    by_day = {w.day: (w.counts, w.unscored) for w in tile.weeks}

    def counts(critical: int, at_risk: int, healthy: int) -> dict[str, int]:
        return {"critical": critical, "at_risk": at_risk, "healthy": healthy}

    # 30 June: a healthy, b critical, c at_risk, d none (e churned before: not counted)
    assert by_day[date(2026, 6, 30)] == (counts(1, 1, 1), 1)
    # 23 and 16 June: a and c at_risk, b healthy (their 30 May / 15 June snapshots)
    assert by_day[date(2026, 6, 23)] == (counts(0, 2, 1), 1)
    assert by_day[date(2026, 6, 16)] == (counts(0, 2, 1), 1)
    # 9 and 2 June: c not scored yet
    assert by_day[date(2026, 6, 9)] == (counts(0, 1, 1), 2)
    assert by_day[date(2026, 6, 2)] == (counts(0, 1, 1), 2)
    # 26 May: only e (alive until 1 June) had a snapshot
    assert by_day[date(2026, 5, 26)] == (counts(0, 0, 1), 4)
    # 19 May and before: nobody scored, five alive
    assert by_day[date(2026, 5, 19)] == (counts(0, 0, 0), 5)
    assert by_day[date(2026, 4, 14)] == (counts(0, 0, 0), 5)


def test_health_trend_chart_scales_bars_to_the_largest_week(portfolio: dict[str, Customer]) -> None:
    chart = stacked_weeks(_build().health.weeks, height=100)
    assert chart.peak == 5
    assert len(chart.bars) == 12
    last = chart.bars[-1]  # 1 critical, 1 at_risk, 1 healthy, 1 unscored: 20 px each
    assert [(r.fill, r.height, r.y) for r in last.rects] == [
        ("#ba2121", 20.0, 80.0),
        ("#d98c00", 20.0, 60.0),
        ("#2e7d32", 20.0, 40.0),
        ("#bbb", 20.0, 20.0),
    ]


def test_biggest_declines_use_the_30_day_change(portfolio: dict[str, Customer]) -> None:
    tile = _build().declines
    # a rose 25 and c has no reference: only b's fall (20 - 90) is listed
    assert [(r.customer_id, r.score, r.change_30d) for r in tile.rows] == [
        (portfolio["b"].customer_id, 20, -70)
    ]
    assert tile.compared  # some active customer has a 30-day reference
    assert tile.rows[0].url == f"/admin/customers/customer/{portfolio['b'].pk}/360/"


def test_declines_keep_the_ten_largest_falls() -> None:
    for fall in range(1, 13):
        customer = CustomerFactory.create()
        _snapshot(customer, date(2026, 5, 30), 90, "healthy")
        _snapshot(customer, date(2026, 6, 29), 90 - fall, "healthy")
    rows = _build().declines.rows
    assert [r.change_30d for r in rows] == [-12, -11, -10, -9, -8, -7, -6, -5, -4, -3]


def test_renewals_due_in_90_days_with_arr_at_risk(portfolio: dict[str, Customer]) -> None:
    contract(portfolio["a"], "ctr_a", 40, 100_000)
    contract(portfolio["b"], "ctr_b", 80, 50_000)
    contract(portfolio["c"], "ctr_c", 120, 70_000)  # after the window
    contract(portfolio["d"], "ctr_d", 0, 30_000)  # ends today: due, not "due within"
    tile = _build().renewals
    p = finance_read.renewal_probabilities([portfolio["a"].pk, portfolio["b"].pk], AS_OF)
    risk_a = finance_read.arr_at_risk(Decimal(100_000), p[portfolio["a"].pk].probability)
    risk_b = finance_read.arr_at_risk(Decimal(50_000), p[portfolio["b"].pk].probability)
    assert tile.reason is None
    assert not tile.empty
    assert tile.count == 2
    assert tile.arr == Decimal(150_000)
    assert tile.arr_at_risk == risk_a + risk_b
    assert 0 < risk_b < Decimal(50_000)
    assert 0 < risk_a < Decimal(100_000)
    ordered = sorted([(risk_a, "ctr_a"), (risk_b, "ctr_b")], key=lambda r: -r[0])
    assert [(r.arr_at_risk, r.contract_id) for r in tile.rows] == ordered
    assert tile.rows[0].days_to_end in (40, 80)
    assert tile.url == "/admin/customers/customer/?renewal_within=90"


def test_renewals_count_customers_as_the_list_it_links_to(portfolio: dict[str, Customer]) -> None:
    """A customer with an add-on contract ending in the window too is one renewal due: the
    linked risk list (renewal within 90 days) shows the same number of rows."""
    contract(portfolio["a"], "ctr_a", 40, 100_000)
    contract(portfolio["a"], "ctr_a_addon", 60, 10_000)
    contract(portfolio["b"], "ctr_b", 80, 50_000)
    tile = _build().renewals
    assert tile.count == 2
    assert tile.url == "/admin/customers/customer/?renewal_within=90"
    listed = risk.risk_rows(Customer.objects.all(), AS_OF).filter(risk.renewal_within(AS_OF, 90))
    assert sorted(listed.values_list("customer_id", flat=True)) == sorted(
        [portfolio["a"].customer_id, portfolio["b"].customer_id]
    )


def test_renewals_without_data_or_model_say_so(portfolio: dict[str, Customer]) -> None:
    tile = _build().renewals
    assert tile.empty
    assert tile.reason is None
    assert tile.count == 0
    RenewalModelVersion.objects.update(is_active=False)
    tile = _build().renewals
    assert tile.reason == "No renewal model is active."
    assert not tile.empty


def test_escalations_failed_runs_and_overdue_tasks(portfolio: dict[str, Customer]) -> None:
    a, b = portfolio["a"], portfolio["b"]
    for i, status in enumerate(["open", "in_progress", "open", "resolved"]):
        Escalation.objects.create(
            customer=a if i % 2 else b,
            escalation_id=f"esc_{i}",
            owner_email="ops@x.io",
            reason=f"reason {i}",
            status=status,
            opened_at=NOW - timedelta(days=10 - i),
        )
    for i, status in enumerate(["failed", "completed", "failed"]):
        run = WorkflowRun.objects.create(
            customer=a, run_id=f"wr_{i}", workflow_type="rescue", status=status
        )
        WorkflowRun.objects.filter(pk=run.pk).update(created_at=NOW - timedelta(days=5 - i))
    TaskFactory.create(task_id="t_old", customer=b, due_at=NOW - timedelta(days=9))
    TaskFactory.create(task_id="t_mid", customer=a, due_at=NOW - timedelta(days=3))
    TaskFactory.create(task_id="t_new", customer=a, due_at=NOW - timedelta(hours=1))
    TaskFactory.create(
        task_id="t_done", customer=a, due_at=NOW - timedelta(days=20), completed_at=NOW
    )
    TaskFactory.create(task_id="t_later", customer=a, due_at=NOW + timedelta(hours=1))
    TaskFactory.create(task_id="t_undated", customer=a)
    board = _build()
    assert board.escalations.digest.count == 3
    assert [i.public_id for i in board.escalations.digest.items] == ["esc_2", "esc_1", "esc_0"]
    assert board.escalations.digest.items[0].customer_name == b.name
    assert board.escalations.url == ("/admin/operations/escalation/?status__in=open%2Cin_progress")
    assert board.failed_runs.digest.count == 2
    assert [i.public_id for i in board.failed_runs.digest.items] == ["wr_2", "wr_0"]
    assert board.failed_runs.url == "/admin/operations/workflowrun/?status__exact=failed"
    assert board.overdue_tasks.digest.count == 3
    assert [i.public_id for i in board.overdue_tasks.digest.items] == ["t_old", "t_mid", "t_new"]
    assert board.overdue_tasks.item_urls[0] == (
        f"/admin/operations/task/{board.overdue_tasks.digest.items[0].pk}/change/"
    )


def _usage(customer: Customer, feature: Any, days: list[int]) -> None:
    for back in days:
        FeatureUsage.objects.create(
            customer=customer, feature=feature, date=AS_OF - timedelta(days=back), events=3
        )


def test_key_feature_adoption_by_segment(portfolio: dict[str, Customer]) -> None:
    k1 = FeatureFactory.create(feature_id="k1", name="Reports", adoption_threshold_days=4)
    k2 = FeatureFactory.create(feature_id="k2", name="Alerts", adoption_threshold_days=2)
    other = FeatureFactory.create(feature_id="n1", is_key=False)
    _usage(portfolio["a"], k1, [0, 1, 2, 29])  # 4 days in (as_of - 30, as_of]: adopts
    _usage(portfolio["b"], k1, [0, 1, 2, 30])  # the 30th day back is outside: 3 days
    _usage(portfolio["c"], k2, [5, 6])  # adopts
    _usage(portfolio["d"], k2, [1, 40, 41, 42])  # 1 day in the window
    _usage(portfolio["d"], other, [1, 2, 3, 4, 5])  # not a key feature
    _usage(portfolio["e"], k2, [1, 2, 3])  # churned: not an active customer
    tile = _build().adoption
    assert tile.segments == ("enterprise", "mid_market")
    assert [f[:2] for f in tile.features] == [("k1", "Reports"), ("k2", "Alerts")]
    shares = {
        (segment, cell.feature_id): (cell.adopting, cell.active, cell.adoption)
        for segment, cells in tile.table
        for cell in cells
        if cell is not None
    }
    assert shares == {
        ("enterprise", "k1"): (1, 2, 0.5),
        ("enterprise", "k2"): (0, 2, 0.0),
        ("mid_market", "k1"): (0, 2, 0.0),
        ("mid_market", "k2"): (1, 2, 0.5),
    }
    assert tile.features[0][2] == f"/admin/product/featureusage/?feature__id__exact={k1.pk}"


def _feedback(customer: Customer, category: str, status: str, n: int) -> None:
    Feedback.objects.create(
        feedback_id=f"fb_{category}_{customer.pk}_{n}",
        customer=customer,
        type="feature_request",
        category=category,
        priority="high",
        business_impact="important",
        description="x",
        priority_score=50,
        status=status,
        status_changed_at=NOW,
    )


def test_top_feedback_by_arr_at_stake(portfolio: dict[str, Customer]) -> None:
    contract(portfolio["a"], "ctr_a", 200, 100_000)
    contract(portfolio["b"], "ctr_b", 200, 50_000)
    _feedback(portfolio["a"], "reporting", "submitted", 1)
    _feedback(portfolio["a"], "reporting", "committed", 2)  # same customer: ARR counted once
    _feedback(portfolio["b"], "reporting", "reviewing", 1)
    _feedback(portfolio["b"], "integrations", "submitted", 1)
    _feedback(portfolio["a"], "ui", "delivered", 1)  # nothing open: not listed
    tile = _build().feedback
    assert [(s.category, s.open, s.customers_asking, s.arr_at_stake) for s, _ in tile.rows] == [
        ("reporting", 3, 2, Decimal("150000.00")),
        ("integrations", 1, 1, Decimal("50000.00")),
    ]
    assert tile.rows[0][1] == (
        "/admin/product/feedback/?category__exact=reporting"
        "&status__in=submitted%2Creviewing%2Ccommitted"
    )


def test_csm_capacity_bars(portfolio: dict[str, Customer]) -> None:
    full = TeamMemberFactory.create(name="Ann", capacity=2)
    roomy = TeamMemberFactory.create(name="Bob", capacity=10)
    TeamMemberFactory.create(name="Cy", active=False)
    Customer.objects.filter(pk__in=[portfolio[k].pk for k in "abc"]).update(success_manager=full)
    Customer.objects.filter(pk__in=[portfolio[k].pk for k in "de"]).update(success_manager=roomy)
    bars = _build().capacity.bars
    assert [(b.load.name, b.load.assigned, b.load.capacity) for b in bars] == [
        ("Ann", 3, 2),
        ("Bob", 1, 10),  # e is churned
    ]
    assert [(b.share, b.width, b.load.over_capacity) for b in bars] == [
        (1.5, 100, True),
        (0.1, 10, False),
    ]
    assert bars[0].url == (
        f"/admin/customers/customer/?success_manager__id__exact={full.pk}&status__exact=active"
    )


def test_latest_events_are_the_ten_newest() -> None:
    for i in range(12):
        Event.objects.create(
            event_id=f"evt_{i:02d}",
            type="customer.updated",
            customer_id=f"cust_{i}",
            created_at=NOW - timedelta(minutes=12 - i),
            next_attempt_at=NOW,
        )
    rows = _build().events.rows
    assert [e.event_id for e, _ in rows] == [f"evt_{i:02d}" for i in range(11, 1, -1)]
    assert rows[0][0].customer_id == "cust_11"
    assert rows[0][0].type == "customer.updated"


def test_an_empty_database_shows_no_data_states(staff: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(cockpit_site, "dashboard_moment", lambda: (AS_OF, NOW))
    board = _build()
    assert board.health.empty
    assert board.health.trend_empty
    assert board.declines.empty
    assert board.renewals.empty
    assert board.adoption.empty
    assert board.feedback.empty
    assert board.capacity.empty
    assert board.events.empty
    page = staff.get("/admin/").content.decode()
    for sentence in (
        "No health snapshots yet",
        "No 30-day comparison yet",
        "No renewals due in the next 90 days.",
        "No open escalations.",
        "No failed workflow runs.",
        "No overdue tasks.",
        "No key features or no active customers yet.",
        "No open feedback.",
        "No active CSMs.",
        "No events yet.",
    ):
        assert sentence in page


def test_links_only_to_the_lists_the_viewer_may_see(portfolio: dict[str, Customer]) -> None:
    contract(portfolio["a"], "ctr_a", 40, 100_000)
    TeamMemberFactory.create()
    board = _build(nothing)
    assert board.renewals.url is None
    assert board.renewals.rows[0].url is None
    assert board.declines.rows[0].url is None
    assert set(board.health.grade_links.values()) == {None}
    assert board.health.url is None
    assert board.declines.url is None
    assert board.capacity.url is None
    assert board.capacity.bars[0].url is None
    only_customers = _build(lambda label: label == "customers.customer")
    assert only_customers.declines.rows[0].url is not None
    # the renewals tile links to the risk list; its rows to contracts, not viewable here
    assert only_customers.renewals.url == "/admin/customers/customer/?renewal_within=90"
    assert only_customers.renewals.rows[0].url is None


# --- the page --------------------------------------------------------------------------------


def test_the_index_is_the_dashboard_of_cs_hub(
    staff: Any, portfolio: dict[str, Customer], monkeypatch: Any
) -> None:
    monkeypatch.setattr(cockpit_site, "dashboard_moment", lambda: (AS_OF, NOW))
    response = staff.get("/admin/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Dashboard | CS Hub</title>" in page
    assert 'href="/api/docs/"' in page  # "View site"
    assert 'id="health-trend"' in page
    assert "<svg" in page
    assert f'data-customer="{portfolio["b"].customer_id}"' in page
    assert 'href="/admin/customers/customer/?grade=critical&amp;status__exact=active"' in page
    assert 'href="/admin/customers/customer/?status__exact=active"' in page
    assert 'href="/admin/customers/customer/"' in page  # the app list stays below
    assert "<script" not in page.split('id="cs-dashboard"')[1].split("</section>\n  </div>")[0]


def test_staff_without_permissions_see_numbers_without_links(
    client: Any, portfolio: dict[str, Customer], monkeypatch: Any
) -> None:
    monkeypatch.setattr(cockpit_site, "dashboard_moment", lambda: (AS_OF, NOW))
    user = User.objects.create_user("viewer", password="x", is_staff=True)
    client.force_login(user)
    page = client.get("/admin/").content.decode()
    assert 'data-customer="' in page  # b's decline is shown
    assert "/admin/customers/customer/" not in page
    assert "/admin/customers/healthscore/" not in page
    user.user_permissions.add(Permission.objects.get(codename="view_customer"))
    client.force_login(User.objects.get(pk=user.pk))
    page = client.get("/admin/").content.decode()
    assert f"/admin/customers/customer/{portfolio['b'].pk}/360/" in page
    assert "/admin/customers/healthscore/" not in page


def test_anonymous_and_non_staff_are_sent_to_the_login(client: Any) -> None:
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    client.force_login(User.objects.create_user("plain", password="x"))
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_the_default_admin_site_is_the_cockpit_site() -> None:
    assert isinstance(admin.site, CockpitAdminSite)
    assert admin.site.site_header == "CS Hub"
    assert admin.site.site_url == "/api/docs/"
    assert admin.site.is_registered(Customer)


# --- bounded queries --------------------------------------------------------------------------


def _populate(n: int, start: int = 0) -> None:
    """n customers with a snapshot pair, a contract due, a task overdue, an escalation, a
    failed run, usage of a key feature, open feedback and an event; CSMs carrying them."""
    feature = FeatureFactory.create()
    csm = TeamMemberFactory.create()
    for i in range(start, start + n):
        customer = CustomerFactory.create(
            success_manager=csm, segment=["enterprise", "mid_market"][i % 2]
        )
        _snapshot(customer, date(2026, 5, 30), 90, "healthy")
        _snapshot(customer, date(2026, 6, 29), 90 - i % 40, "at_risk")
        contract(customer, f"ctr_{i}", 10 + i, 10_000 + i)
        TaskFactory.create(customer=customer, due_at=NOW - timedelta(days=1))
        Escalation.objects.create(
            customer=customer, escalation_id=f"esc_{i}", owner_email="o@x.io", reason="r"
        )
        WorkflowRun.objects.create(
            customer=customer, run_id=f"wr_{i}", workflow_type="w", status="failed"
        )
        _usage(customer, feature, [1, 2, 3, 4])
        _feedback(customer, f"cat{i % 7}", "submitted", i)
        Event.objects.create(
            event_id=f"evt_{i}",
            type="t",
            customer_id=customer.customer_id,
            created_at=NOW,
            next_attempt_at=NOW,
        )


def _page_queries(staff: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = staff.get("/admin/")
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("size", [3, 30])
def test_the_dashboard_page_query_count_does_not_grow(
    staff: Any, monkeypatch: Any, size: int, django_assert_max_num_queries: Any
) -> None:
    monkeypatch.setattr(cockpit_site, "dashboard_moment", lambda: (AS_OF, NOW))
    _populate(size)
    staff.get("/admin/")  # a first request warms the per-process caches (content types)
    # Session and user 2, health up to 6 (the remembered week-ends' checks 3, the newest
    # snapshot 1, the count 1, storing 1), declines 1-2, renewals 12, escalations, failed
    # runs and overdue tasks 2 each, adoption 1, feedback 2, CSMs 1, events 1, admin log 1.
    with django_assert_max_num_queries(33):
        response = staff.get("/admin/")
    assert response.status_code == 200
    assert b"No renewals due" not in response.content


def test_three_and_thirty_customers_cost_the_same_queries(staff: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(cockpit_site, "dashboard_moment", lambda: (AS_OF, NOW))
    _populate(3)
    staff.get("/admin/")  # counts and remembers the past week-ends
    small = _page_queries(staff)
    _populate(27, start=3)
    staff.get("/admin/")  # the new snapshots make the remembered days stale: counted again
    assert _page_queries(staff) == small


def test_every_dashboard_link_opens_its_list_over_demo_data(staff: Any) -> None:
    """Over the demo company every tile has rows; each link answers 200 (a filter the
    changelist refused would redirect to `?e=1`)."""
    call_command("seed_demo", "--customers", "30", "--no-progress")
    page = staff.get("/admin/").content.decode()
    tiles = page.split('id="cs-dashboard"')[1].split('<div class="app-')[0]
    links = sorted({html.unescape(url) for url in re.findall(r'href="(/admin/[^"]+)"', tiles)})
    assert len(links) > 20
    for url in links:
        response = staff.get(url)
        assert response.status_code == 200, url
