from datetime import UTC, datetime
from typing import Any

import factory

from customers.models import Customer, HealthScore, Stakeholder, TeamMember

CUSTOMERS_SINCE = datetime(2020, 1, 1, tzinfo=UTC)


class TeamMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamMember

    email = factory.Sequence(lambda n: f"csm{n}@company.com")
    name = factory.Sequence(lambda n: f"CSM {n}")
    capacity = 50
    skills = factory.LazyFunction(lambda: ["onboarding"])


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

        skip_postgeneration_save = True

    customer_id = factory.Sequence(lambda n: f"cust_{n:05d}")
    name = factory.Sequence(lambda n: f"Customer {n}")
    segment = "mid_market"
    licensed_seats = 100

    @factory.post_generation
    def created_at(obj: Customer, create: bool, extracted: datetime | None, **_: Any) -> None:
        """created_at is auto_now_add: set after the insert. By default long before any day a
        test scores (a customer is scored for a day only once it exists)."""
        if create:
            obj.created_at = extracted or CUSTOMERS_SINCE
            Customer.objects.filter(pk=obj.pk).update(created_at=obj.created_at)


class StakeholderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stakeholder

    customer = factory.SubFactory(CustomerFactory)
    email = factory.Sequence(lambda n: f"person{n}@client.example")
    name = "Pat Person"
    role = "CTO"


def health_snapshot(
    customer: Customer, computed_at: datetime, score: int, grade: str, **extra: Any
) -> None:
    """One HealthScore row computed at `computed_at` (as of its day), model version 1; `extra`
    sets other fields (components, weights, ...)."""
    HealthScore.objects.create(
        customer=customer,
        computed_at=computed_at,
        as_of=computed_at.date(),
        score=score,
        grade=grade,
        model_version=1,
        **extra,
    )


def health_history(customer: Customer, *scores: tuple[int, int]) -> None:
    """(days ago, score) snapshots, graded by the default bands (70 healthy, 40 at risk)."""
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    for days_ago, score in scores:
        grade = "healthy" if score >= 70 else "at_risk" if score >= 40 else "critical"
        health_snapshot(customer, now - timedelta(days=days_ago), score, grade)
