"""Each app's public read API (`<app>/read.py`): typed, set-based readers answer every asked
customer in a fixed number of queries, with the numbers their definitions give."""

from dataclasses import FrozenInstanceError
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from customers import read as customers_read
from customers.models import Customer, HealthScore, Milestone, SuccessPlan
from finance import read as finance_read
from integrations.clock import days_window
from operations import read as operations_read
from operations.models import Alert, Escalation, WorkflowRun
from product import read as product_read
from product.models import FeatureUsage
from tests.customers.factories import CustomerFactory, StakeholderFactory, TeamMemberFactory
from tests.finance.factories import ContractFactory, InvoiceFactory, ValueRecordFactory
from tests.operations.factories import SupportTicketFactory, SurveyResponseFactory
from tests.product.factories import FeatureFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _score(customer: Customer, at: datetime, score: int, grade: str = "healthy") -> HealthScore:
    return HealthScore.objects.create(
        customer=customer,
        computed_at=at,
        as_of=at.date(),
        score=score,
        non_usage_score=score - 1,
        grade=grade,
        model_version=1,
    )


# --- readers for expansion readiness (sales); imports local to keep merges apart ------------


def test_expansion_readers_of_customers(django_assert_num_queries: Any) -> None:
    from customers.models import Milestone, SuccessPlan

    a, b, c = CustomerFactory.create_batch(3)
    c.segment = "enterprise"
    c.save()
    plan = SuccessPlan.objects.create(customer=a, title="p")
    day = date(2026, 6, 30)
    for achieved_on, status in [
        (day, "achieved"),
        (day - timedelta(days=89), "achieved"),
        (day - timedelta(days=90), "achieved"),  # outside the 90 days
        (day, "missed"),
    ]:
        Milestone.objects.create(plan=plan, title="m", status=status, achieved_on=achieved_on)
    with django_assert_num_queries(1):
        found = customers_read.milestones_achieved([a.pk, b.pk], days_window(day, 90))
    assert found == {a.pk: 2}

    _score(a, NOW, 80)
    _score(b, NOW - timedelta(days=1), 90)
    _score(b, NOW, 60, "at_risk")  # the latest counts
    _score(c, NOW, 99)
    with django_assert_num_queries(1):
        healthy = set(customers_read.healthy_customers().values_list("pk", flat=True))
    assert healthy == {a.pk, c.pk}
    assert list(customers_read.healthy_customers().filter(segment="enterprise")) == [c]


def test_expansion_readers_of_product(django_assert_num_queries: Any) -> None:
    from product.models import Feedback

    a, b = CustomerFactory.create_batch(2)
    sso = FeatureFactory.create(feature_id="feat_sso", is_premium=True, list_price=6000)
    audit = FeatureFactory.create(
        feature_id="feat_audit", is_premium=True, list_price=8000, adoption_threshold_days=2
    )
    plain = FeatureFactory.create(feature_id="feat_plain")
    day = date(2026, 6, 30)
    for customer, feature, days in [(a, sso, 4), (a, audit, 1), (b, audit, 2), (b, plain, 9)]:
        for back in range(days):
            FeatureUsage.objects.create(
                customer=customer,
                feature=feature,
                date=day - timedelta(days=back),
                events=3,
                active_users=1,
            )
    with django_assert_num_queries(1):  # the catalogue alone: no customer asked
        premium = product_read.feature_signals([], day).premium_features
    assert [(f.feature_id, f.list_price) for f in premium] == [
        ("feat_audit", Decimal(8000)),
        ("feat_sso", Decimal(6000)),
    ]
    with django_assert_num_queries(1):
        adopted = product_read.premium_adoption([a.pk, b.pk], day)
    assert adopted == {a.pk: frozenset({"feat_sso"}), b.pk: frozenset({"feat_audit"})}
    subquery = Customer.objects.filter(pk=b.pk).values("pk")
    assert product_read.premium_adoption(subquery, day) == {b.pk: frozenset({"feat_audit"})}
    # The same catalogue and adoption from the one pass the expansion read-out makes (the
    # catalogue, the window's usage, the seats); a customer without usage adopted nothing.
    idle = CustomerFactory.create()
    with django_assert_num_queries(3):
        signals = product_read.feature_signals([a.pk, b.pk, idle.pk], day)
    assert signals.premium_features == premium  # the same with customers asked
    assert {pk: s.premium for pk, s in signals.customers.items()} == {
        a.pk: frozenset({"feat_sso"}),
        b.pk: frozenset({"feat_audit"}),
        idle.pk: frozenset(),
    }

    common: dict[str, Any] = {
        "category": "seats",
        "priority": "high",
        "business_impact": "important",
        "description": "more",
        "priority_score": 50,
        "status_changed_at": NOW,
    }
    for n, (customer, kind, status, age) in enumerate(
        [
            (a, "expansion_request", "submitted", 10),
            (a, "expansion_request", "delivered", 179),
            (a, "expansion_request", "declined", 5),  # declined: no longer asks
            (a, "expansion_request", "submitted", 180),  # outside the 180 days
            (b, "feature_request", "submitted", 1),
        ]
    ):
        item = Feedback.objects.create(
            feedback_id=f"fb_x{n}", customer=customer, type=kind, status=status, **common
        )
        created = datetime(2026, 6, 30, 12, tzinfo=UTC) - timedelta(days=age)
        Feedback.objects.filter(pk=item.pk).update(created_at=created)
    with django_assert_num_queries(1):
        asks = product_read.expansion_requests([a.pk, b.pk], days_window(day, 180))
    assert asks == {a.pk: 2}


def test_expansion_readers_of_finance(django_assert_num_queries: Any) -> None:
    from tests.finance.factories import OpportunityFactory

    a, b = CustomerFactory.create_batch(2)
    ContractFactory.create(customer=a, value=Decimal("1000.50"))
    ContractFactory.create(customer=a, value=Decimal(2000))
    ContractFactory.create(customer=a, value=Decimal(9999), status="churned")
    day = date(2026, 6, 30)
    # Realised value: records on or before the day (a: 100 + 20.25; the later one is not).
    ValueRecordFactory.create(customer=a, date=day, amount=Decimal(100))
    ValueRecordFactory.create(customer=a, date=day - timedelta(days=40), amount=Decimal("20.25"))
    ValueRecordFactory.create(customer=a, date=day + timedelta(days=1), amount=Decimal(7))
    # b: only a churned contract and one record; nobody: no row at all.
    ContractFactory.create(customer=b, value=Decimal(500), status="churned")
    ValueRecordFactory.create(customer=b, date=day, amount=Decimal(3))
    nobody = CustomerFactory.create()
    with django_assert_num_queries(1):
        totals = finance_read.contract_value_totals([a.pk, b.pk, nobody.pk], day)
    # 1-year terms: ARR = value.
    assert totals[a.pk] == finance_read.ContractValueTotals(
        Decimal("3000.50"), Decimal("3000.50"), Decimal("120.25")
    )
    assert totals[b.pk] == finance_read.ContractValueTotals(None, None, Decimal(3))
    assert totals[nobody.pk] == finance_read.ContractValueTotals(None, None, None)
    assert finance_read.realized_value([a.pk], day)[a.pk].total == totals[a.pk].realized_value
    OpportunityFactory.create(
        customer=a, opportunity_id="opp_2", expected_close="q4_2026", source="customer"
    )
    OpportunityFactory.create(customer=a, opportunity_id="opp_1", expected_close="q3_2026")
    OpportunityFactory.create(
        customer=b, source="customer", status="won", closed_value=5, closed_on=day
    )
    OpportunityFactory.create(
        customer=b, source="customer", status="lost", closed_on=day - timedelta(days=1)
    )
    with django_assert_num_queries(1):
        found = finance_read.open_opportunities([a.pk, b.pk])
    assert [(o.opportunity_id, o.expected_close, o.source) for o in found[a.pk]] == [
        ("opp_1", "q3_2026", "cs"),
        ("opp_2", "q4_2026", "customer"),
    ]
    assert b.pk not in found
    with django_assert_num_queries(1):
        asked = finance_read.customer_sourced_opportunities([a.pk, b.pk], days_window(day, 180))
    assert asked == {a.pk: 1, b.pk: 1}
    assert (
        finance_read.customer_sourced_opportunities([b.pk], days_window(day - timedelta(1), 9))
        == {}
    )
    # Both from one statement, as the expansion read-out reads them: a has its two open ones
    # (one customer-sourced), b none open and its won customer-sourced one in the window.
    with django_assert_num_queries(1):
        both = finance_read.pipeline_and_asks([a.pk, b.pk], days_window(day, 180))
    assert both == {
        a.pk: finance_read.PipelineAndAsks(found[a.pk], 1),
        b.pk: finance_read.PipelineAndAsks((), 1),
    }
    assert finance_read.pipeline_and_asks([b.pk], days_window(day - timedelta(1), 9)) == {}


def test_latest_health_and_30_day_change_for_many_customers(django_assert_num_queries: Any) -> None:
    a, b, none = CustomerFactory.create_batch(3)
    _score(a, NOW - timedelta(days=30), 80)
    _score(a, NOW, 62, "at_risk")
    _score(b, NOW - timedelta(days=2), 90)
    _score(b, NOW - timedelta(days=1), 91)
    pks = [a.pk, b.pk, none.pk]
    with django_assert_num_queries(1):
        latest = customers_read.latest_health_scores(pks)
    assert {pk: (s.score, s.grade) for pk, s in latest.items()} == {
        a.pk: (62, "at_risk"),
        b.pk: (91, "healthy"),
    }
    assert (
        customers_read.latest_health_scores(pks, computed_until=NOW - timedelta(days=1))[a.pk].score
        == 80
    )
    changes = customers_read.health_changes(pks)
    assert changes[a.pk].change_30d == -18
    assert changes[b.pk].change_30d is None  # no snapshot near 30 days before
    with pytest.raises(FrozenInstanceError):
        setattr(latest[a.pk], "score", 1)  # noqa: B010 - the frozen dataclass must refuse it


def test_stakeholder_coverage_and_active_customers(django_assert_num_queries: Any) -> None:
    a, b = CustomerFactory.create_batch(2)
    CustomerFactory.create(status="churned")
    StakeholderFactory.create(customer=a, is_champion=True)
    StakeholderFactory.create(customer=a, is_executive_sponsor=True)
    with django_assert_num_queries(1):
        found = customers_read.stakeholder_coverage([a.pk, b.pk])
    assert found == {a.pk: customers_read.StakeholderCoverage(2, 1, 1)}
    assert found[a.pk].has_champion
    assert found[a.pk].has_executive_sponsor
    assert sorted(customers_read.active_customer_pks()) == sorted([a.pk, b.pk])


def test_arr_rank_reads_the_registered_arr() -> None:
    low, high, none = CustomerFactory.create_batch(3)
    ContractFactory.create(customer=low, value=Decimal("50000"))
    ContractFactory.create(customer=high, value=Decimal("150000"))
    assert customers_read.arr_rank(low.pk) == customers_read.ArrRank(Decimal("50000"), 0.5, 2)
    assert customers_read.arr_rank(none.pk) == customers_read.ArrRank(None, 0.0, 2)


def test_usage_totals_and_key_feature_adoption(django_assert_num_queries: Any) -> None:
    a, b = CustomerFactory.create_batch(2)
    key = FeatureFactory.create(feature_id="feat_key", is_key=True, adoption_threshold_days=2)
    day = date(2026, 6, 1)
    for offset, events in ((0, 10), (1, 5), (40, 30)):
        FeatureUsage.objects.create(
            customer=a, feature=key, date=day - timedelta(days=offset), events=events
        )
    with django_assert_num_queries(1):
        totals = product_read.usage_totals([a.pk, b.pk], day)
    assert totals == {a.pk: product_read.UsageTotals(15, 30)}
    assert totals[a.pk].ratio == 0.5
    assert product_read.usage_ratio(4, 0) is None
    with django_assert_num_queries(2):
        adoption = product_read.key_feature_adoption([a.pk, b.pk], day)
    assert adoption == {
        a.pk: product_read.KeyFeatureAdoption(("feat_key",), 1),
        b.pk: product_read.KeyFeatureAdoption((), 1),
    }


def test_open_interventions_tickets_and_surveys(django_assert_num_queries: Any) -> None:
    a, b = CustomerFactory.create_batch(2)
    WorkflowRun.objects.create(run_id="wfr_1", customer=a, workflow_type="x", status="running")
    WorkflowRun.objects.create(run_id="wfr_2", customer=a, workflow_type="x", status="completed")
    Escalation.objects.create(escalation_id="esc_1", customer=a, owner_email="o@x.io", reason="r")
    Alert.objects.create(alert_id="al_1", customer=b, title="t", status="resolved")
    with django_assert_num_queries(1):
        found = operations_read.open_interventions([a.pk, b.pk])
    assert found[a.pk] == operations_read.OpenInterventions(1, 1, 0)
    assert found[a.pk].any
    assert found[b.pk] == operations_read.OpenInterventions()
    assert not found[b.pk].any

    SupportTicketFactory.create(customer=a, opened_at=NOW, priority="urgent")
    SupportTicketFactory.create(customer=a, opened_at=NOW - timedelta(days=40), status="closed")
    window = {"window": days_window(NOW.date(), 30)}
    with django_assert_num_queries(1):
        tickets = operations_read.ticket_summaries([a.pk, b.pk], **window)
    assert tickets == {
        a.pk: operations_read.TicketSummary(open=1, open_urgent=1, opened_in_window=1),
        b.pk: operations_read.TicketSummary(),
    }

    SurveyResponseFactory.create(customer=a, kind="nps", score=10, answered_at=NOW)
    SurveyResponseFactory.create(customer=a, kind="nps", score=3, answered_at=NOW)
    SurveyResponseFactory.create(customer=a, kind="csat", score=4, answered_at=NOW)
    SurveyResponseFactory.create(customer=a, kind="csat", score=5, answered_at=NOW)
    with django_assert_num_queries(1):
        surveys = operations_read.survey_summaries([a.pk, b.pk], **window)
    assert surveys == {a.pk: operations_read.SurveySummary(2, 1, 1, 2, 4.5)}
    assert surveys[a.pk].nps == 0.0


def test_arr_contracts_ending_and_payment_status(django_assert_num_queries: Any) -> None:
    a, b = CustomerFactory.create_batch(2)
    ContractFactory.create(customer=a, contract_id="ctr_a", end_date=date(2026, 8, 1))
    ContractFactory.create(customer=a, contract_id="ctr_old", status="renewed")
    with django_assert_num_queries(1):
        arr = finance_read.arr([a.pk, b.pk])
    assert arr == {a.pk: Decimal("120000.00")}
    with django_assert_num_queries(1):
        ending = finance_read.contracts_ending(
            [a.pk, b.pk], after=date(2026, 7, 1), until=date(2026, 9, 29)
        )
    assert ending == {
        a.pk: (finance_read.ContractEnding("ctr_a", date(2026, 8, 1), Decimal("120000.00")),)
    }
    InvoiceFactory.create(customer=b, issued_on=date(2026, 1, 1), due_on=date(2026, 2, 1))
    with django_assert_num_queries(1):
        status = finance_read.payment_status([a.pk, b.pk], date(2026, 2, 11))
    assert list(status) == [b.pk]
    assert status[b.pk].payment_status == "overdue_1_15"
    assert status[b.pk].max_days_overdue == 10


def test_point_in_time_readers_for_the_renewal_features(django_assert_num_queries: Any) -> None:
    """Seat utilisation, open escalations and executive sponsors as they stood on a day."""
    day = NOW.date()
    seated, seatless, quiet = (
        CustomerFactory.create(licensed_seats=20),
        CustomerFactory.create(licensed_seats=0),
        CustomerFactory.create(licensed_seats=5),
    )
    feature = FeatureFactory.create()
    for customer, users, days_ago in ((seated, 8, 3), (seated, 12, 29), (seated, 40, 30)):
        FeatureUsage.objects.create(
            customer=customer,
            feature=feature,
            date=day - timedelta(days=days_ago),
            events=1,
            active_users=users,
        )
    pks = [seated.pk, seatless.pk, quiet.pk]
    with django_assert_num_queries(1):
        seats = product_read.seat_utilisation(pks, day)
    # (day - 30, day]: peak 12 of 20 seats; the 40 users 30 days ago fall outside.
    assert seats == {seated.pk: 12 / 20, quiet.pk: 0.0}

    Escalation.objects.create(
        customer=seated,
        escalation_id="esc_1",
        owner_email="o@x.io",
        reason="r",
        opened_at=NOW - timedelta(days=2),
    )
    Escalation.objects.create(
        customer=seated,
        escalation_id="esc_2",
        owner_email="o@x.io",
        reason="r",
        opened_at=NOW - timedelta(days=9),
        resolved_at=NOW - timedelta(days=1),
    )
    with django_assert_num_queries(1):
        assert operations_read.open_escalations_on(pks, day) == {seated.pk: 1}
    assert operations_read.open_escalations_on(pks, day - timedelta(days=2)) == {seated.pk: 2}

    sponsor = StakeholderFactory.create(customer=quiet, is_executive_sponsor=True)
    type(sponsor).objects.filter(pk=sponsor.pk).update(created_at=NOW - timedelta(days=1))
    with django_assert_num_queries(1):
        assert customers_read.executive_sponsor_on(pks, day) == {quiet.pk}
    assert customers_read.executive_sponsor_on(pks, day - timedelta(days=2)) == set()
    assert customers_read.customer_segments([quiet.pk]) == {quiet.pk: "mid_market"}


# --- readers the sales handoff added -----------------------------------------------------


def test_usage_window(django_assert_num_queries: Any) -> None:
    a, b = CustomerFactory.create_batch(2)
    f1, f2 = FeatureFactory.create_batch(2)
    day = date(2026, 6, 1)
    rows = [(f1, 0, 10, 4), (f2, 0, 3, 9), (f1, 29, 5, 2), (f1, 30, 100, 50), (f2, 5, 0, 0)]
    for feature, back, events, users in rows:
        FeatureUsage.objects.create(
            customer=a,
            feature=feature,
            date=day - timedelta(days=back),
            events=events,
            active_users=users,
        )
    with django_assert_num_queries(1):
        found = product_read.usage_window([a.pk, b.pk], day)
    # (day - 30, day]: 10 + 3 + 5 events, peak 9 users, active on 2 days (day - 5 had nothing).
    assert found == {a.pk: product_read.UsageWindow(18, 9, 2)}


def test_team_member_loads_and_success_plans(django_assert_num_queries: Any) -> None:
    csm = TeamMemberFactory.create(email="sam@company.com", capacity=1)
    TeamMemberFactory.create(email="off@company.com", active=False)
    CustomerFactory.create_batch(2, success_manager=csm)
    CustomerFactory.create(success_manager=csm, status="churned", lifecycle_stage="churned")
    with django_assert_num_queries(1):
        loads = customers_read.team_member_loads(["SAM@company.com", "off@company.com", "x@y.z"])
    assert loads["sam@company.com"].assigned == 2  # active customers only
    assert loads["sam@company.com"].over_capacity is True
    assert loads["off@company.com"].active is False
    assert set(loads) == {"sam@company.com", "off@company.com"}

    plan = SuccessPlan.objects.create(
        customer=CustomerFactory.create(), title="P", objectives=["roi_target"]
    )
    Milestone.objects.create(plan=plan, title="Late", due_date=date(2026, 3, 1))
    Milestone.objects.create(plan=plan, title="Early", due_date=date(2026, 1, 1))
    with django_assert_num_queries(2):
        plans = customers_read.success_plans([plan.pk])
    view = plans[plan.pk]
    assert [m.title for m in view.milestones] == ["Early", "Late"]
    assert view.objectives[0]["criterion"] == "roi_target"
    assert view.objectives[0]["measurable"] is False
    with django_assert_num_queries(0):
        assert customers_read.success_plans([]) == {}


def test_contract_refs(django_assert_num_queries: Any) -> None:
    contract = ContractFactory.create(contract_id="ctr_x")
    with django_assert_num_queries(1):
        refs = finance_read.contract_refs(["ctr_x", "ctr_none"])
    assert refs == {"ctr_x": finance_read.ContractRef(contract.pk, contract.customer_id)}


# --- readers the marketing campaigns added ---------------------------------------------------


def test_customer_refs(django_assert_num_queries: Any) -> None:
    churned_at = datetime(2026, 5, 1, 12, tzinfo=UTC)
    live = CustomerFactory.create(customer_id="cust_live")
    gone = CustomerFactory.create(
        customer_id="cust_gone", status="churned", lifecycle_stage="churned", churned_at=churned_at
    )
    with django_assert_num_queries(1):
        refs = customers_read.customer_refs([live.pk, gone.pk, 999_999])
    assert refs == {
        live.pk: customers_read.CustomerRef("cust_live", "active", None),
        gone.pk: customers_read.CustomerRef("cust_gone", "churned", churned_at),
    }
    assert refs[gone.pk].churned_by(churned_at) is True
    assert refs[gone.pk].churned_by(churned_at - timedelta(seconds=1)) is False
    assert refs[live.pk].churned_by(churned_at) is False
    with django_assert_num_queries(0):
        assert customers_read.customer_refs([]) == {}


# --- readers for marketing journeys (lifecycle history, open interventions by id) ----------


def test_lifecycle_histories(django_assert_num_queries: Any) -> None:
    from customers.models import LifecycleChange

    a, b, none = CustomerFactory.create_batch(3)
    t0 = datetime(2026, 5, 1, tzinfo=UTC)
    for customer, moves in ((a, [("", "onboarding"), ("onboarding", "adoption")]), (b, [])):
        for n, (from_stage, to_stage) in enumerate(moves):
            LifecycleChange.objects.create(
                customer=customer,
                from_stage=from_stage,
                to_stage=to_stage,
                source="api",
                reason=f"r{n}",
                changed_at=t0 + timedelta(days=n),
            )
    # Two rows at one instant: the newer row first.
    LifecycleChange.objects.create(
        customer=a,
        from_stage="adoption",
        to_stage="at_risk",
        source="system",
        reason="same",
        changed_at=t0 + timedelta(days=1),
    )
    with django_assert_num_queries(1):
        found = customers_read.lifecycle_histories([a.pk, b.pk, none.pk])
    assert [(c.from_stage, c.to_stage, c.reason) for c in found[a.pk]] == [
        ("adoption", "at_risk", "same"),
        ("onboarding", "adoption", "r1"),
        ("", "onboarding", "r0"),
    ]
    assert found[a.pk][-1].changed_at == t0
    assert found[b.pk] == ()
    assert found[none.pk] == ()
    with django_assert_num_queries(0):
        assert customers_read.lifecycle_histories([]) == {}


def test_open_intervention_refs(django_assert_num_queries: Any) -> None:
    a, b, quiet = CustomerFactory.create_batch(3)
    WorkflowRun.objects.create(run_id="wr_1", customer=a, workflow_type="x", status="running")
    WorkflowRun.objects.create(run_id="wr_2", customer=a, workflow_type="x", status="pending")
    WorkflowRun.objects.create(run_id="wr_3", customer=a, workflow_type="x", status="completed")
    Escalation.objects.create(
        escalation_id="esc_1", customer=b, owner_email="o@x.co", reason="r", status="in_progress"
    )
    Escalation.objects.create(
        escalation_id="esc_2", customer=b, owner_email="o@x.co", reason="r", status="resolved"
    )
    Alert.objects.create(alert_id="al_1", customer=quiet, title="t")  # alerts are not listed
    with django_assert_num_queries(2):
        refs = operations_read.open_intervention_refs([a.pk, b.pk, quiet.pk])
    assert set(refs) == {a.pk, b.pk}
    assert refs[a.pk].workflow_runs == (("wr_1", "running"), ("wr_2", "pending"))
    assert refs[a.pk].describe() == "workflow run wr_1 running; workflow run wr_2 pending"
    assert refs[b.pk].describe() == "escalation esc_1 in_progress"
    assert refs[b.pk].any
    assert not operations_read.OpenInterventionRefs().any
    with django_assert_num_queries(0):
        assert operations_read.open_intervention_refs([]) == {}


# --- readers the marketing signals added (health read-out, lifecycle, segments) ------------


def test_lifecycle_positions(django_assert_num_queries: Any) -> None:
    from customers.models import LifecycleChange

    moved, never = CustomerFactory.create_batch(2)
    Customer.objects.filter(pk=moved.pk).update(lifecycle_stage="adoption")
    for stage, day in (("adoption", 1), ("at_risk", 5), ("adoption", 9)):
        LifecycleChange.objects.create(
            customer=moved, to_stage=stage, source="api", changed_at=NOW + timedelta(days=day)
        )
    with django_assert_num_queries(1):
        found = customers_read.lifecycle_positions([moved.pk, never.pk, 0])
    # The latest row that moved it into its current stage (day 9), not the first (day 1).
    assert found == {
        moved.pk: customers_read.LifecyclePosition("active", "adoption", NOW + timedelta(days=9)),
        never.pk: customers_read.LifecyclePosition("active", "onboarding", never.created_at),
    }
    with django_assert_num_queries(0):
        assert customers_read.lifecycle_positions([]) == {}


def test_health_changes_at_each_customers_own_moment(django_assert_num_queries: Any) -> None:
    """Customers last scored at different moments (recomputes): two queries still, each
    compared with the snapshot nearest 30 days before its own latest one."""
    a, b, c = CustomerFactory.create_batch(3)
    _score(a, NOW - timedelta(days=30), 80)
    _score(a, NOW, 70)  # -10
    # b's latest is NOW + 5 d 3 h: its target NOW - 24 d 21 h.
    _score(b, NOW - timedelta(days=40), 50)  # 15 d 3 h before the target: outside ±7 days
    _score(b, NOW - timedelta(days=26), 58)  # 1 d 3 h before the target: the reference
    _score(b, NOW + timedelta(days=5, hours=3), 66)  # 66 - 58 = +8
    _score(c, NOW - timedelta(days=38), 90)  # 8 days off the target: outside ±7
    _score(c, NOW, 60)
    never = CustomerFactory.create()  # no snapshot: left out
    with django_assert_num_queries(2):
        found = customers_read.health_changes([a.pk, b.pk, c.pk, never.pk])
    assert {pk: (ch.latest.score, ch.change_30d) for pk, ch in found.items()} == {
        a.pk: (70, -10),
        b.pk: (66, 8),
        c.pk: (60, None),
    }
    assert found[b.pk].reference == customers_read.Reference(NOW - timedelta(days=26), 58)
    # The same references as the one-moment reader gives.
    assert customers_read.health_references([b.pk], NOW + timedelta(days=5, hours=3)) == {
        b.pk: found[b.pk].reference
    }


def test_health_changes_as_of_a_day() -> None:
    customer = CustomerFactory.create()
    _score(customer, NOW - timedelta(days=30), 80)
    _score(customer, NOW, 70)
    latest = customers_read.health_changes([customer.pk])[customer.pk]
    assert (latest.latest.score, latest.change_30d) == (70, -10)
    before = customers_read.health_changes([customer.pk], as_of_until=NOW.date() - timedelta(1))
    assert (before[customer.pk].latest.score, before[customer.pk].change_30d) == (80, None)
    assert customers_read.health_detail(customer, weeks=12)["score"] == 70


def test_expansion_readiness_and_handoff_dates(django_assert_num_queries: Any) -> None:
    from sales import read as sales_read
    from sales.models import ExpansionSnapshot, Handoff

    a, b = CustomerFactory.create_batch(2)
    for score, latest in ((82, False), (64, True)):
        ExpansionSnapshot.objects.create(
            customer=a,
            as_of=date(2026, 6, 1),
            computed_at=NOW,
            score=score,
            ready=score >= 70,
            model_version=2,
            is_latest=latest,
            rank_key=f"{score}",
        )
    with django_assert_num_queries(1):
        found = sales_read.expansion_readiness([a.pk, b.pk])
    assert found == {a.pk: sales_read.ExpansionReadiness(64, False, date(2026, 6, 1), 2)}
    handoff = Handoff.objects.create(
        customer=b,
        deal_value=Decimal(1000),
        contract_terms="1_year",
        onboarding_start=date(2026, 6, 8),
        first_check_in=date(2026, 6, 15),
        baseline_as_of=date(2026, 6, 1),
        completed_at=NOW,
    )
    with django_assert_num_queries(1):
        dates = sales_read.handoff_dates([a.pk, b.pk])
    assert dates == {b.pk: sales_read.HandoffDates(handoff.handoff_id, NOW, date(2026, 6, 8))}
    with django_assert_num_queries(0):
        assert sales_read.expansion_readiness([]) == sales_read.handoff_dates([]) == {}


def test_first_contract_starts(django_assert_num_queries: Any) -> None:
    a, b = CustomerFactory.create_batch(2)
    ContractFactory.create(customer=a, start_date=date(2025, 3, 1), status="renewed")
    ContractFactory.create(customer=a, start_date=date(2026, 3, 1))
    with django_assert_num_queries(1):
        found = finance_read.first_contract_starts([a.pk, b.pk])
    assert found == {a.pk: date(2025, 3, 1)}  # whatever its status now


def test_customers_among_excludes_and_restricts(django_assert_num_queries: Any) -> None:
    a, b, c = CustomerFactory.create_batch(3)
    with django_assert_num_queries(1):
        assert set(customers_read.customers_among([a.pk, b.pk, 10**9], excluding=[b.pk])) == {a}
    assert set(customers_read.customers_among(None, excluding=[a.pk])) == {b, c}
    assert set(customers_read.customers_among(None)) == {a, b, c}
    assert set(customers_read.customers_among([], excluding=[a.pk])) == set()
