"""Builders for expansion readiness tests: rows in every lower app, dated around AS_OF."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from customers.models import Customer, HealthScore, Milestone, SuccessPlan
from product.models import Feature, FeatureUsage, Feedback
from tests.customers.factories import CustomerFactory, StakeholderFactory
from tests.finance.factories import ContractFactory, InvoiceFactory
from tests.product.factories import FeatureFactory

AS_OF = date(2026, 6, 30)


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def health(
    customer: Customer, score: int, grade: str = "healthy", day: date = AS_OF
) -> HealthScore:
    return HealthScore.objects.create(
        customer=customer,
        computed_at=at(day, 2),
        as_of=day,
        score=score,
        grade=grade,
        components={},
        weights={},
        model_version=1,
    )


def use(customer: Customer, feature: Feature, days: int, users: int = 5) -> None:
    """Active on `days` distinct days of the 30 up to AS_OF (adopted at >= 4)."""
    for back in range(days):
        FeatureUsage.objects.create(
            customer=customer,
            feature=feature,
            date=AS_OF - timedelta(days=back),
            events=10,
            active_users=users,
        )


def milestone(customer: Customer, achieved_on: date | None, status: str = "achieved") -> None:
    plan = SuccessPlan.objects.filter(customer=customer).first()
    if plan is None:
        plan = SuccessPlan.objects.create(customer=customer, title="Plan")
    Milestone.objects.create(plan=plan, title="m", status=status, achieved_on=achieved_on)


def expansion_request(customer: Customer, day: date, status: str = "submitted") -> Feedback:
    item = Feedback.objects.create(
        feedback_id=f"fb_{customer.customer_id}_{day:%m%d}_{status}",
        customer=customer,
        type="expansion_request",
        category="seats",
        priority="high",
        business_impact="important",
        description="More seats",
        priority_score=50,
        priority_factors={},
        status=status,
        status_changed_at=timezone.now(),
    )
    Feedback.objects.filter(pk=item.pk).update(created_at=at(day))
    return item


def ready_customer(key_features: list[Feature], **fields: Any) -> Customer:
    """The hand-computed customer of test_factors_and_score_by_hand (score 80)."""
    customer = CustomerFactory.create(licensed_seats=100, **fields)
    for feature in key_features[:3]:  # 3 of 4 key features adopted
        use(customer, feature, 4)
    use(customer, key_features[3], 3)  # tried, not adopted
    peak = FeatureFactory.create(is_key=False)
    FeatureUsage.objects.create(  # peak 90 active users of 100 seats: utilisation 0.9
        customer=customer, feature=peak, date=AS_OF - timedelta(days=20), events=1, active_users=90
    )
    health(customer, 80)
    milestone(customer, AS_OF - timedelta(days=10))
    milestone(customer, AS_OF - timedelta(days=100))  # outside the 90 days
    StakeholderFactory.create(customer=customer, is_executive_sponsor=True)
    expansion_request(customer, AS_OF - timedelta(days=30))
    InvoiceFactory.create(  # unpaid, 10 days overdue: overdue_1_15
        customer=customer, issued_on=date(2026, 5, 21), due_on=date(2026, 6, 20)
    )
    ContractFactory.create(customer=customer, value=Decimal("120000.00"))
    return customer
