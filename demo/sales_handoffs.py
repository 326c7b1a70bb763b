"""Demo handoffs: each newer customer (story NEW, onboarding) was handed over by sales when
its contract started. Seeded through the handoff service, as the CRM's POST would make them:
the contract the finance sync already brought is named by its contract_id (used, not
duplicated), the CSM is the customer's, two of its stakeholders are the key stakeholders.

The handoff is recorded two weeks into onboarding, or two weeks after the customer's first
recorded use when that came later (or today, if sooner), so the baseline holds the customer's
first weeks of usage, adoption and health; the first check-in is a week later.
Its own RNG per customer: the demo's other draws stay as they were."""

import random
from datetime import datetime, time, timedelta

from django.db.models import Min
from django.utils import timezone

from customers.models import Stakeholder
from finance.choices import ContractStatus
from finance.models import Contract
from product.models import FeatureUsage
from sales.services.handoff import HandoffRequest, handoff_complete

from . import context
from .context import DemoContext, Progress

FIRST_WEEKS = timedelta(days=14)
CRITERIA = [
    "adoption_target",
    "seat_utilization_target",
    "roi_target",
    "health_target",
    "time_to_value",
    "executive_alignment",
    "support_reduction",
]
NOTES = [
    "Strong technical champion, budget confirmed",
    "Security review passed; rollout by region",
    "Replacing a spreadsheet process; wants quick wins",
    "Exec sponsor joined the final call; expects a QBR in 90 days",
]


def seed_sales_handoffs(ctx: DemoContext, progress: Progress) -> int:
    new = [
        c
        for c in ctx.customers
        if context.story(c) == context.NEW and c.success_manager_id is not None
    ]
    contracts = {  # customer pk -> its active contract
        contract.customer_id: contract
        for contract in Contract.objects.filter(
            customer__in=new, status=ContractStatus.ACTIVE
        ).order_by("customer_id", "start_date")
    }
    emails: dict[int, list[str]] = {}
    for customer_pk, email in (
        Stakeholder.objects.filter(customer__in=new)
        .order_by("email")
        .values_list("customer_id", "email")
    ):
        emails.setdefault(customer_pk, []).append(email)
    first_use = dict(
        FeatureUsage.objects.filter(customer__in=new)
        .values("customer_id")
        .annotate(first=Min("date"))
        .values_list("customer_id", "first")
        .order_by()
    )
    done = 0
    for customer in new:
        contract = contracts.get(customer.pk)
        if contract is None:
            continue
        rng = random.Random(f"handoff:{customer.customer_id}")
        began = max(contract.start_date, first_use.get(customer.pk, contract.start_date))
        as_of = min(ctx.today, began + FIRST_WEEKS)
        assert customer.success_manager is not None
        request = HandoffRequest(
            customer_id=customer.customer_id,
            deal_value=int(contract.value),
            contract_terms=contract.term,
            contract_id=contract.contract_id,
            onboarding_start=contract.start_date,
            first_check_in=as_of + timedelta(days=7),
            success_manager=customer.success_manager.email,
            key_stakeholders=tuple(emails.get(customer.pk, [])[:2]),
            success_criteria=tuple(rng.sample(CRITERIA, k=rng.randint(2, 4))),
            sales_notes=rng.choice(NOTES),
        )
        completed = timezone.make_aware(datetime.combine(as_of, time(17)))
        handoff_complete(request=request, as_of=as_of, now=min(completed, ctx.now))
        done += 1
        progress(1)
    return done
