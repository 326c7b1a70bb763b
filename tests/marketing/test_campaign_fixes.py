"""Campaign findings of the attack pass (issue 14): one campaign per external_campaign_id
(409 `campaign_exists`, also when racing), `warnings` on an unmeasurable campaign, API
instants ending in Z inside the measured impact, unambiguous estimate ranges with negative
ends, and empty filter values read as "no filter" like every list."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from integrations.models import Event
from marketing.campaigns.estimate import estimated_impact, range_text
from marketing.campaigns.services import campaigns_finalize
from marketing.errors import CampaignExists
from marketing.models import Campaign, CampaignMember
from tests.concurrency.test_concurrent_writes import race
from tests.conftest import MakeClient
from tests.customers.factories import CustomerFactory
from tests.support.errors import assert_error

from .campaign_support import URL, create, customers, finished

pytestmark = pytest.mark.django_db

BODY: dict[str, Any] = {
    "trigger_type": "health_decline",
    "campaign_type": "retention",
    "target_audience": {"customer_segments": ["enterprise"]},
    "external_campaign_id": "hub-ext-1",
}


# --- external_campaign_id names one campaign -----------------------------------------------


def test_a_second_post_with_the_external_id_is_409_naming_the_first(api: Any) -> None:
    customers(4)
    first = api.post(URL, BODY, format="json")
    assert first.status_code == 201, first.content
    again = api.post(URL, BODY, format="json")
    error = assert_error(again, 409, "campaign_exists")
    assert again.json()["campaign_id"] == first.json()["campaign_id"]
    assert first.json()["campaign_id"] in error["detail"]
    assert Campaign.objects.count() == 1
    assert CampaignMember.objects.count() == 4  # no second audience, no second holdout
    assert Event.objects.filter(type="campaign.created").count() == 1


def test_blank_external_ids_do_not_collide(api: Any) -> None:
    customers(2)
    body = {k: v for k, v in BODY.items() if k != "external_campaign_id"}
    assert api.post(URL, body, format="json").status_code == 201
    assert api.post(URL, body, format="json").status_code == 201  # none given: no key
    assert create(["enterprise"], external_campaign_id="").size == 2  # the service's blank
    assert api.post(URL, BODY, format="json").status_code == 201
    assert Campaign.objects.count() == 4


def test_the_service_refuses_a_second_campaign_with_the_external_id() -> None:
    customers(2)
    first = create(["enterprise"], external_campaign_id="mkt-7")
    with pytest.raises(CampaignExists) as caught:
        create(["enterprise"], external_campaign_id="mkt-7")
    assert caught.value.extra() == {"campaign_id": first.campaign_id}
    assert caught.value.code == "campaign_exists"


# --- warnings --------------------------------------------------------------------------------


def test_an_empty_audience_warns(api: Any) -> None:
    body = {
        **{k: v for k, v in BODY.items() if k != "external_campaign_id"},
        "target_audience": {"customer_segments": ["promoters", "detractors"], "match": "all"},
    }
    response = api.post(URL, body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["target_audience"]["size"] == 0
    assert response.json()["warnings"] == [
        "The audience is empty: no active customer is in all of promoters, detractors."
    ]
    detail = api.get(f"{URL}/{response.json()['campaign_id']}").json()
    assert detail["warnings"] == response.json()["warnings"]


def test_an_empty_holdout_warns_and_a_measurable_campaign_does_not() -> None:
    customers(3)
    from marketing.campaigns.selectors import campaign_warnings

    none_held = create(["enterprise"], holdout_fraction=Decimal("0"))
    assert campaign_warnings(none_held) == [
        "The holdout is empty: no lift can be measured (nothing to compare with)."
    ]
    # round_half_up(0.5 × 3) = 2 held out, 1 treated: measurable
    assert campaign_warnings(create(["enterprise"], holdout_fraction=Decimal("0.5"))) == []
    any_empty = create(["small_business", "mid_market"])
    assert campaign_warnings(any_empty) == [
        "The audience is empty: no active customer is in any of small_business, mid_market."
    ]


# --- instants end in Z -----------------------------------------------------------------------


def test_measured_and_final_impact_instants_end_in_z(api: Any) -> None:
    customers(3)
    now = timezone.now().replace(microsecond=0)
    running = create(["enterprise"], now=now - timedelta(days=1))
    ended = create(["enterprise"], now=now - timedelta(days=20), measurement_window_days=7)
    campaigns_finalize()
    ended.refresh_from_db()
    assert ended.final_impact is not None
    assert ended.final_impact["measured_at"].endswith("+00:00")  # stored as is
    for campaign in (running, ended):
        body = api.get(f"{URL}/{campaign.campaign_id}").json()
        measured_at = body["measured_impact"]["measured_at"]
        assert measured_at.endswith("Z"), measured_at
        assert body["created_at"].endswith("Z")
    frozen = api.get(f"{URL}/{ended.campaign_id}").json()["measured_impact"]
    # the window's end: created 20 days ago + 7 days
    expected = (now - timedelta(days=13)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert frozen["measured_at"] == expected


# --- estimate text ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("low", "high", "text"),
    [
        (15, 20, "15-20%"),
        (0, 3, "0-3%"),
        (14.6, 15.4, "15%"),
        (-3, -1, "-3% to -1%"),
        (-5, 1000, "-5% to 1000%"),
        (-5, 10, "-5% to 10%"),
        (-0.4, 2, "0-2%"),  # -0.4 rounds (half-up, away from zero at .5) to 0
        (-0.5, 2, "-1% to 2%"),
        (-6.2, -5.5, "-6%"),
    ],
)
def test_range_text(low: float, high: float, text: str) -> None:
    assert range_text(low, high) == text


def test_a_negative_historical_range_is_unambiguous() -> None:
    for lift in (-4.0, -3.0, -1.0, 0.0, 2.0):
        finished("winback", lift, None)
    # 25th/75th percentile at positions 1 and 3 of (-4, -3, -1, 0, 2): -3 and 0
    estimate = estimated_impact("winback")
    assert estimate["retention_improvement"] == "-3% to 0%"
    assert (estimate["retention_improvement_low"], estimate["retention_improvement_high"]) == (
        -3.0,
        0.0,
    )


# --- empty filter values -----------------------------------------------------------------------


def test_empty_filter_values_mean_no_filter_like_every_list(api: Any) -> None:
    """The house rule (django-filter, `customers?segment=` alike): an empty value is the
    filter left out; a non-empty unknown value is 400."""
    customers(3)
    campaign = create(["enterprise"], holdout_fraction=Decimal("0.34"))  # 1 held out
    CustomerFactory(segment="enterprise")
    everything = api.get(URL).json()["results"]
    assert api.get(URL, {"campaign_type": "", "status": ""}).json()["results"] == everything
    assert api.get("/api/v1/customers", {"segment": ""}).status_code == 200
    members = f"{URL}/{campaign.campaign_id}/members"
    assert len(api.get(members, {"group": ""}).json()["results"]) == 3
    assert len(api.get(members, {"group": "holdout"}).json()["results"]) == 1
    assert_error(api.get(members, {"group": "nope"}), 400, "invalid_choice", "group")
    assert_error(api.get(URL, {"status": "nope"}), 400, "invalid_choice", "status")


# --- PostgreSQL: two requests racing with one external id ------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_posts_with_one_external_id_make_one_campaign(make_client: MakeClient) -> None:
    customers(5)
    clients = [make_client("marketing:write") for _ in range(3)]
    for round_no in range(3):
        body = {**BODY, "external_campaign_id": f"race-{round_no}"}
        responses = race(*(lambda c=c, b=body: c.post(URL, b, format="json") for c in clients))
        for response in responses:
            assert not isinstance(response, BaseException), repr(response)
        codes = sorted(r.status_code for r in responses)
        assert codes == [201, 409, 409], [r.content for r in responses]
        created = next(r for r in responses if r.status_code == 201).json()["campaign_id"]
        assert {r.json()["campaign_id"] for r in responses} == {created}
        assert Campaign.objects.filter(external_campaign_id=f"race-{round_no}").count() == 1
    assert CampaignMember.objects.count() == 3 * 5
