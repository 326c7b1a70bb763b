"""A write service works on the committed row, not on the caller's copy (both databases).

The caller's instance is made stale on purpose (the row changes behind its back, as a racing
request would); the service must re-read under a lock, write only the fields it was given,
and check rules against what is committed.
"""

from datetime import UTC, datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from customers import services
from customers.errors import CustomerNotFound, IllegalStageTransition
from customers.models import Customer, LifecycleChange, Stakeholder, TeamMember
from integrations.domain_errors import Invalid
from integrations.writes import lock
from operations.models import Alert
from operations.workflows.incidents import alert_update
from product.models import Feedback
from product.services.feedback import feedback_update
from tests.customers.factories import CustomerFactory, StakeholderFactory, TeamMemberFactory

pytestmark = pytest.mark.django_db

CHURNED_AT = datetime(2026, 1, 5, tzinfo=UTC)


def test_customer_update_keeps_fields_changed_behind_its_back() -> None:
    stale = CustomerFactory.create(customer_id="c1", segment="mid_market", licensed_seats=10)
    Customer.objects.filter(pk=stale.pk).update(segment="enterprise", name="Renamed")
    updated = services.customer_update(customer=stale, data={"licensed_seats": 99})
    row = Customer.objects.get(pk=stale.pk)
    assert (row.segment, row.name, row.licensed_seats) == ("enterprise", "Renamed", 99)
    assert (updated.segment, updated.licensed_seats) == ("enterprise", 99)  # refreshed


def test_customer_stage_change_is_checked_against_the_committed_stage() -> None:
    stale = CustomerFactory.create(customer_id="c1", lifecycle_stage="onboarding")
    Customer.objects.filter(pk=stale.pk).update(
        lifecycle_stage="churned", status="churned", churned_at=CHURNED_AT
    )
    with pytest.raises(IllegalStageTransition) as raised:
        services.customer_update(customer=stale, data={"lifecycle_stage": "adoption"})
    assert raised.value.allowed == ["onboarding"]
    assert Customer.objects.get(pk=stale.pk).lifecycle_stage == "churned"
    assert not LifecycleChange.objects.exists()


def test_stage_history_starts_from_the_committed_stage() -> None:
    stale = CustomerFactory.create(customer_id="c1", lifecycle_stage="onboarding")
    Customer.objects.filter(pk=stale.pk).update(lifecycle_stage="adoption")
    services.customer_change_stage(customer=stale, to_stage="churned", source="api", reason="")
    change = LifecycleChange.objects.get()
    assert (change.from_stage, change.to_stage) == ("adoption", "churned")
    assert Customer.objects.get(pk=stale.pk).lifecycle_stage == "churned"


def test_churning_again_keeps_the_committed_churn_date() -> None:
    stale = CustomerFactory.create(customer_id="c1", lifecycle_stage="renewal")
    Customer.objects.filter(pk=stale.pk).update(
        lifecycle_stage="churned", status="churned", churned_at=CHURNED_AT
    )
    services.customer_update(customer=stale, data={"status": "churned"})
    row = Customer.objects.get(pk=stale.pk)
    assert (row.status, row.churned_at) == ("churned", CHURNED_AT)
    assert not LifecycleChange.objects.exists()  # it was churned already: no stage change


def test_churned_at_needs_a_committed_churned_status() -> None:
    stale = CustomerFactory.create(
        customer_id="c1", lifecycle_stage="churned", status="churned", churned_at=CHURNED_AT
    )
    Customer.objects.filter(pk=stale.pk).update(
        lifecycle_stage="onboarding", status="active", churned_at=None
    )
    with pytest.raises(Invalid) as raised:
        services.customer_update(customer=stale, data={"churned_at": CHURNED_AT})
    assert (raised.value.attr, raised.value.code) == ("churned_at", "invalid")
    assert Customer.objects.get(pk=stale.pk).churned_at is None


def test_update_of_a_deleted_customer_is_not_found() -> None:
    stale = CustomerFactory.create(customer_id="c1")
    Customer.objects.filter(pk=stale.pk).delete()
    with pytest.raises(CustomerNotFound):
        services.customer_update(customer=stale, data={"name": "x"})


def test_stakeholder_update_keeps_fields_changed_behind_its_back() -> None:
    stale = StakeholderFactory.create(role="CTO", name="Pat")
    Stakeholder.objects.filter(pk=stale.pk).update(role="CFO")
    services.stakeholder_update(stakeholder=stale, data={"name": "Pat Person"})
    row = Stakeholder.objects.get(pk=stale.pk)
    assert (row.name, row.role) == ("Pat Person", "CFO")


def test_team_member_update_keeps_fields_changed_behind_its_back() -> None:
    stale = TeamMemberFactory.create(capacity=10, skills=["a"])
    TeamMember.objects.filter(pk=stale.pk).update(capacity=70, active=False)
    services.team_member_update(member=stale, data={"skills": ["renewals"]})
    row = TeamMember.objects.get(pk=stale.pk)
    assert (row.capacity, row.active, row.skills) == (70, False, ["renewals"])


def test_feedback_update_writes_only_its_own_fields() -> None:
    customer = CustomerFactory.create()
    stale = Feedback.objects.create(
        feedback_id="fb_1",
        customer=customer,
        type="feature_request",
        category="reporting",
        priority="medium",
        business_impact="important",
        description="Export",
        priority_score=10,
        status="submitted",
        status_changed_at=CHURNED_AT,
    )
    Feedback.objects.filter(pk=stale.pk).update(description="Export to PDF", priority_score=40)
    feedback_update(feedback=stale, status="reviewing", changed_by="key:x")
    row = Feedback.objects.get(pk=stale.pk)
    assert (row.status, row.description, row.priority_score) == ("reviewing", "Export to PDF", 40)


def test_alert_update_writes_only_its_own_fields() -> None:
    customer = CustomerFactory.create()
    stale = Alert.objects.create(alert_id="alt_1", customer=customer, title="Old")
    Alert.objects.filter(pk=stale.pk).update(title="New")
    alert_update(alert=stale, status="resolved")
    row = Alert.objects.get(pk=stale.pk)
    assert (row.title, row.status) == ("New", "resolved")
    assert row.resolved_at is not None


@pytest.mark.django_db(transaction=True)
def test_lock_refuses_to_read_outside_a_transaction() -> None:
    """On SQLite the write lock is taken when the atomic block begins (BEGIN IMMEDIATE), so
    a read outside one would not be protected."""
    customer = CustomerFactory.create()
    with pytest.raises(transaction.TransactionManagementError):
        lock(customer, missing=CustomerNotFound())


@pytest.mark.django_db(transaction=True)
def test_on_sqlite_a_write_service_takes_the_write_lock_before_it_reads() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL locks the row itself (FOR NO KEY UPDATE)")
    customer = CustomerFactory.create(customer_id="c1")
    with CaptureQueriesContext(connection) as queries:
        services.customer_update(customer=customer, data={"licensed_seats": 7})
    statements = [q["sql"] for q in queries.captured_queries]
    assert statements[0] == "BEGIN IMMEDIATE"
    assert statements[1].startswith("SELECT")
    assert "customers_customer" in statements[1]
