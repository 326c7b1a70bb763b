"""Issue 11 D3 on support (README, Definitions): a pending ticket is open."""

from datetime import UTC, date, datetime, time

import pytest

from operations import measures
from tests.customers.factories import CustomerFactory

from .factories import SupportTicketFactory

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 6, 30)


def test_a_pending_ticket_is_open() -> None:
    customer = CustomerFactory.create()
    opened = datetime.combine(date(2026, 3, 1), time(12), tzinfo=UTC)  # no trend penalty
    for status in ("pending", "resolved", "closed"):
        SupportTicketFactory.create(
            customer=customer, opened_at=opened, priority="urgent", status=status
        )
    value = measures.support([customer.pk], AS_OF)[customer.pk]
    assert value.inputs["open_urgent_tickets"] == 1  # the pending one only
    assert value.score == 75.0  # 100 - 25
