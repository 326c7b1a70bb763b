"""Measured impact, treated vs holdout, on rows built by hand (README "Marketing: campaigns");
the finalize sweep freezes it; estimated_impact from finished campaigns or the prior."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from customers.models import Customer
from marketing.campaigns.estimate import estimated_impact, percentile
from marketing.campaigns.selectors import campaign_impact
from marketing.campaigns.services import campaigns_finalize
from marketing.models import Campaign, CampaignTypePrior
from marketing.tasks import finalize_campaigns
from tests.conftest import MakeClient
from tests.product.factories import FeatureFactory
from tests.support.errors import assert_error

from .campaign_support import (
    START,
    START_DAY,
    URL,
    create,
    customers,
    ensure_priors,
    finished,
    groups,
    health,
    usage,
    won,
)

pytestmark = pytest.mark.django_db

MEASURE = START + timedelta(days=40)
MEASURE_DAY = START_DAY + timedelta(days=40)


@pytest.fixture
def measured() -> Campaign:
    """10 customers, holdout 0.2 → 8 treated, 2 holdout; outcomes set per group afterwards."""
    feature = FeatureFactory.create()
    for c in customers(10):
        health(c, 60, START - timedelta(days=1))
        usage(c, feature, START_DAY - timedelta(days=1), 10)  # baseline: 10 events each
    campaign = create(["enterprise"], holdout_fraction=Decimal("0.2"), measurement_window_days=60)
    g = groups(campaign)
    t, h = g["treated"], g["holdout"]
    assert (len(t), len(h)) == (8, 2)
    churn_at = START + timedelta(days=10)
    for c in (t[0], h[0]):  # one churn in each group, before the measure moment
        Customer.objects.filter(pk=c.pk).update(status="churned", churned_at=churn_at)
    # Churned after the measure moment: still retained at MEASURE.
    Customer.objects.filter(pk=t[1].pk).update(
        status="churned", churned_at=MEASURE + timedelta(days=1)
    )
    for c in t[:4]:  # +10 for four treated members, computed after the start
        health(c, 70, START + timedelta(days=20))
    health(t[4], 90, MEASURE + timedelta(days=1))  # after the measure moment: not counted
    health(h[0], 50, START + timedelta(days=20))  # −10 for one holdout member
    won(t[2], 8000, START_DAY + timedelta(days=5))
    won(t[3], 500, START_DAY - timedelta(days=1))  # before the start day: not counted
    won(h[1], 1000, MEASURE_DAY + timedelta(days=1))  # after the measure day: not counted
    for c in t:  # 15 events each in the 30 days up to the measure day
        usage(c, feature, MEASURE_DAY - timedelta(days=3), 15)
    for c in h:
        usage(c, feature, MEASURE_DAY - timedelta(days=3), 10)
    return campaign


def test_measured_lift_by_hand(measured: Campaign, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(5):
        impact = campaign_impact(measured, now=MEASURE)
    assert impact["measured_at"] == MEASURE.isoformat()
    assert impact["measure_day"] == MEASURE_DAY.isoformat()
    assert impact["final"] is False
    t, h = impact["treated"], impact["holdout"]
    # Retention: treated 7 of 8 = 0.875, holdout 1 of 2 = 0.5 → +37.5 points.
    assert (t["n"], t["retained"], t["retention_rate"]) == (8, 7, 0.875)
    assert (h["n"], h["retained"], h["retention_rate"]) == (2, 1, 0.5)
    # Health: treated four at +10 → +10 (n 4); holdout one at −10 → −10 (n 1); lift 20.
    assert (t["n_with_health"], t["mean_health_change"]) == (4, 10.0)
    assert (h["n_with_health"], h["mean_health_change"]) == (1, -10.0)
    # Expansion: treated 8000 (1 won) over 8 = 1000 per member; holdout 0 → +1000.
    assert (t["expansion_revenue"], t["won_opportunities"]) == (8000, 1)
    assert (t["expansion_revenue_per_member"], h["expansion_revenue_per_member"]) == (1000.0, 0.0)
    # Engagement: treated 8 × 15 = 120 ÷ 80 = 1.5; holdout 2 × 10 = 20 ÷ 20 = 1.0 → +50 %.
    assert (t["events_30d"], t["baseline_events_30d"], t["engagement_ratio"]) == (120, 80, 1.5)
    assert (h["events_30d"], h["baseline_events_30d"], h["engagement_ratio"]) == (20, 20, 1.0)
    assert impact["lift"] == {
        "retention_pp": 37.5,
        "health_change_points": 20.0,
        "expansion_revenue_per_member": 1000.0,
        "engagement_pct": 50.0,
    }
    assert impact["lift_reasons"] == {}


def test_so_far_is_capped_at_ends_at(measured: Campaign) -> None:
    later = campaign_impact(measured, now=START + timedelta(days=500))
    assert later["measured_at"] == measured.ends_at.isoformat()  # start + 60 days
    # By then t[1] had churned too: 6 of 8 treated retained.
    assert later["treated"]["retained"] == 6


def test_null_lifts_carry_reasons() -> None:
    customers(4)  # no health, no usage
    campaign = create(["enterprise"], holdout_fraction=Decimal("0.5"))
    impact = campaign_impact(campaign, now=START + timedelta(days=3))
    assert impact["lift"]["retention_pp"] == 0.0
    assert impact["lift"]["health_change_points"] is None
    assert impact["lift"]["engagement_pct"] is None
    assert set(impact["lift_reasons"]) == {"health_change_points", "engagement_pct"}
    assert impact["treated"]["engagement_ratio"] is None


def test_finalize_freezes_the_impact_once(measured: Campaign) -> None:
    assert campaigns_finalize(now=START + timedelta(days=59)) == []  # still running
    ends = measured.ends_at
    assert campaigns_finalize(now=ends + timedelta(hours=3)) == [measured.campaign_id]
    measured.refresh_from_db()
    assert measured.finalized_at == ends + timedelta(hours=3)
    frozen = measured.final_impact
    assert frozen is not None
    assert frozen["final"] is True
    assert frozen["measured_at"] == ends.isoformat()
    assert frozen["treated"]["retained"] == 6
    # Later changes do not move a frozen impact, and a second sweep leaves it alone.
    Customer.objects.all().update(status="churned", churned_at=START + timedelta(days=2))
    assert campaigns_finalize(now=ends + timedelta(days=5)) == []
    assert campaign_impact(measured) == frozen


def test_the_task_finalizes_what_ended() -> None:
    customers(2)
    campaign = create(
        ["enterprise"], now=timezone.now() - timedelta(days=8), measurement_window_days=7
    )
    assert finalize_campaigns() == 1
    campaign.refresh_from_db()
    assert campaign.finalized_at is not None


def test_detail_answers_the_impact(make_client: MakeClient, measured: Campaign) -> None:
    response = make_client("marketing:read").get(f"{URL}/{measured.campaign_id}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["campaign_id"] == measured.campaign_id
    assert body["target_audience"]["size"] == 10
    # Measured now: long after the window (60 days from 2026-06-01), so capped at ends_at.
    assert body["status"] == "finished"
    assert body["measured_impact"]["measured_at"].startswith("2026-07-31")
    assert body["measured_impact"]["lift"]["retention_pp"] == 25.0  # 6/8 − 1/2
    campaigns_finalize()
    body = make_client("marketing:read").get(f"{URL}/{measured.campaign_id}").json()
    assert body["measured_impact"]["final"] is True
    assert body["finalized_at"] is not None


def test_unknown_campaign_is_404(make_client: MakeClient) -> None:
    client = make_client("marketing:read")
    assert_error(client.get(f"{URL}/camp_nope"), 404, "campaign_not_found")
    assert_error(client.get(f"{URL}/camp_nope/members"), 404, "campaign_not_found")


# --- estimated impact ------------------------------------------------------------------------


def test_percentile_is_linear_interpolation() -> None:
    assert percentile([20, 2, 10, 4], 0.25) == 3.5  # position 0.75 between 2 and 4
    assert percentile([20, 2, 10, 4], 0.75) == 12.5  # position 2.25 between 10 and 20
    assert percentile([7], 0.25) == percentile([7], 0.75) == 7


def test_historical_basis_from_finished_campaigns_of_the_type() -> None:
    for retention, engagement in ((2, 10), (4, 30), (10, None), (20, 50)):
        finished("retention", retention, engagement)
    finished("retention", None, 99)  # no retention lift: left out
    finished("adoption", 90, 90)  # another type
    running = finished("retention", 100, 100)
    Campaign.objects.filter(pk=running.pk).update(finalized_at=None, final_impact=None)
    estimate = estimated_impact("retention")
    # Lifts 2, 4, 10, 20: 25th percentile 3.5, 75th 12.5 → "4-13%" (half-up);
    # engagement median of 10, 30, 50 = 30.
    assert estimate == {
        "retention_improvement": "4-13%",
        "engagement_lift": "30%",
        "retention_improvement_low": 3.5,
        "retention_improvement_high": 12.5,
        "engagement_lift_pct": 30.0,
        "basis": "historical",
        "sample_campaigns": 4,
        "engagement_sample_campaigns": 3,
    }


def test_one_finished_campaign_gives_a_single_value() -> None:
    finished("adoption", 6.5, None)
    estimate = estimated_impact("adoption")
    assert estimate["retention_improvement"] == "7%"  # 6.5 half-up
    assert (estimate["engagement_lift"], estimate["engagement_lift_pct"]) == (None, None)
    assert (estimate["basis"], estimate["sample_campaigns"]) == ("historical", 1)


def test_prior_basis_and_an_edited_prior() -> None:
    ensure_priors()
    assert estimated_impact("renewal")["retention_improvement"] == "10-15%"
    CampaignTypePrior.objects.filter(campaign_type="renewal").update(
        retention_improvement_low=Decimal("7.5"),
        retention_improvement_high=Decimal("7.5"),
        engagement_lift=Decimal("12.4"),
    )
    estimate = estimated_impact("renewal")
    assert estimate["retention_improvement"] == "8%"
    assert estimate["engagement_lift"] == "12%"
    assert (estimate["basis"], estimate["sample_campaigns"]) == ("prior", 0)
    CampaignTypePrior.objects.all().delete()
    assert estimated_impact("renewal")["basis"] == "none"


def test_a_new_campaign_stores_the_historical_estimate(make_client: MakeClient) -> None:
    finished("retention", 10, 20)
    finished("retention", 20, 40)
    customers(1)
    response = make_client("marketing:write").post(
        URL,
        {
            "trigger_type": "health_decline",
            "campaign_type": "retention",
            "target_audience": {"customer_segments": ["enterprise"]},
        },
        format="json",
    )
    estimate = response.json()["estimated_impact"]
    # 10 and 20: 25th percentile 12.5, 75th 17.5 → "13-18%"; engagement median 30.
    assert (estimate["retention_improvement"], estimate["engagement_lift"]) == ("13-18%", "30%")
    assert (estimate["basis"], estimate["sample_campaigns"]) == ("historical", 2)
