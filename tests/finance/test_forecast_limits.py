"""A forecast whose amounts its columns cannot hold is an item error, never a 500 (README,
"Finance: forecasts")."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from finance import services as finance_services
from finance.models import Forecast
from tests.customers.factories import CustomerFactory
from tests.finance.factories import ContractFactory
from tests.support.errors import item_errors

URL = "/api/v1/cs-finance/forecast"


def _body(*customer_ids: str) -> dict:
    return {
        "forecast_period": "q1_2027",
        "customer_forecasts": [
            {
                "customer_id": customer_id,
                "renewal_probability": 1,
                "expansion_probability": 0.5,
                "expansion_value": 10,
            }
            for customer_id in customer_ids
        ],
        "aggregate_metrics": {
            "total_forecasted_revenue": 1,
            "confidence_level": 0.5,
            "risk_adjusted_value": 1,
        },
    }


def test_an_arr_beyond_a_forecast_line_is_an_item_error(api: APIClient, db: None) -> None:
    # Two active contracts of 999,999,999,999 a year each: ARR 1,999,999,999,998, more than
    # a line's 12 whole digits (each contract alone fits its own column).
    big = CustomerFactory.create(customer_id="cust_big")
    CustomerFactory.create(customer_id="cust_small")
    for _ in range(2):
        ContractFactory.create(customer=big, value=Decimal(999_999_999_999), term="1_year")
    response = api.post(URL, _body("cust_small", "cust_big"), format="json")
    assert response.status_code == 400, response.content
    assert item_errors(response) == [(1, "customer_id", "out_of_range")]
    assert not Forecast.objects.exists()


def test_a_computed_total_beyond_the_forecast_is_refused(
    api: APIClient, db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 10,000 lines at the largest ARR would pass 16 digits; the bound is lowered to reach it.
    monkeypatch.setattr(finance_services, "MAX_FORECAST_TOTAL", Decimal(150_000))
    for customer_id in ("cust_a", "cust_b"):
        customer = CustomerFactory.create(customer_id=customer_id)
        ContractFactory.create(customer=customer, value=Decimal(100_000), term="1_year")
    response = api.post(URL, _body("cust_a", "cust_b"), format="json")
    assert item_errors(response) == [(None, "customer_forecasts", "out_of_range")]
    assert not Forecast.objects.exists()
