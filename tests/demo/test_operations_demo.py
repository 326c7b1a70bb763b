import random
from collections import defaultdict
from datetime import datetime
from statistics import mean
from typing import Any

import pytest
from django.db.models import Max

from customers.models import Customer, Stakeholder, TeamMember
from demo import context as demo
from demo import customers as company
from demo.operations import seed_operations
from operations import measures
from operations.models import SupportTicket, SurveyResponse, Task

pytestmark = pytest.mark.django_db


def _seed(
    count: int, seed: int = 7, now: datetime | None = None
) -> tuple[demo.DemoContext, int, list[int]]:
    rng = random.Random(seed)
    now = now or demo.demo_now()
    team = company.build_team(rng, count)
    TeamMember.objects.bulk_create(team)
    customers = company.build_customers(rng, count, team, now)
    Customer.objects.bulk_create(customers)
    stakeholders, _, _ = company.build_people_and_plans(rng, customers, now.date())
    Stakeholder.objects.bulk_create(stakeholders)
    ctx = demo.DemoContext(rng=rng, today=now.date(), now=now, customers=customers)
    chunks: list[int] = []
    return ctx, seed_operations(ctx, chunks.append), chunks


def _snapshot() -> list[tuple]:
    return list(
        SupportTicket.objects.order_by("ticket_id").values_list(
            "ticket_id", "customer__customer_id", "priority", "status"
        )
    )


def test_seed_follows_each_customers_story() -> None:
    ctx, total, chunks = _seed(120)
    rows = SupportTicket.objects.count() + SurveyResponse.objects.count() + Task.objects.count()
    assert total == rows == sum(chunks)
    stories = {c.pk: demo.story(c) for c in ctx.customers}
    assert {demo.HEALTHY, demo.DECLINING, demo.NEW, demo.CHURNED} <= set(stories.values())

    def by_story(result: dict) -> dict[str, float]:
        scores = defaultdict(list)
        for pk, value in result.items():
            scores[stories[pk]].append(value.score)
        return {story: mean(values) for story, values in scores.items()}

    support = by_story(measures.support(None, ctx.today))
    sentiment = by_story(measures.sentiment(None, ctx.today))
    engagement = by_story(measures.engagement(None, ctx.today))
    assert support[demo.DECLINING] + 30 < support[demo.HEALTHY]
    assert sentiment[demo.DECLINING] + 30 < sentiment[demo.HEALTHY]
    assert engagement[demo.DECLINING] + 15 < engagement[demo.HEALTHY]

    # Declining accounts have open high/urgent tickets; every resolved ticket is consistent.
    declining = [pk for pk, story in stories.items() if story == demo.DECLINING]
    assert SupportTicket.objects.filter(
        customer_id__in=declining, status__in=["open", "pending"], priority__in=["high", "urgent"]
    ).exists()
    assert not SupportTicket.objects.filter(status__in=["resolved", "closed"], resolved_at=None)
    assert not SupportTicket.objects.filter(status__in=["open", "pending"]).exclude(
        resolved_at=None
    )
    # Scores stay in their ranges; owners are the account's CSM; nothing after churn.
    assert not SurveyResponse.objects.filter(kind="csat", score__in=[0, 6, 7, 8, 9, 10])
    assert not Task.objects.exclude(owner_id=None).exclude(
        owner_id__in=Customer.objects.values("success_manager_id")
    )
    for customer in Customer.objects.filter(status="churned"):
        last = customer.tasks.aggregate(last=Max("completed_at"))["last"]
        assert last is None or last <= customer.churned_at
        assert not customer.tasks.filter(completed_at=None).exists()


def test_seed_is_deterministic() -> None:
    now = demo.demo_now()
    _seed(40, now=now)
    first = _snapshot()
    assert first
    Customer.objects.all().delete()
    TeamMember.objects.all().delete()
    _seed(40, now=now)
    assert _snapshot() == first


def test_admin_pages_render(admin_client: Any) -> None:
    _seed(10)
    ticket, survey, task = (
        SupportTicket.objects.first(),
        SurveyResponse.objects.first(),
        Task.objects.first(),
    )
    assert ticket is not None
    assert survey is not None
    assert task is not None
    for url in [
        "/admin/operations/supportticket/",
        f"/admin/operations/supportticket/{ticket.pk}/change/",
        "/admin/operations/supportticket/?q=TCK&status__exact=open",
        "/admin/operations/surveyresponse/",
        f"/admin/operations/surveyresponse/{survey.pk}/change/",
        "/admin/operations/task/",
        f"/admin/operations/task/{task.pk}/change/",
        "/admin/operations/task/?completed_at__isempty=1",
    ]:
        assert admin_client.get(url).status_code == 200, url
