"""The campaign admin: a searchable, filterable list, a read-only page with the impact read-out,
the members of each group and the segment registry; priors edited through the service."""

from decimal import Decimal
from typing import Any

import pytest

from marketing.models import Campaign, CampaignTypePrior

from .campaign_support import create, customers, ensure_priors

pytestmark = pytest.mark.django_db

ADMIN = "/admin/marketing/campaign/"


@pytest.fixture
def campaign() -> Campaign:
    customers(10)
    return create(
        ["enterprise"],
        name="Win back",
        external_campaign_id="mkt_9",
        holdout_fraction=Decimal("0.2"),
    )


def test_the_list_searches_and_filters(staff: Any, campaign: Campaign) -> None:
    for query in [
        {},
        {"q": campaign.campaign_id},
        {"q": "Win back"},
        {"q": "mkt_9"},
        {"campaign_type": "retention"},
        {"trigger_type": "health_decline"},
        {"finished": "yes"},  # created 2026-06-01 for 90 days: long finished
    ]:
        response = staff.get(ADMIN, query)
        assert response.status_code == 200, query
        assert campaign.campaign_id in response.content.decode(), query
    assert campaign.campaign_id not in staff.get(ADMIN, {"finished": "no"}).content.decode()
    page = staff.get(ADMIN).content.decode()
    assert "enterprise (company)" in page  # the segment registry, on the list


def test_the_detail_is_read_only_with_impact_members_and_segments(
    staff: Any, campaign: Campaign
) -> None:
    response = staff.get(f"{ADMIN}{campaign.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Treated vs holdout" in page
    assert "retention rate" in page
    assert "Treated members" in page
    assert "Holdout members" in page
    assert page.count("c_enterprise_") >= 10  # every member in one of the two inlines
    assert "Customers whose segment is enterprise." in page
    assert "group__exact=holdout" in page
    assert staff.post(f"{ADMIN}{campaign.pk}/change/", {}).status_code == 403
    assert staff.get(f"{ADMIN}add/").status_code == 403
    members = staff.get(
        "/admin/marketing/campaignmember/",
        {"campaign__id__exact": campaign.pk, "group__exact": "holdout"},
    )
    assert members.status_code == 200
    assert members.content.decode().count("c_enterprise_") >= 2


def test_a_prior_is_edited_through_the_service(staff: Any) -> None:
    ensure_priors()
    prior = CampaignTypePrior.objects.get(campaign_type="retention")
    url = f"/admin/marketing/campaigntypeprior/{prior.pk}/change/"
    page = staff.get(url)
    assert page.status_code == 200
    form = {
        "retention_improvement_low": "12.0",
        "initial-retention_improvement_low": "15.0",
        "retention_improvement_high": "18.0",
        "initial-retention_improvement_high": "20.0",
        "engagement_lift": "25.0",
        "initial-engagement_lift": "25.0",
        "note": prior.note,
        "initial-note": prior.note,
    }
    assert staff.post(url, form).status_code == 302
    prior.refresh_from_db()
    assert (prior.retention_improvement_low, prior.retention_improvement_high) == (12, 18)
    bad = {**form, "retention_improvement_low": "30.0", "initial-retention_improvement_low": "12.0"}
    response = staff.post(url, bad, follow=True)
    prior.refresh_from_db()
    assert prior.retention_improvement_low == 12
    assert response.status_code == 200
