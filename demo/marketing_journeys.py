"""Demo journeys (README "Marketing: journeys", "Demo data"): a share of each story's
customers moved through `journey_move` at past times, in time order, with the touchpoint sweep
(`journey_send_due`) run at each move's time and once more now, so the demo holds touchpoints
sent, suppressed, cancelled and still scheduled.

- healthy accounts: one step on (adoption -> value_realization -> expansion -> advocacy ...);
- late payers: towards renewal; those with an open intervention (the workflow step's alerts
  and escalations) get their promotional touchpoints suppressed;
- declining accounts not yet at_risk: a step on, then at_risk two days later, which cancels
  the pending promotional touchpoints of the step before.
New accounts stay in onboarding (`demo.context.story` reads the stage: an onboarding account
tells the new story) and churned ones where they are. The import's stage history row of each
demo customer is moved back to the account's creation (three years ago, like its created_at), so the
journey's past moves come after it. Its own RNG per customer: the other draws stay as they
were."""

import random
from datetime import datetime, timedelta

from customers.choices import ALLOWED_TRANSITIONS, StageChangeSource
from customers.models import Customer, LifecycleChange
from marketing.journey.services import journey_move, journey_send_due
from operations import read as operations_read

from . import context
from .context import DemoContext, Progress
from .customers import CUSTOMER_AGE

SHARE = {context.HEALTHY: 0.3, context.LATE_PAYER: 0.3, context.DECLINING: 0.6}
# The stage a story's account moves on to, from its current one.
NEXT = {
    context.HEALTHY: {
        "adoption": "value_realization",
        "value_realization": "expansion",
        "expansion": "advocacy",
        "advocacy": "expansion",
        "renewal": "expansion",
    },
    context.LATE_PAYER: {
        "adoption": "value_realization",
        "value_realization": "renewal",
        "expansion": "renewal",
        "advocacy": "renewal",
        "renewal": "value_realization",
    },
}
NEXT[context.DECLINING] = NEXT[context.LATE_PAYER]
DAYS_AGO = (2, 3, 5, 9, 16, 25)  # some moves' later touchpoints are still to come
SWEEP_EVERY = timedelta(hours=12)  # the sweep before a move, when none ran in the last 12 h

Move = tuple[datetime, int, str, str]  # when, customer pk, stage, reason


def seed_marketing_journeys(ctx: DemoContext, progress: Progress) -> int:
    pks = [c.pk for c in ctx.customers]
    LifecycleChange.objects.filter(
        customer_id__in=pks, source=StageChangeSource.IMPORT, reason="customer created"
    ).update(changed_at=ctx.now - CUSTOMER_AGE)
    customers = Customer.objects.in_bulk(pks)
    intervening = operations_read.open_intervention_refs(pks)
    moves: list[Move] = []
    for customer in sorted(customers.values(), key=lambda c: c.customer_id):
        moves += _plan(ctx, customer, customer.pk in intervening)
    moves.sort()
    swept_until = None
    for at, pk, stage, reason in moves:
        if swept_until is None or at - swept_until > SWEEP_EVERY:
            journey_send_due(now=at)  # what was due before this move went out (about) on time
            swept_until = at
        journey_move(
            customer=customers[pk],
            stage=stage,
            reason=reason,
            source=StageChangeSource.SYSTEM,
            occurred_at=at,
            now=at,
        )
    swept = journey_send_due(now=ctx.now)
    progress(len(moves) + swept.sent + swept.suppressed)
    return len(moves)


def _plan(ctx: DemoContext, customer: Customer, intervening: bool) -> list[Move]:
    story = context.story(customer)
    rng = random.Random(f"journey:{customer.customer_id}")
    chosen = rng.random() < SHARE.get(story, 0.0)
    if story == context.LATE_PAYER and intervening:
        chosen = True  # show the suppression
    target = NEXT.get(story, {}).get(customer.lifecycle_stage)
    if not chosen or target is None:
        return []
    if target not in ALLOWED_TRANSITIONS.get(customer.lifecycle_stage, ()):
        return []
    at = ctx.now - timedelta(days=rng.choice(DAYS_AGO), hours=rng.randint(0, 8))
    if story != context.DECLINING:
        return [(at, customer.pk, target, f"demo: {story} account moves on")]
    # Declining: a step on, then at risk two days later (its pending promotions cancelled).
    first = ctx.now - timedelta(days=rng.randint(20, 50), hours=rng.randint(0, 8))
    return [
        (first, customer.pk, target, "demo: moved on before the decline showed"),
        (first + timedelta(days=2), customer.pk, "at_risk", "demo: health declining"),
    ]
