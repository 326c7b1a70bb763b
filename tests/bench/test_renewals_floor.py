"""bench/sql_floors.py: the renewals floor's statement computes what GET /cs-finance/renewals
answers, row for row (else the API/SQL ratio means nothing). PostgreSQL only."""

import json
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from bench.sql_floors import FLOORS, renewals_statements
from customers.models import HealthScore, Stakeholder
from integrations.clock import today
from operations.models import Escalation
from product.models import FeatureUsage
from tests.customers.factories import CustomerFactory, TeamMemberFactory
from tests.finance.factories import ContractFactory, InvoiceFactory
from tests.product.factories import FeatureFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

RENEWALS_URL = "/api/v1/cs-finance/renewals"


def _at(day: Any, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _health(customer: Any, days_ago: int, score: int, grade: str = "at_risk") -> None:
    day = today() - timedelta(days=days_ago)
    HealthScore.objects.create(
        customer=customer, computed_at=_at(day), as_of=day, score=score, grade=grade,
        model_version=1,
    )  # fmt: skip


def _contract(customer: Any, contract_id: str, days: int, arr: str, **extra: Any) -> None:
    day = today()
    ContractFactory.create(
        customer=customer, contract_id=contract_id, start_date=day - timedelta(days=300),
        end_date=day + timedelta(days=days), value=Decimal(arr), annual_value=Decimal(arr),
        **extra,
    )  # fmt: skip


@pytest.fixture
def renewals_book(db: None) -> None:
    """Every feature the model reads takes more than one value, and every rule of the list
    (the window's ends, one row per customer, active contracts only) has a row to get wrong."""
    day = today()
    key_a = FeatureFactory.create(is_key=True, adoption_threshold_days=2)
    key_b = FeatureFactory.create(is_key=True, adoption_threshold_days=3)
    other = FeatureFactory.create(is_key=False)
    alice = TeamMemberFactory.create(email="alice@company.com", name="Alice")

    # Health now and 30 days before, adoption of one key feature of two, 7 of 10 seats, an
    # invoice 20 days overdue, an open escalation and a sponsor; enterprise.
    a = CustomerFactory.create(segment="enterprise", licensed_seats=10, success_manager=alice)
    _health(a, 40, 70)
    _health(a, 2, 82, "healthy")
    _contract(a, "ctr_a", 30, "100000.00")
    for n in range(3):
        FeatureUsage.objects.create(
            customer=a, feature=key_a, date=day - timedelta(days=n), events=5, active_users=7
        )
    FeatureUsage.objects.create(  # one active day: key_b not adopted
        customer=a, feature=key_b, date=day - timedelta(days=1), events=1, active_users=2
    )
    FeatureUsage.objects.create(  # outside the 30 days: not read
        customer=a, feature=other, date=day - timedelta(days=31), events=1, active_users=50
    )
    InvoiceFactory.create(
        customer=a, issued_on=day - timedelta(days=50), due_on=day - timedelta(days=20)
    )
    Escalation.objects.create(
        customer=a, escalation_id="esc_a", owner_email="ops@company.com", reason="r",
        opened_at=_at(day - timedelta(days=5)),
    )  # fmt: skip
    sponsor = Stakeholder.objects.create(
        customer=a, email="ceo@a.example", is_executive_sponsor=True
    )
    Stakeholder.objects.filter(pk=sponsor.pk).update(created_at=_at(day - timedelta(days=9)))

    # Both key features adopted, more users than seats (capped at 1), an invoice 70 days
    # overdue, a resolved escalation (not open); small business, no CSM, one snapshot.
    b = CustomerFactory.create(segment="small_business", licensed_seats=3)
    _health(b, 1, 41)
    _contract(b, "ctr_b", 89, "45000.50")
    for feature in (key_a, key_b):
        for n in range(4):
            FeatureUsage.objects.create(
                customer=b, feature=feature, date=day - timedelta(days=n * 7), events=2,
                active_users=5,
            )  # fmt: skip
    InvoiceFactory.create(
        customer=b, issued_on=day - timedelta(days=100), due_on=day - timedelta(days=70)
    )
    Escalation.objects.create(
        customer=b, escalation_id="esc_b", owner_email="ops@company.com", reason="r",
        opened_at=_at(day - timedelta(days=20)), resolved_at=_at(day - timedelta(days=10)),
    )  # fmt: skip

    # No health, no seats, no usage, a paid invoice; mid market; the window's last day.
    c = CustomerFactory.create(segment="mid_market", licensed_seats=0, success_manager=alice)
    _contract(c, "ctr_c", 90, "250000.00")
    InvoiceFactory.create(
        customer=c, issued_on=day - timedelta(days=40), due_on=day - timedelta(days=10),
        paid_at=_at(day - timedelta(days=12)),
    )  # fmt: skip

    # Two contracts in the window: the earlier one only; a later one is never listed.
    d = CustomerFactory.create(segment="enterprise", licensed_seats=5)
    _health(d, 3, 60)
    _contract(d, "ctr_d1", 15, "30000.00")
    _contract(d, "ctr_d2", 45, "900000.00")
    # Outside the list: ending today, after 90 days, not active, a next contract ending today.
    e = CustomerFactory.create()
    _contract(e, "ctr_e", 0, "80000.00")
    f = CustomerFactory.create()
    _contract(f, "ctr_f", 91, "80000.00")
    g = CustomerFactory.create()
    _contract(g, "ctr_g", 40, "80000.00", status="renewed")
    h = CustomerFactory.create()
    _contract(h, "ctr_h0", 0, "10000.00")
    _contract(h, "ctr_h1", 60, "70000.00")


def _statement_rows(**kwargs: Any) -> list[dict[str, Any]]:
    ((sql, params),) = renewals_statements(**kwargs)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    # The API's names and JSON types: dates in ISO form, JSON columns parsed.
    return [
        {
            "customer_id": row["public_id"],
            "customer_name": row["name"],
            "segment": row["segment"],
            "contract_id": row["contract_id"],
            "end_date": row["end_date"].isoformat(),
            "days_to_end": row["days_to_end"],
            "arr": row["arr"],
            "renewal_probability": row["renewal_probability"],
            "arr_at_risk": row["arr_at_risk"],
            "model_version": row["version"],
            "model_kind": row["kind"],
            "log_odds": row["log_odds"],
            "intercept": row["intercept"],
            "terms": _json(row["terms"]),
            "health_score": row["health_score"],
            "health_grade": row["health_grade"],
            "csm": _json(row["csm"]),
        }
        for row in rows
    ]


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def test_renewals_is_registered() -> None:
    assert FLOORS["renewals"] is renewals_statements


def test_the_renewals_statement_returns_the_apis_rows(api: Any, renewals_book: None) -> None:
    response = api.get(RENEWALS_URL, {"due_within_days": 90})
    assert response.status_code == 200, response.content
    expected = response.json()["results"]
    # h's next contract ends today: no row (its later one does not take its place).
    assert sorted(row["contract_id"] for row in expected) == ["ctr_a", "ctr_b", "ctr_c", "ctr_d1"]
    found = _statement_rows()
    assert found == expected  # every column, every term, in the API's order
    by_id = {row["contract_id"]: row for row in found}
    values = {t["feature"]: t["value"] for t in by_id["ctr_a"]["terms"]}
    # ctr_a's features by hand: health 82, change +12, one key feature of two adopted,
    # 7 of 10 seats, 20 days overdue (level 2), one open escalation, a sponsor, 30 days.
    assert values["health_score"] == 82
    assert values["health_change_30d"] == 12
    assert values["key_feature_adoption"] == 0.5
    assert values["seat_utilisation"] == 0.7
    assert values["payment_overdue_level"] == 2
    assert values["open_escalations"] == 1
    assert values["executive_sponsor"] == 1
    assert values["days_to_end"] == 30
    assert values["segment_enterprise"] == 1
    b_values = {t["feature"]: t["value"] for t in by_id["ctr_b"]["terms"]}
    assert (b_values["key_feature_adoption"], b_values["seat_utilisation"]) == (1, 1)
    assert (b_values["payment_overdue_level"], b_values["open_escalations"]) == (4, 0)
    assert b_values["health_change_30d"] is None
    assert by_id["ctr_b"]["csm"] is None
    assert by_id["ctr_c"]["health_score"] is None


def test_the_renewals_statement_pages_like_the_api(api: Any, renewals_book: None) -> None:
    response = api.get(RENEWALS_URL, {"due_within_days": 60, "page_size": 2})
    assert response.status_code == 200, response.content
    expected = response.json()["results"]
    assert len(expected) == 2
    assert _statement_rows(days=60, limit=2) == expected
