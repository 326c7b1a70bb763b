"""GET /api/v1/cs-finance/value/{customer_id} (README, "Finance: value realisation"): every
field hand-computed from known rows, null reasons, 404, scope, the spec example's fields and a
fixed number of queries."""

import math
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from finance.api import value_views
from finance.models import Contract, RenewalModelVersion
from finance.selectors import value as selectors
from integrations.rounding import round_half_up
from operations.models import Escalation, WorkflowRun
from tests.conftest import MakeClient
from tests.customers.factories import CustomerFactory
from tests.finance.factories import (
    ContractFactory,
    InvoiceFactory,
    OpportunityFactory,
    ValueRecordFactory,
)
from tests.product.factories import FeatureFactory

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 6, 30)


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time().replace(hour=12)))


def _contract(customer: Any, status: str, start: date, end: date, value: int) -> None:
    ContractFactory.create(
        customer=customer,
        status=status,
        start_date=start,
        end_date=end,
        value=Decimal(value),
        annual_value=Decimal(value),
    )


def _history(customer: Any) -> None:
    """Contracted 150,000 (two active); realised 150,750 (ROI 100.5 -> 101 half-up), reaching
    150,000 on 2026-02-15; renewed 40,000 (100 days after an escalation: counted) and 25,000
    (200 days after a workflow run: not counted); won 20,000 (cs) + 10,000 (sales)."""
    _contract(customer, "active", date(2025, 1, 15), date(2026, 12, 31), 120000)
    _contract(customer, "active", date(2025, 7, 1), date(2026, 12, 31), 30000)
    escalated = date(2025, 1, 1)
    Escalation.objects.create(
        customer=customer,
        escalation_id="esc_v1",
        owner_email="ops@company.com",
        reason="risk",
        opened_at=_at(escalated),
    )
    _contract(customer, "renewed", date(2024, 4, 11), escalated + timedelta(days=100), 40000)
    ran = date(2024, 3, 1)
    WorkflowRun.objects.create(
        customer=customer, run_id="run_v1", workflow_type="save", started_at=_at(ran)
    )
    _contract(customer, "renewed", date(2023, 9, 18), ran + timedelta(days=200), 25000)
    for day, amount in [
        (date(2025, 3, 1), 50000),
        (date(2025, 9, 1), 60000),
        (date(2026, 2, 15), 40750),
        (date(2026, 8, 1), 99999),  # after as_of: not realised yet
    ]:
        ValueRecordFactory.create(customer=customer, date=day, amount=Decimal(amount))
    for value, source, closed_on in [(20000, "cs", date(2025, 6, 1)), (10000, "sales", None)]:
        OpportunityFactory.create(
            customer=customer,
            status="won",
            source=source,
            closed_value=Decimal(value),
            closed_on=closed_on or date(2026, 1, 10),
        )
    OpportunityFactory.create(customer=customer, status="lost", closed_on=date(2026, 2, 1))
    OpportunityFactory.create(customer=customer, value=Decimal(40000), probability=0.25)
    OpportunityFactory.create(customer=customer, value=Decimal(8000), probability=0.5)
    # 31 days overdue on as_of: the finer bucket overdue_31_60, i.e. delinquent.
    InvoiceFactory.create(customer=customer, issued_on=date(2026, 5, 1), due_on=date(2026, 5, 30))


def _get(client: Any, customer_id: str, monkeypatch: Any) -> Any:
    monkeypatch.setattr(value_views, "today", lambda: AS_OF)
    return client.get(f"/api/v1/cs-finance/value/{customer_id}")


def test_hand_computed_numbers(make_client: MakeClient, monkeypatch: Any) -> None:
    customer = CustomerFactory.create()
    _history(customer)
    response = _get(make_client("finance:read"), customer.customer_id, monkeypatch)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["customer_id"] == customer.customer_id
    assert body["as_of"] == "2026-06-30"
    assert body["value_realization"] == {
        "contracted_value": 150000,
        "realized_value": 150750,
        "roi_percentage": 101,
        "roi_reason": None,
        # first contract start 2023-09-18 -> reached 2026-02-15: 29 months less one (15 < 18)
        "realization_timeline": "28_months",
        "realization_months": 28,
        "reached": True,
        "timeline_reason": None,
    }
    assert body["revenue_attribution"] == {
        # (40,000 + 20,000) / (65,000 + 30,000) = 0.6315... -> 0.63
        "success_contribution": 0.63,
        "success_contribution_reason": None,
        "churn_prevention_value": 40000,
        "expansion_revenue": 30000,
        "parts": {
            "churn_prevention_value": 40000,
            "cs_sourced_expansion": 20000,
            "renewed_arr": 65000,
            "won_expansion": 30000,
        },
    }
    assert body["financial_health"] == {
        "payment_status": "delinquent",
        "payment_bucket": "overdue_31_60",
        "worst_days_overdue": 31,
        "payment_reason": None,
        # The seeded prior on as_of (hand computation in test_renewal_probability_by_hand).
        "renewal_probability": 0.1611,
        "renewal_probability_reason": None,
        "renewal_model_version": 1,
        "renewal_model_kind": "prior",
        "renewal_contract_id": body["financial_health"]["renewal_contract_id"],
        "renewal_log_odds": -1.65,
        "renewal_intercept": 1.5,
        "renewal_terms": body["financial_health"]["renewal_terms"],
        "expansion_pipeline": 48000,
        "expansion_pipeline_weighted": 14000,  # 40,000 x 0.25 + 8,000 x 0.5
    }


def test_renewal_probability_by_hand(make_client: MakeClient, monkeypatch: Any) -> None:
    """The customer's next-ending active contract scored by the seeded prior on as_of."""
    customer = CustomerFactory.create()
    _history(customer)
    health = _get(make_client("finance:read"), customer.customer_id, monkeypatch).json()[
        "financial_health"
    ]
    # Both active contracts end 2026-12-31: the lower contract_id (the 120,000 one) is next.
    scored = Contract.objects.get(customer=customer, status="active", value=120000)
    assert health["renewal_contract_id"] == scored.contract_id
    terms = {t["feature"]: (t["value"], t["contribution"]) for t in health["renewal_terms"]}
    assert terms == {
        "health_score": (None, 0),  # no snapshot: imputed at the mean
        "health_change_30d": (None, 0),
        "key_feature_adoption": (None, 0),  # no key feature
        "seat_utilisation": (0.0, -0.96),  # 100 seats, no usage: 0.4 x (0 - 0.6) / 0.25
        "payment_overdue_level": (3.0, -1.25),  # 31 days: -0.5 x (3 - 0.5) / 1
        "open_escalations": (1.0, -0.64),  # esc_v1 still open: -0.4 x (1 - 0.2) / 0.5
        "executive_sponsor": (0.0, -0.3),  # 0.3 x (0 - 0.5) / 0.5
        "days_to_end": (184.0, 0),  # 2026-06-30 -> 2026-12-31; coefficient 0
        "segment_enterprise": (0.0, 0),
        "segment_mid_market": (1.0, 0),
        "segment_small_business": (0.0, 0),
    }
    log_odds = 1.5 - 0.96 - 1.25 - 0.64 - 0.3
    assert health["renewal_log_odds"] == pytest.approx(log_odds)
    assert health["renewal_probability"] == round_half_up(1 / (1 + math.exp(-log_odds)), 4)


def test_no_active_contract_or_model_gives_null_with_the_reason() -> None:
    customer = CustomerFactory.create()
    _contract(customer, "renewed", date(2025, 1, 1), date(2025, 12, 31), 10000)
    health = selectors.customer_value(customer, AS_OF)["financial_health"]
    assert (health["renewal_probability"], health["renewal_probability_reason"]) == (
        None,
        "no active contract",
    )
    assert health["renewal_terms"] is None
    assert health["renewal_model_version"] is None
    _contract(customer, "active", date(2026, 1, 1), date(2026, 12, 31), 10000)
    RenewalModelVersion.objects.update(is_active=False)
    health = selectors.customer_value(customer, AS_OF)["financial_health"]
    assert (health["renewal_probability"], health["renewal_probability_reason"]) == (
        None,
        "no renewal model version is active",
    )


def test_timeline_not_reached_counts_months_so_far() -> None:
    customer = CustomerFactory.create()
    _contract(customer, "active", date(2026, 1, 31), date(2026, 12, 31), 10000)
    ValueRecordFactory.create(customer=customer, date=date(2026, 3, 1), amount=Decimal(5000))
    realization = selectors.customer_value(customer, AS_OF)["value_realization"]
    assert realization["roi_percentage"] == 50
    assert realization["realization_timeline"] == "4_months"  # 01-31 -> 06-30: 5 less one
    assert (realization["realization_months"], realization["reached"]) == (4, False)


def test_nothing_contracted_gives_null_with_reasons() -> None:
    customer = CustomerFactory.create()
    document = selectors.customer_value(customer, AS_OF)
    realization = document["value_realization"]
    assert realization["roi_percentage"] is None
    assert realization["roi_reason"] == "nothing contracted"
    assert realization["realization_timeline"] is None
    assert realization["timeline_reason"] == "no contract"
    attribution = document["revenue_attribution"]
    assert attribution["success_contribution"] is None
    assert attribution["success_contribution_reason"] == "no renewed ARR and no won expansion"
    health = document["financial_health"]
    assert (health["payment_status"], health["payment_bucket"]) == (None, None)
    assert (health["worst_days_overdue"], health["payment_reason"]) == (None, "no invoices")
    assert health["expansion_pipeline"] == 0


@pytest.mark.parametrize(
    ("days_overdue", "state", "bucket"),
    [
        (0, "current", "current"),
        (1, "overdue", "overdue_1_15"),
        (30, "overdue", "overdue_16_30"),
        (31, "delinquent", "overdue_31_60"),
        (61, "delinquent", "overdue_60_plus"),
    ],
)
def test_payment_states_on_boundary_days(days_overdue: int, state: str, bucket: str) -> None:
    customer = CustomerFactory.create()
    due = AS_OF - timedelta(days=days_overdue)
    InvoiceFactory.create(customer=customer, issued_on=due - timedelta(days=30), due_on=due)
    health = selectors.customer_value(customer, AS_OF)["financial_health"]
    assert (health["payment_status"], health["payment_bucket"]) == (state, bucket)
    assert health["worst_days_overdue"] == days_overdue


def test_contribution_is_clamped_to_one() -> None:
    """Two interventions before the same renewal count its ARR once; CS-sourced expansion can
    never push the share above 1."""
    customer = CustomerFactory.create()
    _contract(customer, "renewed", date(2025, 1, 1), date(2025, 12, 31), 10000)
    for n, day in enumerate([date(2025, 11, 1), date(2025, 12, 1)]):
        WorkflowRun.objects.create(
            customer=customer, run_id=f"run_c{n}", workflow_type="save", started_at=_at(day)
        )
    attribution = selectors.customer_value(customer, AS_OF)["revenue_attribution"]
    assert attribution["churn_prevention_value"] == 10000
    assert attribution["success_contribution"] == 1.0


def test_unknown_customer_is_404(make_client: MakeClient, monkeypatch: Any) -> None:
    response = _get(make_client("finance:read"), "cust_nobody", monkeypatch)
    assert response.status_code == 404
    assert [e["code"] for e in response.json()["errors"]] == ["customer_not_found"]


def test_needs_finance_read(make_client: MakeClient, monkeypatch: Any) -> None:
    customer = CustomerFactory.create()
    response = _get(make_client("customers:read"), customer.customer_id, monkeypatch)
    assert response.status_code == 403


SPEC_EXAMPLE = {
    "customer_id": "cust_12345",
    "value_realization": {
        "contracted_value": 150000,
        "realized_value": 180000,
        "roi_percentage": 120,
        "realization_timeline": "18_months",
    },
    "revenue_attribution": {
        "success_contribution": 0.65,
        "churn_prevention_value": 25000,
        "expansion_revenue": 30000,
    },
    "financial_health": {
        "payment_status": "current",
        "renewal_probability": 0.92,
        "expansion_pipeline": 75000,
    },
}
NULLABLE: set[str] = set()


def test_spec_example_fields_and_types(make_client: MakeClient, monkeypatch: Any) -> None:
    customer = CustomerFactory.create()
    _history(customer)
    body = _get(make_client("finance:read"), customer.customer_id, monkeypatch).json()

    def check(example: dict[str, Any], actual: dict[str, Any]) -> None:
        for name, value in example.items():
            assert name in actual, name
            if isinstance(value, dict):
                check(value, actual[name])
            elif not (name in NULLABLE and actual[name] is None):
                assert type(actual[name]) is type(value), name

    check(SPEC_EXAMPLE, body)


@pytest.mark.parametrize("records", [1, 40])
def test_fixed_queries_whatever_the_history(records: int, django_assert_num_queries: Any) -> None:
    FeatureFactory.create()  # a key feature: adoption reads usage (its full query count)
    customer = CustomerFactory.create()
    _history(customer)
    for n in range(records):
        ValueRecordFactory.create(customer=customer, date=date(2024, 1, 1) + timedelta(days=n))
        WorkflowRun.objects.create(
            customer=customer,
            run_id=f"run_q{n}",
            workflow_type="save",
            started_at=_at(date(2024, 1, 1)),
        )
        _contract(customer, "renewed", date(2023, 1, 1), date(2024, 2, 1), 100)
    # Six for value and attribution (the realised total is the records' sum; won revenue and
    # open pipeline one statement), one for the active model, seven for the scoring (both
    # health scores in one; the segment and payment status are the ones already read).
    with django_assert_num_queries(14):
        selectors.customer_value(customer, AS_OF)


@pytest.mark.postgres
def test_hand_computed_numbers_on_postgres(make_client: MakeClient, monkeypatch: Any) -> None:
    test_hand_computed_numbers(make_client, monkeypatch)
