"""Demo expansion evidence that follows each customer's story (README, "Sales: expansion
readiness"), written through the services, then the readiness scoring itself, so the
expansion read-out and list show real numbers on `make run`.

Healthy accounts adopt the premium features their segment's healthy peers favour, some
press against their seat limit, many ask for more (expansion_request feedback), often have
an executive sponsor and a recently achieved milestone; late payers ask now and then;
declining, new and churned accounts add nothing. Each customer draws from its own RNG (seeded
by its id), so the other demo steps draw as before."""

import random
from datetime import timedelta
from typing import Any

from customers.choices import MilestoneStatus, SuccessPlanStatus
from customers.models import Customer, Stakeholder, SuccessPlan
from customers.services import milestones_add
from customers.services.stakeholders import stakeholder_create
from product.choices import FeedbackType
from product.services.feedback import feedback_submit
from product.services.ingestion import usage_ingest
from sales.services.expansion import expansion_score

from . import context
from .context import DemoContext, Progress

# Segment -> (premium feature, share of its healthy accounts that use it): above the 40 %
# peer threshold for some, below it for others, so suggestions appear where peers lead.
PREMIUM_BY_SEGMENT = {
    "enterprise": [("feat_sso", 0.75), ("feat_audit", 0.5), ("feat_forecasting", 0.2)],
    "mid_market": [("feat_workflows", 0.6), ("feat_ai_assist", 0.3)],
    "small_business": [("feat_ai_assist", 0.5), ("feat_benchmarks", 0.25)],
}
ASKS = {context.HEALTHY: 0.5, context.LATE_PAYER: 0.2}
REQUESTS = [
    ("seats", "Pricing for 50 more seats for the new region"),
    ("premium", "Quote for the premium analytics tier"),
    ("rollout", "Roll the platform out to a second business unit"),
]


def _premium_usage(rng: random.Random, customer: Customer, today: Any) -> list[dict[str, Any]]:
    """Active on 6-12 of the last 30 days for each premium feature the account adopts."""
    rows = []
    seats = max(1, customer.licensed_seats)
    for feature_id, share in PREMIUM_BY_SEGMENT.get(customer.segment, []):
        if rng.random() >= share:
            continue
        for back in sorted(rng.sample(range(30), rng.randint(6, 12))):
            users = max(1, int(seats * rng.uniform(0.1, 0.4)))
            day = today - timedelta(days=back)
            rows.append(_row(customer, feature_id, day, users, rng))
    return rows


def _row(customer: Customer, feature_id: str, day: Any, users: int, rng: random.Random) -> Any:
    return {
        "customer_id": customer.customer_id,
        "feature_id": feature_id,
        "date": day,
        "events": users * rng.randint(3, 12),
        "active_users": users,
    }


def _seat_pressure(rng: random.Random, customer: Customer, today: Any) -> list[dict[str, Any]]:
    """A few busy days at 86-100 % of the licensed seats (seat_limit_approaching)."""
    seats = max(1, customer.licensed_seats)
    return [
        _row(
            customer,
            "feat_dashboards",
            today - timedelta(days=back),
            max(1, int(seats * rng.uniform(0.86, 1.0))),
            rng,
        )
        for back in rng.sample(range(1, 25), 3)
    ]


def seed_sales_expansion(ctx: DemoContext, progress: Progress) -> int:
    today, now = ctx.today, ctx.now
    usage: list[dict[str, Any]] = []
    milestones: list[tuple[SuccessPlan, dict[str, Any]]] = []
    written = 0
    live = [c for c in ctx.customers if context.story(c) in (context.HEALTHY, context.LATE_PAYER)]
    plans = {
        p.customer_id: p
        for p in SuccessPlan.objects.filter(
            customer__in=live, status=SuccessPlanStatus.ACTIVE
        ).order_by("created_at")
    }
    sponsored = set(
        Stakeholder.objects.filter(customer__in=live, is_executive_sponsor=True).values_list(
            "customer_id", flat=True
        )
    )
    for customer in live:
        kind = context.story(customer)
        rng = random.Random(f"sales_expansion:{customer.customer_id}")
        if rng.random() < ASKS[kind]:
            category, text = rng.choice(REQUESTS)
            feedback_submit(
                customer=customer,
                feedback={
                    "type": FeedbackType.EXPANSION_REQUEST,
                    "category": category,
                    "priority": "medium",
                    "business_impact": "important",
                    "description": text,
                },
                success_context={"customer_value": "expansion"},
                submitted_by="demo",
            )
            written += 1
        if kind != context.HEALTHY:
            continue
        usage += _premium_usage(rng, customer, today)
        if rng.random() < 0.35:
            usage += _seat_pressure(rng, customer, today)
        if customer.pk not in sponsored and rng.random() < 0.6:
            stakeholder_create(
                customer=customer,
                data={
                    "email": f"sponsor.{customer.customer_id}@client.example",
                    "name": "Executive Sponsor",
                    "role": "VP Operations",
                    "is_executive_sponsor": True,
                },
            )
            written += 1
        plan = plans.get(customer.pk)
        if plan is not None and rng.random() < 0.7:
            achieved = today - timedelta(days=rng.randint(3, 80))
            milestones.append(
                (
                    plan,
                    {
                        "title": "expansion readiness review",
                        "due_date": achieved,
                        "status": MilestoneStatus.ACHIEVED,
                        "achieved_on": achieved,
                    },
                )
            )
    if usage:
        usage_ingest(items=usage)
    milestones_add(items=milestones)
    written += len(usage) + len(milestones)
    progress(written)
    scored = expansion_score(as_of=today, computed_at=now)
    progress(len(scored))
    return written + len(scored)
