"""The customer 360 page (/admin/customers/customer/<pk>/360/): known data in every section
gives the numbers shown; the query count does not grow with the rows; bad input is a 4xx."""

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse
from django.utils import timezone

from cockpit.customer360 import ROWS
from customers.models import Customer, HealthScore, LifecycleChange, Milestone, SuccessPlan
from finance import read as finance_read
from integrations.clock import today
from marketing.models import Campaign, CampaignMember, Touchpoint
from operations.models import Alert, Escalation, WorkflowRun
from product.models import FeatureUsage, Feedback
from sales.models import ExpansionSnapshot
from tests.customers.factories import CustomerFactory, TeamMemberFactory
from tests.finance.factories import (
    ContractFactory,
    InvoiceFactory,
    OpportunityFactory,
    ValueRecordFactory,
)
from tests.operations.factories import SupportTicketFactory, SurveyResponseFactory, TaskFactory
from tests.product.factories import FeatureFactory

pytestmark = pytest.mark.django_db

COMPONENTS: dict[str, dict[str, Any]] = {
    "support": {
        "score": 40.0,
        "weight": 0.25,
        "effective_weight": 0.5,
        "inputs": {"urgent_open": 2},
        "reason": None,
    },
    "product_usage": {
        "score": 84.0,
        "weight": 0.25,
        "effective_weight": 0.5,
        "inputs": {"events_30d": 1200},
        "reason": None,
    },
    "financial": {
        "score": None,
        "weight": 0.5,
        "effective_weight": 0.0,
        "inputs": {},
        "reason": "no data",
    },
}


def url(pk: object) -> str:
    return reverse("admin:customers_customer_360", args=[pk])


def _snapshot(customer: Customer, at: datetime, score: int, grade: str) -> HealthScore:
    return HealthScore.objects.create(
        customer=customer,
        computed_at=at,
        as_of=timezone.localdate(at),
        score=score,
        non_usage_score=score,
        grade=grade,
        components=COMPONENTS,
        weights={"support": 0.5, "product_usage": 0.5},
        model_version=1,
    )


def populate(customer: Customer, n: int) -> None:
    """`n` rows in every section of the page (n > ROWS: the lists are capped)."""
    now = timezone.now()
    day = today()
    for week in range(n):
        _snapshot(customer, now - timedelta(weeks=week), 60 + week % 30, "at_risk")
    for i in range(n):
        LifecycleChange.objects.create(
            customer=customer,
            from_stage="onboarding",
            to_stage="adoption",
            source="admin",
            changed_at=now - timedelta(days=i),
        )
        plan = SuccessPlan.objects.create(customer=customer, title=f"Plan {i}")
        Milestone.objects.create(plan=plan, title="Go live", due_date=day)
        SupportTicketFactory.create(customer=customer, opened_at=now - timedelta(days=i))
        SurveyResponseFactory.create(customer=customer, answered_at=now - timedelta(days=i))
        TaskFactory.create(customer=customer, due_at=now + timedelta(days=i))
        ContractFactory.create(
            customer=customer, start_date=day - timedelta(days=100), end_date=day + timedelta(i + 1)
        )
        InvoiceFactory.create(customer=customer, issued_on=day - timedelta(days=i))
        ValueRecordFactory.create(customer=customer, date=day - timedelta(days=i))
        OpportunityFactory.create(customer=customer)
        feature = FeatureFactory.create()
        FeatureUsage.objects.create(
            customer=customer, feature=feature, date=day, events=5, active_users=2
        )
        WorkflowRun.objects.create(
            customer=customer, run_id=f"wr_{customer.pk}_{i}", workflow_type="at_risk"
        )
        Alert.objects.create(customer=customer, alert_id=f"al_{customer.pk}_{i}", title="Drop")
        Escalation.objects.create(
            customer=customer,
            escalation_id=f"esc_{customer.pk}_{i}",
            owner_email="ops@company.com",
            reason="Exec complaint",
        )
        _feedback(customer, f"fb_{customer.pk}_{i}")
        campaign = Campaign.objects.create(
            name=f"Win back {i}",
            trigger_type="health_decline",
            campaign_type="retention",
            created_at=now - timedelta(days=i),
            ends_at=now + timedelta(days=90 - i),
        )
        CampaignMember.objects.create(campaign=campaign, customer=customer, group="treated")
        _touchpoint(customer, now + timedelta(days=i))
    ExpansionSnapshot.objects.create(
        customer=customer,
        as_of=day,
        computed_at=now,
        score=70,
        ready=True,
        model_version=1,
        rank_key="x",
    )


def _feedback(customer: Customer, feedback_id: str) -> Feedback:
    return Feedback.objects.create(
        feedback_id=feedback_id,
        customer=customer,
        type="feature_request",
        category="seats",
        priority="high",
        business_impact="important",
        description="Bulk export to S3",
        priority_score=55,
        priority_factors={},
        status="submitted",
        status_changed_at=timezone.now(),
    )


def _touchpoint(customer: Customer, when: datetime) -> Touchpoint:
    return Touchpoint.objects.create(
        customer=customer,
        stage="adoption",
        name="Feature tour",
        channel="email",
        kind="educational",
        scheduled_for=when,
        status_changed_at=when,
        created_at=when,
    )


# --- the numbers ------------------------------------------------------------------------------


def test_known_customer_shows_its_numbers(staff: Any) -> None:
    csm = TeamMemberFactory.create(name="Robin CSM")
    customer = CustomerFactory.create(name="Acme", success_manager=csm)
    now = timezone.now()
    day = today()
    # Health: the latest snapshot (62, at risk) 30 days after a 70: change -8; 5 weekly points.
    for weeks_ago, score, grade in [(4, 70, "at_risk"), (3, 80, "healthy"), (2, 76, "healthy")]:
        _snapshot(customer, now - timedelta(weeks=weeks_ago, days=2), score, grade)
    _snapshot(customer, now - timedelta(weeks=1), 45, "critical")
    _snapshot(customer, now - timedelta(days=30), 70, "at_risk")
    _snapshot(customer, now, 62, "at_risk")
    # Contracts: ARR = 120,000 + 30,000 (active); the expired one does not count.
    ContractFactory.create(
        customer=customer,
        start_date=day - timedelta(days=300),
        end_date=day + timedelta(days=65),
        value=Decimal("120000"),
    )
    ContractFactory.create(
        customer=customer,
        start_date=day - timedelta(days=100),
        end_date=day + timedelta(days=265),
        value=Decimal("30000"),
    )
    ContractFactory.create(
        customer=customer,
        start_date=day - timedelta(days=800),
        end_date=day - timedelta(days=436),
        value=Decimal("99000"),
        status="expired",
    )
    # Tickets: 2 open (1 urgent) and 1 resolved, all opened within 30 days.
    SupportTicketFactory.create(customer=customer, opened_at=now - timedelta(days=1))
    SupportTicketFactory.create(
        customer=customer, opened_at=now - timedelta(days=2), priority="urgent"
    )
    SupportTicketFactory.create(
        customer=customer,
        opened_at=now - timedelta(days=3),
        status="resolved",
        resolved_at=now - timedelta(days=1),
    )
    # NPS 9, 10, 3: (2 - 1) / 3 = 33.3; CSAT 4 and 5: 4.5.
    for kind, score in [("nps", 9), ("nps", 10), ("nps", 3), ("csat", 4), ("csat", 5)]:
        SurveyResponseFactory.create(
            customer=customer, kind=kind, score=score, answered_at=now - timedelta(days=5)
        )
    TaskFactory.create(customer=customer, title="Call the sponsor", due_at=now)
    TaskFactory.create(customer=customer, title="Kick-off", completed_at=now - timedelta(days=9))
    InvoiceFactory.create(customer=customer, issued_on=day - timedelta(days=10))
    InvoiceFactory.create(customer=customer, issued_on=day - timedelta(days=40), paid_at=now)
    # Value realised: 1,000 + 2,500; the future-dated record is not realised yet.
    ValueRecordFactory.create(customer=customer, date=day - timedelta(days=20))
    ValueRecordFactory.create(
        customer=customer, date=day - timedelta(days=5), amount=Decimal("2500")
    )
    ValueRecordFactory.create(customer=customer, date=day + timedelta(days=5))
    OpportunityFactory.create(customer=customer, opportunity_id="opp_acme_sso")
    OpportunityFactory.create(customer=customer, status="lost", closed_on=day)
    plan = SuccessPlan.objects.create(customer=customer, title="Roll-out")
    Milestone.objects.create(plan=plan, title="SSO live", status="achieved", achieved_on=day)
    Milestone.objects.create(plan=plan, title="All teams on", due_date=day + timedelta(days=30))
    LifecycleChange.objects.create(
        customer=customer,
        from_stage="onboarding",
        to_stage="adoption",
        source="admin",
        reason="Go-live done",
        changed_at=now - timedelta(days=60),
    )
    # Adoption: feature a used on 3 days (threshold 3: adopted), b on 1 (not adopted).
    a = FeatureFactory.create(name="Dashboards", adoption_threshold_days=3)
    b = FeatureFactory.create(name="Exports", adoption_threshold_days=3)
    for offset in range(3):
        FeatureUsage.objects.create(
            customer=customer, feature=a, date=day - timedelta(days=offset), events=4
        )
    FeatureUsage.objects.create(customer=customer, feature=b, date=day, events=1)
    WorkflowRun.objects.create(
        customer=customer, run_id="wr_acme_1", workflow_type="at_risk", status="running"
    )
    WorkflowRun.objects.create(
        customer=customer, run_id="wr_acme_0", workflow_type="at_risk", status="failed"
    )
    Alert.objects.create(customer=customer, alert_id="al_acme_1", title="Usage drop")
    Alert.objects.create(
        customer=customer, alert_id="al_acme_0", title="Old", status="resolved", resolved_at=now
    )
    Escalation.objects.create(
        customer=customer,
        escalation_id="esc_acme_1",
        owner_email="ops@company.com",
        reason="Exec complaint",
    )
    _feedback(customer, "fb_acme_1")
    treated = Campaign.objects.create(
        name="Win back",
        trigger_type="health_decline",
        campaign_type="retention",
        created_at=now - timedelta(days=10),
        ends_at=now + timedelta(days=80),
    )
    held_out = Campaign.objects.create(
        name="Adopt exports",
        trigger_type="health_decline",
        campaign_type="adoption",
        created_at=now - timedelta(days=20),
        ends_at=now + timedelta(days=70),
    )
    CampaignMember.objects.create(campaign=treated, customer=customer, group="treated")
    CampaignMember.objects.create(campaign=held_out, customer=customer, group="holdout")
    _touchpoint(customer, now + timedelta(days=2))
    ExpansionSnapshot.objects.create(
        customer=customer,
        as_of=day,
        computed_at=now,
        score=72,
        ready=True,
        model_version=1,
        rank_key="x",
    )

    response = staff.get(url(customer.pk))

    assert response.status_code == 200
    c360 = response.context["c360"]
    health = c360.health
    assert (health.score, health.grade, health.change_30d) == (62, "at_risk", 62 - 70)
    assert [(c.measure, c.score, c.effective_weight) for c in health.components] == [
        ("financial", None, 0.0),
        ("product_usage", 84.0, 0.5),
        ("support", 40.0, 0.5),
    ]
    assert health.components[2].inputs == (("urgent_open", 2),)
    assert [p.score for p in health.chart.points][-2:] == [45, 62]
    assert c360.arr == Decimal("150000")
    expected = finance_read.renewal_probabilities([customer.pk], day)[customer.pk]
    assert c360.renewal == expected
    assert c360.renewal.end_date == day + timedelta(days=65)  # the next contract to end
    assert c360.renewal_percent == round(expected.probability * 100, 1)
    assert (c360.tickets.total, c360.ticket_summary.open, c360.ticket_summary.open_urgent) == (
        3,
        2,
        1,
    )
    assert [t.status for t in c360.tickets.items] == ["open", "open", "resolved"]  # open first
    assert (c360.surveys.nps, c360.surveys.csat_mean) == (33.3, 4.5)
    assert [t.title for t in c360.tasks.items] == ["Call the sponsor", "Kick-off"]
    assert c360.contracts.total == 3
    assert [c.status for c in c360.contracts.items] == ["active", "active", "expired"]
    assert c360.invoices.total == 2
    assert c360.invoices.items[0].paid_at is None
    assert (c360.value.total, c360.value.record_count) == (Decimal("3500"), 2)
    assert [o.opportunity_id for o in c360.opportunities] == ["opp_acme_sso"]
    assert (c360.expansion.score, c360.expansion.ready) == (72, True)
    assert [(p.view.title, len(p.view.milestones)) for p in c360.plans] == [("Roll-out", 2)]
    assert [(s.to_stage, s.reason) for s in c360.lifecycle] == [("adoption", "Go-live done")]
    assert {(x.feature.name, x.adopted) for x in c360.adoption} == {
        ("Dashboards", True),
        ("Exports", False),
    }
    assert c360.adopted_features == 1
    assert [(m.name, m.group) for m in c360.campaigns.items] == [
        ("Win back", "treated"),
        ("Adopt exports", "holdout"),
    ]
    assert c360.touchpoints.total == 1
    assert c360.workflow_runs.total == 2
    assert c360.open_interventions.workflow_runs == 1
    assert [a.status for a in c360.alerts.items] == ["open", "resolved"]
    assert (c360.escalations.total, c360.open_interventions.escalations) == (1, 1)
    assert c360.feedback.total == 1

    html = response.content.decode()
    assert 'class="c360-grade c360-at_risk">62<' in html
    assert "<strong>&minus;8</strong>" in html
    assert "150,000" in html
    assert f"<strong>{c360.renewal_percent}%</strong>" in html
    assert "NPS <strong>33.3</strong>" in html
    assert "CSAT <strong>4.5</strong>" in html
    assert "<strong>3,500</strong> from 2 records" in html
    assert html.count('class="c360-component"') == 3
    assert html.count("<circle ") == len(health.chart.points)
    assert reverse("admin:finance_contract_change", args=[c360.contracts.items[0].pk]) in html
    assert reverse("admin:operations_escalation_change", args=[c360.escalations.items[0].pk]) in (
        html
    )
    assert reverse("admin:marketing_campaign_change", args=[treated.pk]) in html
    assert "Robin CSM" in html


def test_empty_customer_says_none_yet(staff: Any) -> None:
    customer = CustomerFactory.create()
    response = staff.get(url(customer.pk))
    assert response.status_code == 200
    c360 = response.context["c360"]
    assert c360.health.score is None
    assert c360.arr is None
    assert c360.renewal is None
    assert c360.tickets.total == 0
    assert c360.tickets.items == ()
    html = response.content.decode()
    # Every section but adoption (an empty catalogue) and the chart says so.
    assert html.count("None yet") >= 17


# --- bounded queries ----------------------------------------------------------------------------


def test_query_count_does_not_grow_with_rows(
    staff: Any, django_assert_max_num_queries: Any
) -> None:
    csm = TeamMemberFactory.create()
    few = CustomerFactory.create(success_manager=csm)
    many = CustomerFactory.create(success_manager=csm)
    populate(few, 1)
    populate(many, ROWS + 5)
    counts = []
    for customer in (few, many):
        with django_assert_max_num_queries(60) as captured:
            response = staff.get(url(customer.pk))
        assert response.status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
    c360 = response.context["c360"]
    assert (c360.tickets.total, len(c360.tickets.items), c360.tickets.more) == (15, ROWS, 5)
    assert "Showing 10 of 15." in response.content.decode()


# --- access -------------------------------------------------------------------------------------


def test_unknown_or_malformed_pk_is_404(staff: Any) -> None:
    assert staff.get(url(999999)).status_code == 404
    assert staff.get("/admin/customers/customer/not-a-pk/360/").status_code == 404


def test_anonymous_and_non_staff_go_to_login(client: Any) -> None:
    customer = CustomerFactory.create()
    response = client.get(url(customer.pk))
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    user = User.objects.create_user("plain", password="pw-plain-1")
    client.force_login(user)
    response = client.get(url(customer.pk))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_staff_without_customer_view_permission_is_403(client: Any) -> None:
    customer = CustomerFactory.create()
    user = User.objects.create_user("staffer", password="pw-staff-1", is_staff=True)
    client.force_login(user)
    assert client.get(url(customer.pk)).status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="view_customer"))
    client.force_login(User.objects.get(pk=user.pk))
    assert client.get(url(customer.pk)).status_code == 200


# --- links --------------------------------------------------------------------------------------


def test_change_page_and_list_column_link_to_360(staff: Any) -> None:
    from django.contrib import admin

    customer = CustomerFactory.create()
    change = staff.get(reverse("admin:customers_customer_change", args=[customer.pk]))
    assert f'href="{url(customer.pk)}"' in change.content.decode()
    model_admin = admin.site.get_model_admin(Customer)
    assert url(customer.pk) in model_admin.view_360(customer)


# --- the capped readers -------------------------------------------------------------------------


def test_capped_lists_first_rows_and_counts_all(django_assert_num_queries: Any) -> None:
    from integrations.capped import capped
    from operations import read as operations_read

    customer = CustomerFactory.create()
    other = CustomerFactory.create()
    now = timezone.now()
    for days in (1, 5, 3):
        TaskFactory.create(customer=customer, title=f"open {days}", due_at=now + timedelta(days))
    TaskFactory.create(customer=customer, title="undated")
    TaskFactory.create(customer=customer, title="done early", completed_at=now - timedelta(9))
    TaskFactory.create(customer=customer, title="done late", completed_at=now - timedelta(1))
    TaskFactory.create(customer=other, title="not mine")
    with django_assert_num_queries(1):
        tasks = operations_read.customer_tasks(customer.pk, limit=5)
    # Open first, soonest due first and undated last; then the latest completed.
    assert [t.title for t in tasks.items] == ["open 1", "open 3", "open 5", "undated", "done late"]
    assert (tasks.total, tasks.more) == (6, 1)
    with django_assert_num_queries(1):
        none = operations_read.customer_tasks(other.pk + 100, limit=5)
    assert (none.items, none.total, none.more) == ((), 0, 0)
    with pytest.raises(ValueError, match="limit"):
        capped(Customer.objects.all(), 0, operations_read.TaskRow)


def test_reasons_in_words_are_shown_above_the_formula(staff: Any) -> None:
    """The snapshot's top reasons (customers' health reasons), the costliest first: support
    costs 0.5 x (100 - 40) = 30 points, product usage 0.5 x (100 - 84) = 8; financial has no
    data and costs nothing."""
    import re

    customer = CustomerFactory.create()
    _snapshot(customer, timezone.now(), 62, "at_risk")
    html = staff.get(url(customer.pk)).content.decode()
    why = html[html.index("<h3>Why</h3>") : html.index('class="c360-formula"')]
    items = re.findall(r"<li>(.*?)</li>", why)
    assert [item.split(":")[0] for item in items] == ["support", "product_usage"]
    assert items[0].endswith("(−30)")
    assert items[1].endswith("(−8)")


def test_every_link_on_the_page_opens(staff: Any) -> None:
    """Each section's links (records and filtered admin lists) answer 200, not the admin's
    "invalid lookup" redirect or a 404."""
    import re
    from html import unescape

    customer = CustomerFactory.create(success_manager=TeamMemberFactory.create())
    populate(customer, 1)
    html = staff.get(url(customer.pk)).content.decode()
    # The page's own links: records (a pk in the path) and filtered lists (a query), not the
    # admin's navigation.
    links = {
        unescape(h)
        for h in re.findall(r'href="(/admin/[^"#]*)"', html)
        if "?" in h or re.search(r"/\d+/", h)
    }
    assert len(links) == 30  # one record and its filtered list per section, and so on
    for link in sorted(links):
        response = staff.get(link)
        assert response.status_code == 200, link
        if "customer__id__exact=" in link:
            assert response.context["cl"].result_count == 1, link


def test_every_link_on_the_page_opens_for_a_csm_too() -> None:
    """A CSM (the "CS managers" group) follows the same links: none is a 403."""
    import re
    from html import unescape

    from .conftest import signed_in

    csm = TeamMemberFactory.create()
    customer = CustomerFactory.create(success_manager=csm)
    populate(customer, 1)
    client = signed_in(csm)
    html = client.get(url(customer.pk)).content.decode()
    links = {unescape(h) for h in re.findall(r'href="(/admin/[^"#]*)"', html) if "logout" not in h}
    refused = [link for link in sorted(links) if client.get(link).status_code != 200]
    assert refused == []
