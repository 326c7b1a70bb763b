"""Demo feedback: requests from about half the customers over the last year, scored with the
real priority formula from the seeded ARR and health, moved along the delivery commitment."""

from bisect import bisect_right
from datetime import timedelta
from typing import Any

from django.db.models import OuterRef, Subquery

from customers import demo, facts
from customers.demo import DemoContext, Progress
from customers.models import Customer, HealthScore
from integrations.bulk_sql import chunks
from integrations.ids import new_public_id

from .choices import BusinessImpact, FeedbackPriority, FeedbackStatus, FeedbackType
from .models import Feedback, FeedbackStatusChange
from .services.feedback import score_priority

TOPICS = [
    ("workflow_automation", FeedbackType.FEATURE_REQUEST, "Need automated health score triggers"),
    ("reporting", FeedbackType.FEATURE_REQUEST, "Scheduled exports of the adoption report"),
    ("reporting", FeedbackType.IMPROVEMENT, "Filter dashboards by business unit"),
    ("integrations", FeedbackType.INTEGRATION_REQUEST, "Two-way sync with our CRM"),
    ("sso", FeedbackType.FEATURE_REQUEST, "SCIM provisioning for user lifecycle"),
    ("performance", FeedbackType.PERFORMANCE, "Large reports time out after 60 seconds"),
    ("mobile", FeedbackType.BUG, "Mobile app loses the session after an update"),
    ("permissions", FeedbackType.IMPROVEMENT, "Read-only role for auditors"),
    ("seats", FeedbackType.EXPANSION_REQUEST, "Pricing for 200 more seats in EMEA"),
    ("usability", FeedbackType.USABILITY, "Bulk edit is hard to find"),
]
# Unhappy customers ask for more and rate it higher.
ASK_RATE = {
    demo.HEALTHY: 0.4,
    demo.DECLINING: 0.9,
    demo.LATE_PAYER: 0.5,
    demo.NEW: 0.3,
    demo.CHURNED: 0.6,
}
IMPACTS = list(BusinessImpact)
PRIORITIES = list(FeedbackPriority)
RELEASES = ["2026.10", "2026.12", "2027.02", "2027.04"]


def seed_feedback(ctx: DemoContext, progress: Progress) -> int:
    rng, now = ctx.rng, ctx.now
    pks = [c.pk for c in ctx.customers]
    latest = HealthScore.objects.filter(customer=OuterRef("pk")).order_by("-computed_at")
    facts_by_pk: dict[int, dict[str, Any]] = {}
    for part in chunks(pks, 900):
        for row in Customer.objects.filter(pk__in=part).values(
            "pk",
            arr=facts.arr_expression("pk"),
            health=Subquery(latest.values("score")[:1]),
            health_as_of=Subquery(latest.values("as_of")[:1]),
        ):
            facts_by_pk[row["pk"]] = dict(row)
    arrs = sorted(r["arr"] for r in facts_by_pk.values() if r["arr"])
    items: list[Feedback] = []
    changes: list[tuple[int, list[tuple[str, str, Any, str, str]]]] = []
    for customer in ctx.customers:
        kind = demo.story(customer)
        if rng.random() > ASK_RATE[kind]:
            continue
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            category, ftype, text = rng.choice(TOPICS)
            impact = rng.choice(IMPACTS[2:] if kind == demo.DECLINING else IMPACTS)
            info = facts_by_pk[customer.pk]
            arr = info["arr"]
            rank = _rank(arrs, arr)
            score, factors = score_priority(
                impact,
                arr=arr,
                rank=rank,
                ranked=len(arrs),
                health=info["health"],
                health_as_of=info["health_as_of"],
            )
            created = now - timedelta(days=rng.randint(1, 330), hours=rng.randint(0, 23))
            item = Feedback(
                feedback_id=new_public_id("fb"),
                customer=customer,
                type=ftype,
                category=category,
                priority=rng.choice(PRIORITIES),
                business_impact=impact,
                description=text,
                health_impact=rng.choice(["churn_risk_reduction", "adoption_increase", ""]),
                efficiency_gain=rng.choice(["40% reduction in manual work", "2 hours a week", ""]),
                customer_value=rng.choice(["proactive_success_intervention", "faster_rollout"]),
                priority_score=score,
                priority_factors=factors,
                status=FeedbackStatus.SUBMITTED,
                status_changed_at=created,
                submitted_by="demo",
            )
            path = _path(rng, created, now)
            for to, at, target, release, _note in path:
                item.status, item.status_changed_at = to, at
                if to == FeedbackStatus.COMMITTED:
                    item.committed_at = item.committed_at or at
                    item.target_date, item.target_release = target, release
                if to == FeedbackStatus.DELIVERED:
                    item.delivered_at = at
            items.append(item)
            changes.append((len(items) - 1, [(FeedbackStatus.SUBMITTED, "", created, "", "")]))
            prev: str = FeedbackStatus.SUBMITTED
            for to, at, _target, release, note in path:
                changes[-1][1].append((to, prev, at, release, note))
                prev = to
    Feedback.objects.bulk_create(items, batch_size=2000)
    history = []
    for index, steps in changes:
        item = items[index]
        for to, prev, at, release, note in steps:
            history.append(
                FeedbackStatusChange(
                    feedback=item,
                    from_status=prev,
                    to_status=to,
                    target_release=release if to == FeedbackStatus.COMMITTED else "",
                    target_date=item.target_date if to == FeedbackStatus.COMMITTED else None,
                    note=note,
                    changed_by="demo",
                    changed_at=at,
                )
            )
    FeedbackStatusChange.objects.bulk_create(history, batch_size=5000)
    progress(len(items) + len(history))
    return len(items)


def _rank(arrs: list[Any], arr: Any) -> float:
    """Share of customers with ARR whose ARR is at or below this one (as arr_rank does)."""
    if not arr or not arrs:
        return 0.0
    return bisect_right(arrs, arr) / len(arrs)


def _path(rng: Any, created: Any, now: Any) -> list[tuple[str, Any, Any, str, str]]:
    """Status changes after submission: most get reviewed, some committed, fewer delivered;
    a few commitments slip past their target (overdue)."""
    age = (now - created).days
    steps: list[tuple[str, Any, Any, str, str]] = []
    if age < 7 or rng.random() < 0.25:
        return steps
    at = created + timedelta(days=rng.randint(1, 6))
    steps.append((FeedbackStatus.REVIEWING, at, None, "", "triaged by product"))
    roll = rng.random()
    if roll < 0.15:
        steps.append((FeedbackStatus.DECLINED, at + timedelta(days=3), None, "", "not on roadmap"))
        return steps
    if roll < 0.4 or age < 30:
        return steps
    at = at + timedelta(days=rng.randint(3, 20))
    target = (at + timedelta(days=rng.randint(20, 120))).date()
    release = rng.choice(RELEASES)
    steps.append((FeedbackStatus.COMMITTED, at, target, release, "planned"))
    delivered = at + timedelta(days=rng.randint(15, 110))
    if delivered < now and rng.random() < 0.7:
        steps.append((FeedbackStatus.DELIVERED, delivered, None, "", f"shipped in {release}"))
    return steps
