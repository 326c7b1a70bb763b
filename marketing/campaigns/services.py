"""Writes of campaigns (README "Marketing: campaigns"): creation with the materialised audience
and holdout, and the daily finalize sweep that freezes a finished campaign's impact."""

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from customers import read as customers_read
from integrations import events
from integrations.clock import today
from integrations.domain_errors import Invalid
from integrations.writes import serialize
from product import read as product_read

from ..choices import AudienceMatch, CampaignType, MemberGroup, TriggerType
from ..errors import CampaignExists
from ..models import (
    ENGAGEMENT_PCT_RANGE,
    PRIOR_RANGE_MESSAGE,
    RETENTION_POINTS_RANGE,
    Campaign,
    CampaignMember,
    CampaignTypePrior,
    new_campaign_id,
)
from ..signals.segments import audience, segment_check
from .estimate import estimated_impact
from .holdout import holdout_ids
from .impact import measure

CREATED_EVENT = "campaign.created"
MEMBER_BATCH = 1000
MAX_HOLDOUT = Decimal("0.5")
WINDOW_DAYS = (7, 365)
SEGMENTS_ATTR = "target_audience.customer_segments"


def _validate(
    trigger_type: str,
    campaign_type: str,
    segments: Sequence[str],
    match: str,
    holdout_fraction: Decimal,
    window_days: int,
) -> None:
    if trigger_type not in TriggerType.values:
        raise Invalid(f"One of: {', '.join(TriggerType.values)}.", attr="trigger_type")
    if campaign_type not in CampaignType.values:
        raise Invalid(f"One of: {', '.join(CampaignType.values)}.", attr="campaign_type")
    if match not in AudienceMatch.values:
        raise Invalid("any or all.", attr="target_audience.match")
    if not segments:
        raise Invalid("At least one segment.", code="empty", attr=SEGMENTS_ATTR)
    if len(set(segments)) != len(segments):
        raise Invalid("Each segment once.", code="duplicate", attr=SEGMENTS_ATTR)
    # The API names each unknown one at its index (the serializer); here all, at the first.
    segment_check(segments, attr=SEGMENTS_ATTR)
    if not Decimal(0) <= holdout_fraction <= MAX_HOLDOUT:
        raise Invalid("From 0 to 0.5.", code="out_of_range", attr="holdout_fraction")
    if not WINDOW_DAYS[0] <= window_days <= WINDOW_DAYS[1]:
        raise Invalid("From 7 to 365 days.", code="out_of_range", attr="measurement_window_days")


def campaign_create(
    *,
    trigger_type: str,
    campaign_type: str,
    segments: Sequence[str],
    match: str = AudienceMatch.ANY,
    name: str = "",
    external_campaign_id: str = "",
    holdout_fraction: Decimal = Decimal("0.100"),
    measurement_window_days: int = 90,
    now: datetime | None = None,
    campaign_id: str | None = None,
) -> Campaign:
    """The campaign, its members (the audience now, each with its baseline: the latest health
    snapshot and the usage events of the 30 days up to today), the holdout drawn by
    holdout_ids, and `estimated_impact`; `campaign.created` in the same transaction.
    A non-blank `external_campaign_id` names one campaign: another is CampaignExists (409),
    also when two requests race (the unique constraint). `campaign_id`: a new one unless the
    caller brings its own (the demo's are derived from its campaigns' names, so its holdouts
    are the same on every seed). A fixed number of queries plus one insert per 1,000
    members."""
    holdout_fraction = Decimal(holdout_fraction)
    _validate(
        trigger_type, campaign_type, segments, match, holdout_fraction, measurement_window_days
    )
    _check_external_id(external_campaign_id)
    now = now or timezone.now()
    day = today(now)
    try:
        return _create(
            trigger_type=trigger_type,
            campaign_type=campaign_type,
            segments=segments,
            match=match,
            name=name,
            external_campaign_id=external_campaign_id,
            holdout_fraction=holdout_fraction,
            measurement_window_days=measurement_window_days,
            now=now,
            day=day,
            campaign_id=campaign_id,
        )
    except IntegrityError:
        # A racing request with the same external_campaign_id committed first (the unique
        # constraint refused this insert; the savepoint rolled it back): answered as a 409.
        _check_external_id(external_campaign_id)
        raise


def _check_external_id(external_campaign_id: str) -> None:
    if not external_campaign_id:
        return
    existing = (
        Campaign.objects.filter(external_campaign_id=external_campaign_id)
        .values_list("campaign_id", flat=True)
        .first()
    )
    if existing is not None:
        raise CampaignExists(external_campaign_id, existing)


def _create(
    *,
    trigger_type: str,
    campaign_type: str,
    segments: Sequence[str],
    match: str,
    name: str,
    external_campaign_id: str,
    holdout_fraction: Decimal,
    measurement_window_days: int,
    now: datetime,
    day: date,
    campaign_id: str | None,
) -> Campaign:
    with transaction.atomic():  # a savepoint when called inside a transaction
        matched = audience(list(segments), match, day)
        pks = sorted(matched)
        refs = customers_read.customer_refs(pks)
        pks = [pk for pk in pks if pk in refs]
        health = customers_read.latest_health_scores(pks, computed_until=now)
        usage = product_read.usage_totals(pks, day) if pks else {}
        campaign_id = campaign_id or new_campaign_id()
        held = holdout_ids(campaign_id, [refs[pk].customer_id for pk in pks], holdout_fraction)
        campaign = Campaign.objects.create(
            campaign_id=campaign_id,
            name=name,
            external_campaign_id=external_campaign_id,
            trigger_type=trigger_type,
            campaign_type=campaign_type,
            segments=list(segments),
            match=match,
            holdout_fraction=holdout_fraction,
            measurement_window_days=measurement_window_days,
            size=len(pks),
            treated_count=len(pks) - len(held),
            holdout_count=len(held),
            estimated_impact=estimated_impact(campaign_type),
            created_at=now,
            ends_at=now + timedelta(days=measurement_window_days),
        )
        members = []
        for pk in pks:
            snap = health.get(pk)
            totals = usage.get(pk)
            in_holdout = refs[pk].customer_id in held
            members.append(
                CampaignMember(
                    campaign=campaign,
                    customer_id=pk,
                    group=MemberGroup.HOLDOUT if in_holdout else MemberGroup.TREATED,
                    segments=list(matched[pk]),
                    baseline_score=snap.score if snap else None,
                    baseline_grade=snap.grade if snap else "",
                    baseline_computed_at=snap.computed_at if snap else None,
                    baseline_events_30d=totals.events_last_30d if totals else 0,
                )
            )
        CampaignMember.objects.bulk_create(members, batch_size=MEMBER_BATCH)
        events.publish(
            CREATED_EVENT,
            data={
                "campaign_id": campaign.campaign_id,
                "name": campaign.name,
                "external_campaign_id": campaign.external_campaign_id,
                "trigger_type": trigger_type,
                "campaign_type": campaign_type,
                "customer_segments": list(segments),
                "match": match,
                "size": campaign.size,
                "treated": campaign.treated_count,
                "holdout": campaign.holdout_count,
                "ends_at": campaign.ends_at.isoformat(),
            },
        )
    return campaign


def campaigns_finalize(now: datetime | None = None) -> list[str]:
    """Freeze `final_impact` (measured at ends_at) and `finalized_at` of every campaign whose
    window ended by `now` and is not finalized yet; one transaction per campaign. Two sweeps
    take turns (an advisory lock), so a campaign is finalized once. Returns their ids."""
    now = now or timezone.now()
    due = Campaign.objects.filter(ends_at__lte=now, finalized_at__isnull=True)
    done: list[str] = []
    for pk in list(due.order_by("ends_at", "pk").values_list("pk", flat=True)):
        with transaction.atomic():
            serialize("marketing.campaigns_finalize")
            campaign = due.filter(pk=pk).first()
            if campaign is None:  # finalized by a sweep that ran meanwhile
                continue
            impact = measure(campaign, campaign.ends_at)
            impact["final"] = True
            campaign.final_impact, campaign.finalized_at = impact, now
            campaign.save(update_fields=["final_impact", "finalized_at"])
            done.append(campaign.campaign_id)
    return done


def campaign_type_prior_save(
    *, prior: CampaignTypePrior, data: dict[str, Any]
) -> CampaignTypePrior:
    """The admin's edit of a prior: retention ends within −100..100 points, the engagement
    lift within −100..1000 %, low ≤ high; checked before the database's constraint."""
    for field, value in data.items():
        setattr(prior, field, value)
    bounds = {
        "retention_improvement_low": (RETENTION_POINTS_RANGE, "percentage points"),
        "retention_improvement_high": (RETENTION_POINTS_RANGE, "percentage points"),
        "engagement_lift": (ENGAGEMENT_PCT_RANGE, "%"),
    }
    for field, ((low, high), unit) in bounds.items():
        if not low <= Decimal(getattr(prior, field)) <= high:
            raise Invalid(f"From {low} to {high} {unit}.", code="out_of_range", attr=field)
    if prior.retention_improvement_low > prior.retention_improvement_high:
        raise Invalid(PRIOR_RANGE_MESSAGE, attr="retention_improvement_low")
    prior.save()
    return prior
