"""What the renewals-due tests share: the day they run on, and rows made around it."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from tests.customers.factories import health_snapshot
from tests.finance.factories import ContractFactory

DAY = date(2026, 6, 30)
URL = "/api/v1/cs-finance/renewals"
BEFORE = datetime(2026, 6, 1, 12, tzinfo=UTC)


def health(customer: Any, score: int, grade: str) -> None:
    """One health snapshot, computed before DAY."""
    health_snapshot(customer, BEFORE, score, grade)


def contract(customer: Any, contract_id: str, days: int, arr: int, **extra: Any) -> None:
    """An active contract ending `days` after DAY, with ARR `arr`."""
    ContractFactory.create(
        customer=customer,
        contract_id=contract_id,
        start_date=DAY - timedelta(days=300),
        end_date=DAY + timedelta(days=days),
        value=Decimal(arr),
        annual_value=Decimal(arr),
        **extra,
    )


def ids(response: Any) -> list[str]:
    """The contract ids of a 200 page, in order."""
    assert response.status_code == 200, response.content
    return [row["contract_id"] for row in response.json()["results"]]
