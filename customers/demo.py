"""Deterministic demo company for `seed_demo`: CSMs, customers, stakeholders, success plans.

Later domains add their own history through the seed registry below, so one command grows
the whole demo. Everything derives from one seeded RNG, so the same --seed gives the same data.
"""

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVar

from django.db.models import Model
from django.utils import timezone

from integrations.bulk_sql import chunks

from .choices import (
    CustomerStatus,
    LifecycleStage,
    MilestoneStatus,
    Segment,
    StageChangeSource,
    SuccessPlanStatus,
)
from .models import Customer, LifecycleChange, Milestone, Stakeholder, SuccessPlan, TeamMember

T = TypeVar("T", bound=Model)
Progress = Callable[[int], None]

_ADJ = [
    "Blue",
    "Bright",
    "North",
    "Silver",
    "Swift",
    "Prime",
    "Clear",
    "Iron",
    "Green",
    "Red",
    "Summit",
    "Atlas",
    "Nova",
    "Polar",
    "Golden",
    "Quantum",
    "Cedar",
    "Harbor",
    "Granite",
    "Vivid",
]
_NOUN = [
    "Ridge",
    "Labs",
    "Works",
    "Logistics",
    "Health",
    "Systems",
    "Foods",
    "Media",
    "Analytics",
    "Energy",
    "Retail",
    "Finance",
    "Robotics",
    "Travel",
    "Education",
    "Networks",
    "Studios",
    "Dynamics",
    "Partners",
    "Supply",
]
_SUFFIX = ["Inc", "LLC", "Group", "Co", "GmbH", "Ltd", "AG", "SA"]
_FIRST = [
    "Sarah",
    "John",
    "Maria",
    "David",
    "Aisha",
    "Liam",
    "Chen",
    "Priya",
    "Lucas",
    "Emma",
    "Noah",
    "Olivia",
    "Mateo",
    "Sofia",
    "Yuki",
    "Omar",
    "Hannah",
    "Ivan",
    "Zara",
    "Tom",
]
_LAST = [
    "Smith",
    "Doe",
    "Garcia",
    "Chen",
    "Khan",
    "Muller",
    "Rossi",
    "Silva",
    "Kim",
    "Novak",
    "Brown",
    "Patel",
    "Okafor",
    "Larsen",
    "Dubois",
    "Tanaka",
    "Hughes",
    "Weber",
    "Costa",
    "Ali",
]
_ROLES = [
    "VP Operations",
    "Head of Data",
    "IT Director",
    "CFO",
    "Product Owner",
    "Team Lead",
    "CTO",
    "Analyst",
]
_SKILLS = [
    "enterprise",
    "technical",
    "onboarding",
    "renewals",
    "analytics",
    "healthcare",
    "finance",
    "smb",
    "executive_communication",
]
_OBJECTIVES = [
    "adoption_target",
    "roi_target",
    "time_to_value",
    "seat_expansion",
    "executive_alignment",
    "support_reduction",
]

SEGMENT_MIX = [
    (Segment.ENTERPRISE, 0.2),
    (Segment.MID_MARKET, 0.35),
    (Segment.SMALL_BUSINESS, 0.45),
]
SEATS = {
    Segment.ENTERPRISE: (200, 2000),
    Segment.MID_MARKET: (40, 300),
    Segment.SMALL_BUSINESS: (5, 60),
}
LIVE_STAGES = [
    LifecycleStage.ONBOARDING,
    LifecycleStage.ADOPTION,
    LifecycleStage.VALUE_REALIZATION,
    LifecycleStage.EXPANSION,
    LifecycleStage.RENEWAL,
    LifecycleStage.ADVOCACY,
    LifecycleStage.AT_RISK,
]


@dataclass
class DemoContext:
    """What a seeding step needs: the RNG, the clock and the customers it may extend."""

    rng: random.Random
    today: date
    now: datetime
    customers: Sequence[Customer]
    health_weeks: int = 52


SeedStep = Callable[[DemoContext, Progress], int]
_steps: list[tuple[int, str, SeedStep]] = []


def register_seed_step(name: str, step: SeedStep, order: int = 10) -> None:
    """Higher apps add their demo history (usage, tickets, invoices ...) from ready().

    Steps run by `order`, then registration order; health history (order 100) runs last,
    over the data the others wrote.
    """
    if name not in [n for _, n, _ in _steps]:
        _steps.append((order, name, step))


def seed_steps() -> list[tuple[str, SeedStep]]:
    return [(name, step) for _, name, step in sorted(_steps, key=lambda s: s[0])]


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


def bulk_insert(model: type[T], rows: Sequence[T], progress: Progress, size: int = 5000) -> None:
    for part in chunks(rows, size):
        model.objects.bulk_create(part, batch_size=size)  # type: ignore[attr-defined]
        progress(len(part))


def _pick_segment(rng: random.Random) -> str:
    roll, acc = rng.random(), 0.0
    for segment, share in SEGMENT_MIX:
        acc += share
        if roll < acc:
            return segment
    return Segment.SMALL_BUSINESS


def build_team(rng: random.Random, customers: int) -> list[TeamMember]:
    count = max(5, customers // 40)
    team = []
    for i in range(count):
        first, last = _FIRST[i % len(_FIRST)], _LAST[(i * 7) % len(_LAST)]
        skills = rng.sample(_SKILLS, k=rng.randint(2, 4))
        team.append(
            TeamMember(
                email=f"{first}.{last}{'' if i < len(_FIRST) else i}@company.com".lower(),
                name=f"{first} {last}",
                capacity=rng.choice([40, 50, 60]),
                skills=sorted(skills),
            )
        )
    return team


def build_customers(
    rng: random.Random, count: int, team: Sequence[TeamMember], now: datetime
) -> list[Customer]:
    customers = []
    for i in range(count):
        segment = _pick_segment(rng)
        low, high = SEATS[Segment(segment)]
        churned = rng.random() < 0.08
        name = f"{rng.choice(_ADJ)} {rng.choice(_NOUN)} {rng.choice(_SUFFIX)}"
        customers.append(
            Customer(
                customer_id=f"cust_{10000 + i}",
                name=name,
                segment=segment,
                licensed_seats=rng.randint(low, high),
                status=CustomerStatus.CHURNED if churned else CustomerStatus.ACTIVE,
                churned_at=now - timedelta(days=rng.randint(5, 300)) if churned else None,
                lifecycle_stage=LifecycleStage.CHURNED if churned else rng.choice(LIVE_STAGES),
                success_manager=team[i % len(team)],
            )
        )
    return customers


def build_people_and_plans(
    rng: random.Random, customers: Sequence[Customer], today: date
) -> tuple[list[Stakeholder], list[SuccessPlan], list[list[Milestone]]]:
    stakeholders: list[Stakeholder] = []
    plans: list[SuccessPlan] = []
    milestones: list[list[Milestone]] = []
    for customer in customers:
        domain = customer.name.split()[0].lower() + customer.customer_id[-4:] + ".example"
        for j in range(rng.randint(2, 5)):
            first, last = rng.choice(_FIRST), rng.choice(_LAST)
            stakeholders.append(
                Stakeholder(
                    customer=customer,
                    email=f"{first}.{last}{j}@{domain}".lower(),
                    name=f"{first} {last}",
                    role=rng.choice(_ROLES),
                    is_champion=j == 0,
                    is_executive_sponsor=j == 1 and rng.random() < 0.6,
                )
            )
        start = today - timedelta(days=rng.randint(30, 540))
        objectives = rng.sample(_OBJECTIVES, k=rng.randint(2, 3))
        plans.append(
            SuccessPlan(
                customer=customer,
                title=f"{customer.name} success plan",
                objectives=objectives,
                start_date=start,
                status=SuccessPlanStatus.CANCELLED
                if customer.status == "churned"
                else SuccessPlanStatus.ACTIVE,
            )
        )
        items = []
        for k, objective in enumerate(objectives):
            due = start + timedelta(days=45 * (k + 1))
            achieved = due <= today and rng.random() < 0.7
            items.append(
                Milestone(
                    title=objective.replace("_", " "),
                    due_date=due,
                    status=MilestoneStatus.ACHIEVED
                    if achieved
                    else (MilestoneStatus.MISSED if due < today else MilestoneStatus.PLANNED),
                    achieved_on=due - timedelta(days=rng.randint(0, 20)) if achieved else None,
                )
            )
        milestones.append(items)
    return stakeholders, plans, milestones


def stage_history(customers: Sequence[Customer], now: datetime) -> list[LifecycleChange]:
    return [
        LifecycleChange(
            customer=c,
            from_stage="",
            to_stage=c.lifecycle_stage,
            source=StageChangeSource.IMPORT,
            reason="demo data",
            changed_at=now,
        )
        for c in customers
    ]


def demo_now() -> datetime:
    return timezone.now().replace(microsecond=0)
