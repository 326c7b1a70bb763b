"""Resolved renewals in bulk for the fit tests: each contract's outcome is drawn from a known
model of the customer's health score 95 days before the contract ended (so the feature read
90 days before the decision sees it)."""

import math
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np

from customers.models import Customer, HealthScore
from finance.models import Contract
from tests.customers.factories import CUSTOMERS_SINCE

FIRST_END = date(2025, 1, 1)
PER_DAY = 5  # contracts ending on each decision day (features cost queries per distinct day)
FIT_DAY = date(2026, 1, 1)  # after every decision built here


def renewal_chance(health: int) -> float:
    """The true model: 50 % at health 60, rising with health."""
    return 1 / (1 + math.exp(-(health - 60) / 8))


def build_outcomes(n: int, *, seed: int = 3, prefix: str = "r") -> list[Contract]:
    """`n` resolved contracts (renewed, churned or expired), PER_DAY ending every 5 days from
    FIRST_END, each on its own mid-market customer. Both outcomes occur for n >= 10."""
    rng = np.random.default_rng(seed)
    customers = Customer.objects.bulk_create(
        Customer(
            customer_id=f"cust_{prefix}{i:04d}",
            name=f"Renewal {prefix}{i}",
            segment="mid_market",
            licensed_seats=100,
        )
        for i in range(n)
    )
    Customer.objects.filter(pk__in=[c.pk for c in customers]).update(created_at=CUSTOMERS_SINCE)
    contracts, scores = [], []
    for i, customer in enumerate(customers):
        end = FIRST_END + timedelta(days=5 * (i // PER_DAY))
        health = int(rng.integers(20, 101))
        renewed = rng.random() < renewal_chance(health)
        if i < 2:  # both outcomes whatever the draw
            renewed = i == 0
        status = "renewed" if renewed else str(rng.choice(["churned", "expired"]))
        contracts.append(
            Contract(
                contract_id=f"ctr_{prefix}{i:04d}",
                customer=customer,
                start_date=end - timedelta(days=364),
                end_date=end,
                value=Decimal(12000),
                term="1_year",
                annual_value=Decimal(12000),
                status=status,
            )
        )
        seen = end - timedelta(days=95)
        scores.append(
            HealthScore(
                customer=customer,
                computed_at=datetime(seen.year, seen.month, seen.day, 23, tzinfo=UTC),
                as_of=seen,
                score=health,
                grade="healthy",
                model_version=1,
            )
        )
    HealthScore.objects.bulk_create(scores)
    return Contract.objects.bulk_create(contracts)
