"""The CS manager's cockpit as a CSM meets it, in a real browser: sign in as themselves, read
the dashboard's numbers (compared with the database), open the worst account's 360 page from
the risk-sorted customer list, recompute its health, complete a task from "My tasks"."""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cockpit.access import cs_managers_group_ensure
from customers import services as customer_services
from customers.models import Customer, HealthScore, TeamMember
from operations.models import Task
from tests.browser.conftest import click_and_load, sign_in
from tests.customers.factories import CustomerFactory, TeamMemberFactory
from tests.operations.factories import TaskFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _snapshot(customer: Customer, score: int, grade: str, days_ago: int = 0) -> None:
    HealthScore.objects.create(
        customer=customer,
        score=score,
        grade=grade,
        components={},
        as_of=timezone.localdate() - timedelta(days=days_ago),
        computed_at=timezone.now() - timedelta(days=days_ago),
        model_version=1,
    )


@pytest.fixture
def portfolio() -> dict[str, Any]:
    """Ana manages three accounts (critical, at risk, healthy) and two open tasks, one of
    them overdue; Bo manages one healthy account."""
    ana = TeamMemberFactory.create(email="ana@company.com", name="Ana Lopez")
    bo = TeamMemberFactory.create(email="bo@company.com", name="Bo Chen")
    worst = CustomerFactory.create(name="Wobbly Widgets", success_manager=ana)
    middling = CustomerFactory.create(name="Middling Metals", success_manager=ana)
    fine = CustomerFactory.create(name="Fine Foods", success_manager=ana)
    other = CustomerFactory.create(name="Other Org", success_manager=bo)
    _snapshot(worst, 70, "healthy", days_ago=30)
    _snapshot(worst, 24, "critical")
    _snapshot(middling, 55, "at_risk")
    _snapshot(fine, 88, "healthy")
    _snapshot(other, 91, "healthy")
    now = timezone.now()
    late = TaskFactory.create(
        customer=worst, owner=ana, title="Call the sponsor", due_at=now - timedelta(days=2)
    )
    TaskFactory.create(customer=fine, owner=ana, title="QBR prep", due_at=now + timedelta(days=5))
    _, password = customer_services.team_member_sign_in_create(
        member=ana, groups=[cs_managers_group_ensure()]
    )
    return {"ana": ana, "password": password, "worst": worst, "late": late}


def _grade_counts_in_the_database() -> dict[str, int]:
    """Each active customer's latest snapshot's grade, counted (the dashboard's definition)."""
    counts = {"critical": 0, "at_risk": 0, "healthy": 0}
    for customer in Customer.objects.filter(status="active"):
        latest = customer.health_scores.order_by("-computed_at").first()
        if latest:
            counts[latest.grade] += 1
    return counts


def test_a_csm_works_through_the_cockpit(page: Any, portfolio: dict[str, Any]) -> None:
    ana: TeamMember = portfolio["ana"]
    sign_in(page, ana.email, portfolio["password"])

    # The dashboard: the health distribution and the overdue tasks, as the database has them.
    assert page.title().startswith("Dashboard | CS Hub")
    page.shots("dashboard")
    for grade, expected in _grade_counts_in_the_database().items():
        shown = page.locator(f'#tile-health .cs-count[data-grade="{grade}"] .cs-big')
        assert shown.inner_text().strip() == str(expected), grade
    overdue = Task.objects.filter(completed_at__isnull=True, due_at__lt=timezone.now()).count()
    assert page.locator("#tile-overdue-tasks .cs-count-value").inner_text() == str(overdue)

    # The risk-sorted customer list: the worst account first; its 360 page from there.
    page.locator('.model-customer a[href$="/admin/customers/customer/"]').first.click()
    page.wait_for_url("**/admin/customers/customer/")
    first_row = page.locator("#result_list tbody tr").first
    assert "Wobbly Widgets" in first_row.inner_text()
    page.shots("customer-list")
    first_row.get_by_text("360 view").click()
    page.wait_for_url("**/360/")
    assert page.locator("h1").inner_text() == "Wobbly Widgets: 360"
    page.shots("customer-360")

    # Recompute the worst account's health from the list: the message says what happened.
    page.goto("/admin/customers/customer/")
    page.locator("#result_list tbody tr").first.locator("input.action-select").check()
    page.select_option("select[name=action]", "recompute_health")
    click_and_load(page, "button[name=index]")
    expect(page.locator("ul.messagelist li").first).to_have_text(
        re.compile(r"^Recomputed 1 customer")
    )
    page.shots("recomputed")
    worst: Customer = portfolio["worst"]
    assert worst.health_scores.count() == 3  # the two made above and the recomputed one

    # My tasks (linked from the dashboard): the overdue one first; complete it.
    page.goto("/admin/")
    click_and_load(page, "#cs-my-work >> text=My tasks")
    rows = page.locator("#my-tasks tbody tr")
    assert rows.count() == 2
    assert "Call the sponsor" in rows.first.inner_text()
    assert "overdue" in rows.first.inner_text()
    rows.first.locator("input[type=checkbox]").check()
    click_and_load(page, "text=Complete selected tasks")
    expect(page.locator("ul.messagelist li").first).to_contain_text("Completed 1 task")
    page.shots("task-completed")
    portfolio["late"].refresh_from_db()
    assert portfolio["late"].completed_at is not None
    expect(page.locator("#my-tasks tbody tr")).to_have_count(1)
