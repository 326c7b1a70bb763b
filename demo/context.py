"""What every demo step shares: the context (one seeded RNG, the clock, the customers) and
the story each customer tells in every domain."""

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone

from customers.choices import CustomerStatus, LifecycleStage
from customers.models import Customer

Progress = Callable[[int], None]


@dataclass
class DemoContext:
    """What a seeding step needs: the RNG, the clock and the customers it may extend."""

    rng: random.Random
    today: date
    now: datetime
    customers: Sequence[Customer]
    health_weeks: int = 52


SeedStep = Callable[[DemoContext, Progress], int]

# Every domain tells the same story about a customer, so the numbers agree across apps:
# healthy accounts use the product and pay on time; the declining cohort uses less, files more
# tickets and answers surveys as detractors; late payers pay late; new accounts are onboarding;
# churned accounts stop at their churn date.
HEALTHY, DECLINING, LATE_PAYER, NEW, CHURNED = (
    "healthy",
    "declining",
    "late_payer",
    "new",
    "churned",
)


def story(customer: Customer) -> str:
    if customer.status == CustomerStatus.CHURNED:
        return CHURNED
    if customer.lifecycle_stage == LifecycleStage.ONBOARDING:
        return NEW
    roll = (
        int(customer.customer_id.rsplit("_", 1)[-1]) % 20
        if customer.customer_id[-1:].isdigit()
        else 0
    )
    if customer.lifecycle_stage == LifecycleStage.AT_RISK or roll < 4:
        return DECLINING
    if roll < 7:
        return LATE_PAYER
    return HEALTHY


def demo_now() -> datetime:
    return timezone.now().replace(microsecond=0)
