"""The demo writes through the domains' services (the API's write paths), so what they do
besides the rows shows in the demo too: events, stage history, derived priorities."""

import pytest
from django.core.management import call_command

from customers.models import Customer, LifecycleChange
from integrations.models import Event
from marketing.models import CampaignMember
from product.models import Feedback, FeedbackStatusChange
from product.services.feedback import priority_of

pytestmark = pytest.mark.django_db


def test_seed_demo_goes_through_the_services() -> None:
    call_command("seed_demo", "--customers", "40", "--health-weeks", "2", "--no-progress")
    customers = Customer.objects.count()
    assert customers == 40
    # customers_bulk_upsert: one customer.created event and one import stage change each
    assert Event.objects.filter(type="customer.created").count() == customers
    imported = LifecycleChange.objects.filter(source="import")
    assert imported.count() == customers
    assert set(imported.values_list("reason", flat=True)) == {"customer created"}
    # feedback_submit: one feedback.submitted event each, the priority from the real formula,
    # and the submission's history row moved back to the request's date
    items = list(Feedback.objects.select_related("customer"))
    assert items
    assert Event.objects.filter(type="feedback.submitted").count() == len(items)
    # the marketing step rescored its campaigns' treated members' health after the feedback
    # was scored: where the latest score differs from the one scored on, it is one of them
    treated = set(
        CampaignMember.objects.filter(group="treated").values_list("customer_id", flat=True)
    )
    compared = 0
    for item in items:
        score, factors = priority_of(item.customer, item.business_impact)
        if factors["health_score"] == item.priority_factors["health_score"]:
            assert score == item.priority_score
            compared += 1
        else:
            assert item.customer_id in treated
    assert compared
    for item in items[:10]:
        first = FeedbackStatusChange.objects.filter(feedback=item).order_by("changed_at").first()
        assert first is not None
        assert first.to_status == "submitted"
        assert first.changed_at < item.updated_at
