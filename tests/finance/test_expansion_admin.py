"""The opportunity and value record admins save through the ingestion services: a win from
the admin publishes `opportunity.won` once, and the closing fields must agree with the status."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from finance.models import ExpansionOpportunity, ValueRecord
from integrations.models import Event
from tests.admin_forms import admin_form_data
from tests.customers.factories import CustomerFactory
from tests.finance.factories import OpportunityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client: Any, admin_user: Any) -> Any:
    client.force_login(admin_user)
    return client


def test_winning_in_the_admin_goes_through_the_service(staff: Any) -> None:
    opportunity = OpportunityFactory.create(value=Decimal(9000))
    url = reverse("admin:finance_expansionopportunity_change", args=[opportunity.pk])
    data = admin_form_data(staff, url)
    refused = staff.post(url, {**data, "status": "won"})
    assert refused.status_code == 200  # the form shows the errors
    assert refused.context["adminform"].form.errors.keys() == {"closed_value", "closed_on"}
    assert not Event.objects.filter(type="opportunity.won").exists()

    won = {**data, "status": "won", "closed_value": "8000", "closed_on": "2026-03-01"}
    assert staff.post(url, won).status_code == 302
    opportunity.refresh_from_db()
    assert (opportunity.status, opportunity.closed_value) == ("won", Decimal(8000))
    assert opportunity.closed_on == date(2026, 3, 1)
    events = list(Event.objects.filter(type="opportunity.won").values_list("data", flat=True))
    assert [e["closed_value"] for e in events] == [8000]

    data = admin_form_data(staff, url)
    assert staff.post(url, {**data, "product": "Premium support"}).status_code == 302
    assert Event.objects.filter(type="opportunity.won").count() == 1


def test_adding_rows_in_the_admin(staff: Any) -> None:
    customer = CustomerFactory.create()
    response = staff.post(
        reverse("admin:finance_expansionopportunity_add"),
        {
            "opportunity_id": "opp_admin",
            "customer": customer.pk,
            "type": "cross_sell",
            "product": "feat_sso",
            "value": "6000",
            "probability": "0.4",
            "expected_close": "q4_2026",
            "status": "open",
            "source": "cs",
        },
    )
    assert response.status_code == 302
    assert ExpansionOpportunity.objects.get().expected_close_date == date(2026, 12, 31)
    response = staff.post(
        reverse("admin:finance_valuerecord_add"),
        {
            "record_id": "val_admin",
            "customer": customer.pk,
            "date": "2026-02-01",
            "category": "time_saved",
            "amount": "1200",
            "evidence": "QBR notes",
            "recorded_by": "csm@company.com",
        },
    )
    assert response.status_code == 302
    assert ValueRecord.objects.get().amount == Decimal(1200)
