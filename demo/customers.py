"""The demo company's people: CSMs, customers, stakeholders, success plans and milestones.

The CSMs and customers are written by the customers app's services (`team_member_create`,
`customers_bulk_upsert`), as the API writes them. Everything derives from one seeded RNG, so
the same --seed gives the same data.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from django.db.models import Model

from customers.choices import (
    CustomerStatus,
    LifecycleStage,
    MilestoneStatus,
    Segment,
    SuccessPlanStatus,
)
from customers.models import Customer, Milestone, Stakeholder, SuccessPlan, TeamMember
from customers.services import customers_bulk_upsert, team_member_create
from finance.renewals.services import FitReport
from integrations.bulk_sql import chunks

from .context import Progress

T = TypeVar("T", bound=Model)
BATCH = 5000  # items per bulk service call, within the API's 10,000-item limit

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


@dataclass
class Company:
    team: list[TeamMember]
    customers: list[Customer]
    stakeholders: int
    plans: int
    renewal_model: FitReport | None = None  # set by demo.seed once the history is in


CUSTOMER_AGE = timedelta(days=3 * 365)


def seed_company(rng: random.Random, count: int, now: datetime, progress: Progress) -> Company:
    """The CSMs and customers through the customers services (so customer.created events and
    the stage history are what an import writes); stakeholders, plans and milestones, which no
    bulk service writes, in bulk (one INSERT per row would make a large demo slow).
    `progress` counts the customers written, `count` in all."""
    built = build_team(rng, count)
    team = [
        team_member_create(email=m.email, name=m.name, capacity=m.capacity, skills=m.skills)
        for m in built
    ]
    unsaved = build_customers(rng, count, team, now)
    items = [_customer_item(c) for c in unsaved]
    for part in chunks(items, BATCH):
        customers_bulk_upsert(items=list(part))
        progress(len(part))
    saved = Customer.objects.select_related("success_manager").in_bulk(
        [c.customer_id for c in unsaved], field_name="customer_id"
    )
    customers = [saved[c.customer_id] for c in unsaved]
    # created_at is auto_now_add: the demo company existed before the history it is scored on
    # (a customer is scored for a day only once created, README "Definitions").
    for part_of in chunks([c.pk for c in customers], BATCH):
        Customer.objects.filter(pk__in=list(part_of)).update(created_at=now - CUSTOMER_AGE)
    stakeholders, plans, milestones = build_people_and_plans(rng, customers, now.date())
    bulk_insert(Stakeholder, stakeholders, _uncounted)
    # Stakeholders were recorded with their account, so a sponsor counts in the point-in-time
    # history (the renewal model reads "executive sponsor present by the day" from created_at).
    for part_of in chunks([c.pk for c in customers], BATCH):
        Stakeholder.objects.filter(customer_id__in=list(part_of)).update(
            created_at=now - CUSTOMER_AGE
        )
    bulk_insert(SuccessPlan, plans, _uncounted)
    flat = []
    for plan, items_of_plan in zip(plans, milestones, strict=True):
        for milestone in items_of_plan:
            milestone.plan = plan
            flat.append(milestone)
    bulk_insert(Milestone, flat, _uncounted)
    return Company(team=team, customers=customers, stakeholders=len(stakeholders), plans=len(plans))


def _uncounted(rows: int) -> None:
    """The customers bar counts customers: the people and plans around them are not."""


def _customer_item(customer: Customer) -> dict[str, Any]:
    """A customer as a validated bulk item (what the API hands customers_bulk_upsert)."""
    assert customer.success_manager is not None
    return {
        "customer_id": customer.customer_id,
        "name": customer.name,
        "segment": customer.segment,
        "licensed_seats": customer.licensed_seats,
        "status": customer.status,
        "churned_at": customer.churned_at,
        "lifecycle_stage": customer.lifecycle_stage,
        "success_manager": customer.success_manager.email,
    }
