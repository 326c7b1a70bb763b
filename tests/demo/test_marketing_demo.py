"""The demo's marketing (demo.marketing, demo.marketing_journeys): finished campaigns of every
type whose frozen impacts give a new campaign a historical estimate, outcomes that follow the
stories for the treated members only, and journeys with touchpoints in every state.

Seeded once on a pinned day (the demo is built relative to today), 40 customers as the other
demo tests; one test checks it all, so the seed runs once."""

from collections import Counter, defaultdict
from datetime import UTC, datetime
from statistics import mean

import pytest
from django.core.management import call_command
from django.utils import timezone

from customers.models import HealthScore, LifecycleChange
from demo import context as demo
from demo.marketing import CAMPAIGNS, RUNNING
from marketing.campaigns.services import campaign_create
from marketing.models import Campaign, CampaignMember, Touchpoint
from operations.models import SurveyResponse

NOW = datetime(2026, 8, 22, 12, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_demo_campaigns_and_journeys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    call_command("seed_demo", "--customers", "40", "--no-progress")
    _finished_campaigns_of_every_type_with_both_groups()
    _adoption_campaigns_lift_health_for_the_treated()
    _outcomes_reach_the_treated_only()
    _new_campaigns_estimate_from_history()
    _one_weekly_snapshot_per_customer_and_day()
    _journeys_with_touchpoints_in_every_state()


def _finished_campaigns_of_every_type_with_both_groups() -> None:
    finished = list(Campaign.objects.filter(finalized_at__isnull=False))
    expected = sum(len(starts) for _, starts, _ in CAMPAIGNS.values())
    assert len(finished) == expected
    assert Counter(c.campaign_type for c in finished) == {
        kind: len(starts) for kind, (_, starts, _) in CAMPAIGNS.items()
    }
    for c in finished:
        assert c.ends_at <= NOW
        assert c.final_impact is not None
        assert c.treated_count > 0, c.name
        assert c.holdout_count > 0, c.name
        assert c.final_impact["lift"]["retention_pp"] is not None
    running = Campaign.objects.filter(finalized_at__isnull=True)
    assert running.count() == len(RUNNING)
    for c in running:
        assert c.ends_at > NOW
        assert c.estimated_impact["basis"] == "historical"


def _adoption_campaigns_lift_health_for_the_treated() -> None:
    """Mean (latest score by the end − baseline) per group, from the rows."""
    for campaign in Campaign.objects.filter(campaign_type="adoption", finalized_at__isnull=False):
        changes: dict[str, list[int]] = defaultdict(list)
        for m in CampaignMember.objects.filter(campaign=campaign):
            end = (
                HealthScore.objects.filter(
                    customer_id=m.customer_id,
                    computed_at__lte=campaign.ends_at,
                    computed_at__gt=campaign.created_at,
                )
                .order_by("-computed_at")
                .first()
            )
            if end is not None and m.baseline_score is not None:
                changes[m.group].append(end.score - m.baseline_score)
        treated, holdout = mean(changes["treated"]), mean(changes["holdout"])
        assert treated > holdout, campaign.name
        frozen = campaign.final_impact
        assert frozen is not None
        assert frozen["treated"]["n_with_health"] == len(changes["treated"])
        assert frozen["treated"]["mean_health_change"] == pytest.approx(treated, abs=0.005)
        assert frozen["holdout"]["mean_health_change"] == pytest.approx(holdout, abs=0.005)
        assert frozen["lift"]["health_change_points"] > 0


def _outcomes_reach_the_treated_only() -> None:
    held = set(CampaignMember.objects.filter(group="holdout").values_list("customer_id", flat=True))
    treated = set(
        CampaignMember.objects.filter(group="treated").values_list("customer_id", flat=True)
    )
    answers = SurveyResponse.objects.filter(response_id__startswith="nps_mkt_")
    assert answers.exists()
    assert {a.customer_id for a in answers} <= treated
    assert all(a.score >= 9 for a in answers)
    # an advocacy answer belongs to a treated member of that very campaign
    for a in answers:
        tag = a.response_id.split("_")[2]  # e.g. "advocacy1"
        name = f"Demo {tag.rstrip('0123456789')} #{tag[len(tag.rstrip('0123456789')) :]}"
        campaign = Campaign.objects.get(name=name)
        member = CampaignMember.objects.get(campaign=campaign, customer_id=a.customer_id)
        assert member.group == "treated"
    assert held  # a holdout exists; it may hold a customer treated in another campaign


def _new_campaigns_estimate_from_history() -> None:
    for kind, (trigger, _, fallbacks) in CAMPAIGNS.items():
        segments, match = fallbacks[-1]
        new = campaign_create(
            trigger_type=trigger, campaign_type=kind, segments=list(segments), match=match
        )
        estimate = new.estimated_impact
        assert estimate["basis"] == "historical", kind
        assert estimate["sample_campaigns"] == len(CAMPAIGNS[kind][1])


def _one_weekly_snapshot_per_customer_and_day() -> None:
    pairs = Counter(HealthScore.objects.values_list("customer_id", "as_of"))
    assert pairs
    assert max(pairs.values()) == 1
    weekly_days = {d for _, d in pairs}
    assert all((NOW.date() - d).days % 7 == 0 for d in weekly_days)


def _journeys_with_touchpoints_in_every_state() -> None:
    states = Counter(Touchpoint.objects.values_list("status", flat=True))
    assert set(states) == {"sent", "suppressed", "cancelled", "scheduled"}, states
    for t in Touchpoint.objects.filter(status="sent"):
        assert t.scheduled_for <= NOW
    for t in Touchpoint.objects.filter(status="scheduled"):
        assert t.scheduled_for > NOW
    assert all(
        t.reason.startswith("promotional while an intervention is open")
        for t in Touchpoint.objects.filter(status="suppressed")
    )
    # Cancelled by a move to at_risk, or as a pending touchpoint of the stage being left.
    assert all(
        "moved to at_risk" in t.reason or t.reason.startswith("customer left ")
        for t in Touchpoint.objects.filter(status="cancelled")
    )
    moves = LifecycleChange.objects.filter(source="system").select_related("customer")
    assert moves.exists()
    for change in moves:
        assert change.changed_at < NOW
        story = demo.story(change.customer)
        assert story in (demo.HEALTHY, demo.LATE_PAYER, demo.DECLINING)
        if change.to_stage == "at_risk":
            assert story == demo.DECLINING


@pytest.mark.django_db
def test_a_short_health_history_seeds_no_campaign_from_before_it() -> None:
    call_command("seed_demo", "--customers", "40", "--health-weeks", "2", "--no-progress")
    assert not Campaign.objects.filter(finalized_at__isnull=False).exists()
    # the running ones start 20 days ago whatever the history (their baseline: the oldest
    # snapshot by then, if any)
    assert Campaign.objects.count() == len(RUNNING)
