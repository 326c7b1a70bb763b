"""The cockpit's risk-first customer list (admin): columns, filters, default order, query
bound. Every expected number is computed by hand from the data built here."""

import math
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from customers.models import Customer
from finance.models import RenewalModelVersion
from integrations.clock import today
from tests.customers.factories import (
    CustomerFactory,
    StakeholderFactory,
    TeamMemberFactory,
)
from tests.customers.factories import (
    health_history as health,
)
from tests.finance.factories import ContractFactory

pytestmark = pytest.mark.django_db

URL = reverse("admin:customers_customer_changelist")


def constant_model(probability: float) -> None:
    """An active model version without terms: every customer gets this probability."""
    RenewalModelVersion.objects.update(is_active=False)
    RenewalModelVersion.objects.create(
        version=99,
        kind="fitted",
        is_active=True,
        intercept=math.log(probability / (1 - probability)),
        terms=[],
    )


def contract(customer: Customer, ends_in: int, annual: str) -> None:
    end = today() + timedelta(days=ends_in)
    ContractFactory.create(
        customer=customer,
        start_date=end - timedelta(days=364),
        end_date=end,
        value=Decimal(annual),
        annual_value=Decimal(annual),
    )


@pytest.fixture
def portfolio() -> dict[str, Customer]:
    constant_model(0.75)
    anna, ben = TeamMemberFactory.create(name="Anna"), TeamMemberFactory.create(name="Ben")
    made = {
        "c_a": CustomerFactory.create(
            customer_id="c_a", success_manager=anna, segment="enterprise"
        ),
        "c_b": CustomerFactory.create(customer_id="c_b", success_manager=anna),
        "c_c": CustomerFactory.create(customer_id="c_c", success_manager=ben),
        "c_d": CustomerFactory.create(customer_id="c_d"),
        "c_e": CustomerFactory.create(customer_id="c_e", success_manager=ben),
    }
    health(made["c_a"], (30, 50), (0, 30))  # critical 30, change -20: declining
    health(made["c_b"], (30, 52), (0, 55))  # at risk 55, +3: stable
    health(made["c_c"], (31, 70), (0, 80))  # healthy 80, +10: improving
    health(made["c_e"], (0, 80))  # healthy 80, no reference: no change
    contract(made["c_a"], 20, "120000.00")
    contract(made["c_a"], 200, "60000.40")  # ARR 180,000.40 -> 180,000; next renewal: +20
    contract(made["c_b"], 45, "50000.00")
    contract(made["c_c"], 80, "70000.50")  # 70,000.50 -> 70,001 (half-up)
    contract(made["c_e"], 0, "10000.00")  # ends today: next renewal today, not "within"
    return made


def listed(staff: Any, **params: Any) -> list[str]:
    response = staff.get(URL, params)
    assert response.status_code == 200
    return [c.customer_id for c in response.context["cl"].result_list]


def test_columns_show_the_hand_computed_numbers(staff: Any, portfolio: Any) -> None:
    response = staff.get(URL)
    assert response.status_code == 200
    rows = {c.customer_id: c for c in response.context["cl"].result_list}
    a = rows["c_a"]
    assert (a.health_score, a.health_grade, a.health_change_30d) == (30, "critical", -20)
    assert a.arr == Decimal("180000.40")
    assert a.next_renewal == today() + timedelta(days=20)
    assert a.renewal.probability == 0.75
    assert (rows["c_b"].health_change_30d, rows["c_c"].health_change_30d) == (3, 10)
    assert rows["c_e"].health_change_30d is None
    assert rows["c_e"].next_renewal == today()
    d = rows["c_d"]
    assert (d.health_score, d.arr, d.next_renewal, d.renewal) == (None, None, None, None)
    html = response.content.decode()
    for text in ("30 · critical", "▼ −20", "— +3", "▲ +10", "180,000", "70,001", "75.0 %"):
        assert text in html, text
    assert (today() + timedelta(days=20)).isoformat() in html
    assert "not sortable" in html  # the probability column's help text


def test_default_order_is_worst_first_without_score_last(staff: Any, portfolio: Any) -> None:
    # 30, 55, 80 and 80 (a tie: by customer_id), then no score
    assert listed(staff) == ["c_a", "c_b", "c_c", "c_e", "c_d"]


def test_each_risk_column_sorts_with_empty_values_last(staff: Any, portfolio: Any) -> None:
    # the changelist's columns: 0 the action checkbox, 1 customer_id, 2 name, 3 health,
    # 4 change, 5 ARR, 6 next renewal
    assert listed(staff, o="-3") == ["c_c", "c_e", "c_b", "c_a", "c_d"]
    # ties (no change for c_d and c_e) fall back to the default order: worst first
    assert listed(staff, o="4") == ["c_a", "c_b", "c_c", "c_e", "c_d"]
    assert listed(staff, o="-4") == ["c_c", "c_b", "c_a", "c_e", "c_d"]
    assert listed(staff, o="-5") == ["c_a", "c_c", "c_b", "c_e", "c_d"]
    assert listed(staff, o="6") == ["c_e", "c_a", "c_b", "c_c", "c_d"]
    assert listed(staff, o="-6") == ["c_c", "c_b", "c_a", "c_e", "c_d"]


def test_filters(staff: Any, portfolio: Any) -> None:
    assert listed(staff, grade="critical") == ["c_a"]
    assert listed(staff, grade="healthy") == ["c_c", "c_e"]
    assert listed(staff, grade="none") == ["c_d"]
    assert listed(staff, trend="declining") == ["c_a"]
    assert listed(staff, trend="stable") == ["c_b"]
    assert listed(staff, trend="improving") == ["c_c"]
    assert listed(staff, renewal_within="30") == ["c_a"]
    assert listed(staff, renewal_within="60") == ["c_a", "c_b"]
    assert listed(staff, renewal_within="90") == ["c_a", "c_b", "c_c"]
    anna = portfolio["c_a"].success_manager
    assert listed(staff, success_manager__id__exact=anna.pk) == ["c_a", "c_b"]
    assert listed(staff, segment__exact="enterprise") == ["c_a"]
    assert listed(staff, grade="critical", trend="improving") == []


def test_unknown_filter_values_never_500(staff: Any, portfolio: Any) -> None:
    for params in ({"grade": "purple"}, {"trend": "sideways"}, {"renewal_within": "7"}):
        assert staff.get(URL, params).status_code in (200, 302)
    assert staff.get(URL, {"o": "x.-99"}).status_code == 200


def test_needs_staff(client: Any, portfolio: Any) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def build(n: int) -> None:
    csm = TeamMemberFactory.create()
    for i in range(n):
        customer = CustomerFactory.create(success_manager=csm)
        health(customer, (30, 40 + i % 50), (0, 20 + i % 70))
        contract(customer, 10 + i, "1000.00")


@pytest.mark.parametrize("size", [3, 30])
def test_query_count_does_not_grow_with_rows(
    staff: Any, size: int, django_assert_max_num_queries: Any
) -> None:
    constant_model(0.5)
    build(size)
    # fifteen at either size: session, user, the count, the rows (one query with every risk
    # column), the CSM filter's choices, and the renewal scoring of the page (model, contracts
    # and nine feature queries)
    with django_assert_max_num_queries(15):
        response = staff.get(URL, {"o": "-4"})
    assert len(response.context["cl"].result_list) == size


def test_search_keeps_the_risk_columns_and_order(staff: Any, portfolio: Any) -> None:
    StakeholderFactory.create(customer=portfolio["c_b"], email="pat@shared.example")
    StakeholderFactory.create(customer=portfolio["c_a"], email="sam@shared.example")
    StakeholderFactory.create(customer=portfolio["c_a"], email="kim@shared.example")
    response = staff.get(URL, {"q": "shared.example"})
    rows = list(response.context["cl"].result_list)
    assert [(c.customer_id, c.health_score) for c in rows] == [("c_a", 30), ("c_b", 55)]
