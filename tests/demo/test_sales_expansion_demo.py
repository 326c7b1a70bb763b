"""Demo expansion evidence follows each customer's story and ends in real readiness numbers
(README, "Sales: expansion readiness")."""

from statistics import mean
from typing import Any

import pytest
from django.core.management import call_command

from customers.models import Customer
from demo import context as demo
from sales.models import ExpansionSnapshot

pytestmark = pytest.mark.django_db


def _seed(*extra: str) -> None:
    call_command("seed_demo", "--customers", "80", "--health-weeks", "2", "--no-progress", *extra)


def test_readiness_follows_the_stories_and_the_read_outs_show_it(api: Any) -> None:
    _seed()
    snapshots = list(ExpansionSnapshot.objects.select_related("customer"))
    live = Customer.objects.filter(status="active").count()
    assert len(snapshots) == live  # scored at the end of the seed
    by_story: dict[str, list[int]] = {}
    for s in snapshots:
        by_story.setdefault(demo.story(s.customer), []).append(s.score)
    assert mean(by_story[demo.HEALTHY]) > mean(by_story[demo.DECLINING]) + 15
    ready = [s for s in snapshots if s.ready]
    assert ready
    assert all(demo.story(s.customer) != demo.NEW for s in ready)

    suggested: set[str] = set()
    evidence: set[str] = set()
    for s in snapshots:
        if demo.story(s.customer) != demo.HEALTHY:
            continue
        body = api.get(f"/api/v1/cs-sales/expansion/{s.customer.customer_id}").json()
        suggested |= {o["type"] for o in body["opportunities"] if o["suggested"]}
        evidence |= set(body["success_evidence"])
    assert suggested == {"cross_sell", "upsell"}
    assert {"executive_sponsorship", "expansion_requested_by_customer"} <= evidence

    listed = api.get("/api/v1/cs-sales/expansion", {"page_size": "5"}).json()["results"]
    assert [row["score"] for row in listed] == sorted((s.score for s in snapshots), reverse=True)[
        :5
    ]

    first = sorted(ExpansionSnapshot.objects.values_list("customer__customer_id", "score"))
    _seed("--reset")
    again = sorted(ExpansionSnapshot.objects.values_list("customer__customer_id", "score"))
    assert again == first  # deterministic
