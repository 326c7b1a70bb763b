"""Two forecasts for one period submitted at once get versions 1 and 2, never a 500."""

from decimal import Decimal
from functools import partial

import pytest

from finance.models import Forecast
from tests.concurrency.test_concurrent_writes import race, statuses
from tests.conftest import MakeClient
from tests.customers.factories import CustomerFactory
from tests.finance.factories import ContractFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

URL = "/api/v1/cs-finance/forecast"


def test_concurrent_submissions_for_one_period_get_consecutive_versions(
    make_client: MakeClient,
) -> None:
    customer = CustomerFactory.create(customer_id="cust_race")
    ContractFactory.create(customer=customer, value=Decimal(100000))
    a, b = make_client(), make_client()
    sent = {
        "forecast_period": "q2_2026",
        "customer_forecasts": [
            {
                "customer_id": "cust_race",
                "renewal_probability": 0.5,
                "expansion_probability": 0.5,
                "expansion_value": 1000,
            }
        ],
        "aggregate_metrics": {
            "total_forecasted_revenue": 50500,
            "confidence_level": 0.9,
            "risk_adjusted_value": 50500,
        },
    }
    for n in range(8):
        period = f"q{n % 4 + 1}_{2030 + n}"
        body = {**sent, "forecast_period": period}
        responses = race(
            partial(a.post, URL, body, format="json"), partial(b.post, URL, body, format="json")
        )
        assert statuses(responses) == [201, 201], [r.content for r in responses]
        assert sorted(r.json()["version"] for r in responses) == [1, 2]
        versions = Forecast.objects.filter(period=period).values_list("version", flat=True)
        assert sorted(versions) == [1, 2]


def test_many_submissions_at_once_take_one_version_each(make_client: MakeClient) -> None:
    """Twelve at once: more than the version loop's attempts could lose (it had 5), never a 500."""
    customer = CustomerFactory.create(customer_id="cust_race")
    ContractFactory.create(customer=customer, value=Decimal(100000))
    body = {
        "forecast_period": "q3_2031",
        "customer_forecasts": [
            {
                "customer_id": "cust_race",
                "renewal_probability": 0.5,
                "expansion_probability": 0.5,
                "expansion_value": 1000,
            }
        ],
        "aggregate_metrics": {
            "total_forecasted_revenue": 50500,
            "confidence_level": 0.9,
            "risk_adjusted_value": 50500,
        },
    }
    clients = [make_client() for _ in range(12)]
    responses = race(*(partial(c.post, URL, body, format="json") for c in clients))
    assert statuses(responses) == [201] * 12, [getattr(r, "content", r) for r in responses]
    assert sorted(r.json()["version"] for r in responses) == list(range(1, 13))
