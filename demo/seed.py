"""The whole demo in order: the company first, then each domain's history, then the health
snapshots over that history, then what reads the seeded health (add-on renewals, feedback
priorities, workflow interventions), and last a renewal model fitted on that history."""

import random
from contextlib import AbstractContextManager
from typing import Protocol

from django.db import transaction

from customers.models import Customer, TeamMember
from finance.renewals.services import renewal_model_fit
from marketing.models import Campaign

from .context import DemoContext, Progress, SeedStep, demo_now
from .customers import Company, seed_company
from .feedback import seed_feedback
from .finance import seed_expansion_and_value, seed_finance
from .health import seed_health_history
from .marketing import seed_marketing_campaigns
from .marketing_journeys import seed_marketing_journeys
from .operations import seed_operations
from .product import seed_usage
from .renewals import reset_renewal_model, seed_renewal_history
from .sales_expansion import seed_sales_expansion
from .sales_handoffs import seed_sales_handoffs
from .workflows import seed_workflows

# One RNG runs through the steps in this order, so the order is part of the demo's identity.
STEPS: list[tuple[str, SeedStep]] = [
    ("product usage", seed_usage),
    ("operations history", seed_operations),
    ("finance history", seed_finance),
    ("health history", seed_health_history),
    # add-on renewals decided on the seeded signals (its own RNG per customer)
    ("renewal history", seed_renewal_history),
    # priorities use the seeded health and ARR
    ("customer feedback", seed_feedback),
    # interventions follow the accounts' stories and health
    ("workflow history", seed_workflows),
    # its own RNG per customer: the draws above stay as they were
    ("expansion and value", seed_expansion_and_value),
    # its own RNG per customer; the baselines read the usage and health seeded above
    ("sales handoffs", seed_sales_handoffs),
    # its own RNG per customer too; ends with the readiness scoring (reads all of the above)
    ("sales expansion evidence", seed_sales_expansion),
    # own RNG per campaign and member; finished campaigns' outcomes, their health rescored
    ("marketing campaigns", seed_marketing_campaigns),
    # own RNG per customer; journey moves in the past, then the touchpoint sweep
    ("marketing journeys", seed_marketing_journeys),
]


class Bar(Protocol):
    """A progress bar per step: `unit` names what the step's progress counts; `total`, when
    known in advance, is how many of them there will be."""

    def __call__(
        self, name: str, *, unit: str = "rows", total: int | None = None
    ) -> AbstractContextManager[Progress]: ...


def seed_demo(*, count: int, seed: int, health_weeks: int, reset: bool, bar: Bar) -> Company:
    """Seed the demo company in one transaction; `bar(name)` gives each step its progress."""
    rng = random.Random(seed)
    now = demo_now()
    with transaction.atomic():
        if reset:
            Customer.objects.all().delete()
            TeamMember.objects.all().delete()
            Campaign.objects.all().delete()  # their members went with the customers
            reset_renewal_model()
        with bar("customers", unit="customers", total=count) as progress:
            company = seed_company(rng, count, now, progress)
        context = DemoContext(
            rng=rng,
            today=now.date(),
            now=now,
            customers=company.customers,
            health_weeks=health_weeks,
        )
        for name, step in STEPS:
            with bar(name) as progress:
                step(context, progress)
        # A version fitted on the seeded renewals, active if it beats the prior on its hold-out
        # (with fewer than 200 resolved renewals, a small demo keeps the prior).
        with bar("renewal model", unit="renewals") as progress:
            company.renewal_model = renewal_model_fit(
                as_of=context.today, activate="if_better", progress=progress
            )
    return company
