"""A bulk item's cross-field checks run whenever the fields they need are valid, so an item
with a field error still reports its other problems (all in one response)."""

from typing import Any

import pytest

from finance.bulk_schema import CONTRACT_SCHEMA
from integrations.bulk import BulkValidationError
from operations.bulk_schema import TICKET_SCHEMA
from tests.customers.factories import CustomerFactory


@pytest.fixture(autouse=True)
def c1(db: None) -> None:
    """The items' customer exists (the references are checked too when an item is bad)."""
    CustomerFactory(customer_id="c1")


CONTRACT = {
    "contract_id": "ctr_1",
    "customer_id": "c1",
    "start_date": "2026-01-01",
    "end_date": "2027-01-01",
    "value": 1000,
    "term": "1_year",
}


def _errors(schema: Any, item: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(BulkValidationError) as caught:
        schema.validate([item])
    return [(e["field"], e["code"]) for e in caught.value.item_errors]


def test_a_field_error_does_not_hide_a_cross_field_error() -> None:
    item = {**CONTRACT, "value": -1, "end_date": "2025-01-01"}
    assert _errors(CONTRACT_SCHEMA, item) == [("value", "min_value"), ("end_date", "invalid")]


def test_a_check_whose_field_is_invalid_does_not_run() -> None:
    # end_date is invalid: the date order is not checked (one error for end_date, not two)
    assert _errors(CONTRACT_SCHEMA, {**CONTRACT, "end_date": "soon"}) == [("end_date", "invalid")]
    # resolved_at is invalid: it is not read as absent ("needs resolved_at")
    ticket = {
        "ticket_id": "t1",
        "customer_id": "c1",
        "opened_at": "2026-01-01T00:00:00Z",
        "resolved_at": "yesterday",
        "priority": "low",
        "status": "resolved",
    }
    assert _errors(TICKET_SCHEMA, ticket) == [("resolved_at", "invalid")]
    # a required field missing: its checks do not run either
    missing = {k: v for k, v in CONTRACT.items() if k != "start_date"}
    assert _errors(CONTRACT_SCHEMA, missing) == [("start_date", "required")]
