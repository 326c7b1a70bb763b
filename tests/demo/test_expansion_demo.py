"""Demo opportunities and value records follow each customer's story, through the services."""

from collections import Counter
from typing import Any

import pytest
from django.core.management import call_command

from customers.models import Customer
from demo import context as demo
from finance.models import ExpansionOpportunity, ValueRecord
from integrations.models import Event

pytestmark = pytest.mark.django_db


def _by_story() -> dict[str, Counter[str]]:
    stories: dict[Any, str] = {c.pk: demo.story(c) for c in Customer.objects.all()}
    found: dict[str, Counter[str]] = {}
    for customer_pk, status in ExpansionOpportunity.objects.values_list("customer", "status"):
        found.setdefault(stories[customer_pk], Counter())[status] += 1
    return found


def test_opportunities_and_value_records_follow_the_stories(admin_client: Any) -> None:
    call_command("seed_demo", "--customers", "60", "--health-weeks", "2", "--no-progress")
    found = _by_story()
    assert found[demo.HEALTHY]["won"] >= 1
    assert found[demo.HEALTHY]["won"] > found[demo.HEALTHY]["lost"]
    assert found[demo.DECLINING]["lost"] >= 1
    assert found[demo.DECLINING]["won"] == 0
    assert found.get(demo.CHURNED, Counter())["won"] == 0
    won = ExpansionOpportunity.objects.filter(status="won").count()
    assert Event.objects.filter(type="opportunity.won").count() == won  # via the service
    with_records = ValueRecord.objects.values("customer").distinct().count()
    assert with_records >= 0.5 * Customer.objects.count()
    first = list(ExpansionOpportunity.objects.values_list("opportunity_id", "value", "status"))

    call_command(
        "seed_demo", "--customers", "60", "--health-weeks", "2", "--no-progress", "--reset"
    )
    again = list(ExpansionOpportunity.objects.values_list("opportunity_id", "value", "status"))
    assert again == first  # deterministic
    opportunity, record = ExpansionOpportunity.objects.first(), ValueRecord.objects.first()
    assert opportunity is not None
    assert record is not None
    for url in [
        "/admin/finance/expansionopportunity/",
        "/admin/finance/expansionopportunity/?status__exact=won&q=opp",
        f"/admin/finance/expansionopportunity/{opportunity.pk}/change/",
        "/admin/finance/valuerecord/",
        "/admin/finance/valuerecord/?category__exact=cost_saving&q=val",
        f"/admin/finance/valuerecord/{record.pk}/change/",
    ]:
        assert admin_client.get(url).status_code == 200, url
