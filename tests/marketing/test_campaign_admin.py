"""The campaign admin: a searchable, filterable list, a read-only page with the impact read-out,
the members of each group and the segment registry; priors edited through the service."""

import re
from decimal import Decimal
from typing import Any

import pytest

from integrations.domain_errors import Invalid
from marketing.campaigns.services import campaign_type_prior_save
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
    # The registry: a collapsible block on the list, not the page title (issue 14).
    assert '<details class="module" id="segment-registry">' in page
    assert "Customers whose segment is enterprise." in page
    title = page.split("<title>")[1].split("</title>")[0]
    assert "enterprise" not in title
    assert len(title) < 100


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


# --- issue 14 ------------------------------------------------------------------------------


def _inline_ids(page: str, group: str) -> list[str]:
    """The customer ids listed in one group's inline (its table, up to the next inline)."""
    start = page.index(f"{group.capitalize()} members (")
    end = page.find("members (", start + 20)
    section = page[start : end if end > 0 else len(page)]
    return sorted(set(re.findall(r"[az]_(?:enterprise|small_business)_\d{4}", section)))


def test_the_inlines_show_this_campaigns_first_50_of_each_group(staff: Any) -> None:
    # Another campaign's members sort first by customer_id: a slice over every campaign
    # (before narrowing to this one) showed this campaign almost none.
    customers(60, segment="small_business", prefix="a")
    create(["small_business"], holdout_fraction=Decimal("0.1"))
    mine = customers(60, segment="enterprise", prefix="z")
    campaign = create(["enterprise"], holdout_fraction=Decimal("0.2"))
    # holdout round_half_up(0.2 × 60) = 12, treated 48: every one listed (fewer than 50)
    assert (campaign.treated_count, campaign.holdout_count) == (48, 12)
    page = staff.get(f"{ADMIN}{campaign.pk}/change/").content.decode()
    members = {m.customer.customer_id: m.group for m in campaign.members.select_related("customer")}
    treated = sorted(c for c, g in members.items() if g == "treated")
    holdout = sorted(c for c, g in members.items() if g == "holdout")
    assert _inline_ids(page, "treated") == treated
    assert _inline_ids(page, "holdout") == holdout
    assert "the first 48 of 48 by customer_id" in page
    assert "the first 12 of 12 by customer_id" in page
    assert len(mine) == 60


def test_a_big_group_shows_its_first_50_and_the_total(staff: Any) -> None:
    customers(56, segment="enterprise", prefix="z")
    campaign = create(["enterprise"], holdout_fraction=Decimal("0"))
    page = staff.get(f"{ADMIN}{campaign.pk}/change/").content.decode()
    first_50 = [f"z_enterprise_{i:04d}" for i in range(50)]  # by customer_id
    assert _inline_ids(page, "treated") == first_50
    assert "the first 50 of 56 by customer_id" in page
    assert "the first 0 of 0 by customer_id" in page
    assert f"campaign__id__exact={campaign.pk}&group__exact=treated" in page  # all of them


def test_campaigns_and_members_cannot_be_deleted(staff: Any, campaign: Campaign) -> None:
    assert staff.get(f"{ADMIN}{campaign.pk}/delete/").status_code == 403
    assert staff.post(f"{ADMIN}{campaign.pk}/delete/", {"post": "yes"}).status_code == 403
    response = staff.post(
        ADMIN, {"action": "delete_selected", "_selected_action": [campaign.pk], "post": "yes"}
    )
    assert response.status_code in (200, 302)
    assert Campaign.objects.filter(pk=campaign.pk).exists()
    assert 'value="delete_selected"' not in staff.get(ADMIN).content.decode()
    member = campaign.members.first()
    assert member is not None
    url = f"/admin/marketing/campaignmember/{member.pk}/delete/"
    assert staff.post(url, {"post": "yes"}).status_code == 403
    assert campaign.members.count() == 10


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"retention_improvement_low": "-101.0"}, "From -100 to 100 percentage points."),
        ({"retention_improvement_high": "1000.0"}, "From -100 to 100 percentage points."),
        ({"engagement_lift": "-100.5"}, "From -100 to 1000 %."),
        ({"engagement_lift": "1000.1"}, "From -100 to 1000 %."),
        (
            {"retention_improvement_low": "30.0"},
            "The low end of the retention range must not exceed the high end.",
        ),
    ],
)
def test_a_prior_out_of_bounds_is_refused_with_a_clear_message(
    staff: Any, changes: dict[str, str], message: str
) -> None:
    ensure_priors()
    prior = CampaignTypePrior.objects.get(campaign_type="retention")
    before = (prior.retention_improvement_low, prior.retention_improvement_high)
    url = f"/admin/marketing/campaigntypeprior/{prior.pk}/change/"
    form = {
        "retention_improvement_low": str(prior.retention_improvement_low),
        "retention_improvement_high": str(prior.retention_improvement_high),
        "engagement_lift": str(prior.engagement_lift),
        "note": prior.note,
    }
    form.update({f"initial-{k}": v for k, v in form.items()})
    response = staff.post(url, {**form, **changes}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert message.replace("'", "&#x27;") in page
    assert "prior_range_ordered" not in page  # never the raw constraint
    prior.refresh_from_db()
    assert (prior.retention_improvement_low, prior.retention_improvement_high) == before


@pytest.mark.parametrize(
    ("data", "attr"),
    [
        ({"retention_improvement_low": Decimal("-100.1")}, "retention_improvement_low"),
        ({"retention_improvement_high": Decimal("100.1")}, "retention_improvement_high"),
        ({"engagement_lift": Decimal("1000.1")}, "engagement_lift"),
        ({"retention_improvement_low": Decimal("21")}, "retention_improvement_low"),
    ],
)
def test_the_prior_service_checks_the_bounds(data: dict[str, Any], attr: str) -> None:
    ensure_priors()
    prior = CampaignTypePrior.objects.get(campaign_type="retention")  # 15-20, 25 seeded
    with pytest.raises(Invalid) as caught:
        campaign_type_prior_save(prior=prior, data=data)
    assert caught.value.attr == attr
    edge = {"retention_improvement_low": Decimal(-100), "retention_improvement_high": Decimal(100)}
    saved = campaign_type_prior_save(prior=prior, data={**edge, "engagement_lift": Decimal(-100)})
    assert (saved.retention_improvement_low, saved.engagement_lift) == (-100, -100)
