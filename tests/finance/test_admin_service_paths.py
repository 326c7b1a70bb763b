"""The contract admin saves through finance.services.contract_save, which derives the
annual value as ingestion does; the admin computes nothing itself."""

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from finance import admin as finance_admin
from finance import services
from finance.models import Contract
from tests.admin_forms import admin_form_data, recording
from tests.customers.factories import CustomerFactory
from tests.finance.factories import ContractFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def saves(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    real = services.contract_save
    monkeypatch.setattr(
        finance_admin, "contract_save", recording(real, seen, lambda kw: dict(kw["data"]))
    )
    return seen


def test_adding_a_contract_derives_its_annual_value_in_the_service(staff: Any, saves: Any) -> None:
    customer = CustomerFactory.create()
    response = staff.post(
        reverse("admin:finance_contract_add"),
        {
            "contract_id": "ctr_admin",
            "customer": customer.pk,
            "start_date": "2026-01-01",
            "end_date": "2028-12-31",
            "value": "360000",
            "term": "3_year",
            "status": "active",
        },
    )
    assert response.status_code == 302
    contract = Contract.objects.get(contract_id="ctr_admin")
    assert contract.annual_value == Decimal("120000.00")
    assert [s["contract_id"] for s in saves] == ["ctr_admin"]


def test_editing_the_term_recomputes_the_annual_value_and_writes_only_changes(
    staff: Any, saves: Any
) -> None:
    contract = ContractFactory.create(value=Decimal("120000.00"), term="1_year")
    url = reverse("admin:finance_contract_change", args=[contract.pk])
    data = admin_form_data(staff, url)
    response = staff.post(url, {**data, "term": "6_month", "contract_id": "ctr_renamed"})
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.annual_value == Decimal("240000.00")  # 120000 × 12 / 6
    assert contract.contract_id != "ctr_renamed"  # the finance system's key is fixed
    assert saves == [{"term": "6_month"}]
