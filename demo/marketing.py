"""Demo campaigns (README "Marketing: campaigns", "Demo data"): finished campaigns of every
type with treated and holdout members whose outcomes follow their stories, so a new
campaign's `estimated_impact` has a historical basis on the first `make run`, and two
running ones.

1. Each type has campaigns that started in the past (CAMPAIGNS: days ago; the 90-day window
   has ended), created by `campaign_create(..., now=<start>)` over company segments combined
   with behavioural ones as of the start day; an audience with fewer than MIN_MEMBERS members
   falls back to the type's broader ones in turn, so a small demo (40 customers) has members and a
   holdout in every campaign. The registry evaluates behavioural segments as of the start day
   (health, adoption, engagement, NPS, onboarding), but three reads are of today: the active
   customers (an account that churned since is no member, so retention lifts are 0 — no
   member churned), the expansion readiness (the latest nightly run) and the contracts'
   status (`renewal_due_90d` finds no past renewals: the renewal campaigns name company
   segments as well). A campaign that would start before the seeded health history
   (`--health-weeks` shorter than its start) is left out.
2. Outcomes, for TREATED members only, in the window's last EFFECT_DAYS days (the campaign
   works gradually): more activity on the key features (usage ingest) for adoption,
   onboarding and retention campaigns on healthy, new, late-paying and declining accounts
   (declining ones recover a little; new ones from their first use), a small lift for
   renewal campaigns; won expansion opportunities (finance ingest) for a share of the healthy
   treated members of expansion campaigns; promoter NPS answers (survey ingest) for advocacy
   campaigns' treated members (demo.marketing_outcomes writes them). Health follows through
   the real engine: the weekly snapshots over the days the added rows reach (usage: the
   trailing 60 days the usage measures read; NPS: 180) are deleted and recomputed by the
   backfill service (one snapshot per week stays); so is every member's snapshot the impact
   reads (the last weekly one by the end, and the one before), holdout too, so both groups
   are scored on the same data (a rescored snapshot also reads what the demo's later steps
   added, e.g. the premium usage of the last 30 days).
3. `campaigns_finalize(now)` freezes the finished campaigns' impact; then the running
   campaigns start (20 days ago), their estimate from that history.
The audience is today's active customers, so a campaign that started before a new account
used the product holds it too (with its health of then; its outcome starts at its first use).
Every campaign and member draws from its own RNG (seeded by the campaign's name and the
customer id): the demo's other draws stay as they were."""

import hashlib
import random
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Min

from customers.models import Customer
from marketing.campaigns.services import campaign_create, campaigns_finalize
from marketing.choices import MemberGroup
from marketing.models import Campaign, CampaignMember
from marketing.signals.segments import audience
from product.models import Feature, FeatureUsage

from . import context
from .context import DemoContext, Progress
from .marketing_outcomes import Effects, lift_usage, promoter_answers, rescore, won, write

MIN_MEMBERS = 8
HOLDOUT = Decimal("0.3")  # the finished ones: 30 % held out, so a small demo has a holdout
EFFECT_DAYS = 21
USAGE_REACH = 60  # the usage measures read the trailing 30 days and the 30 before
NPS_REACH = 180  # sentiment reads the NPS answers of the last 180 days
Audience = tuple[tuple[str, ...], str]  # segments, match

# type -> trigger, the start of each finished campaign (days ago) with its audience, and the
# broader audiences a too-small one falls back to, in order (the last one whatever its size).
CAMPAIGNS: dict[str, tuple[str, list[tuple[int, Audience]], tuple[Audience, ...]]] = {
    "retention": (
        "health_decline",
        [
            (240, (("enterprise", "at_risk"), "all")),
            (150, (("mid_market", "declining"), "all")),
        ],
        ((("at_risk", "declining"), "any"),),
    ),
    "adoption": (
        "low_adoption",
        # Live accounts: today's new accounts were low on adoption then too, without usage.
        [
            (240, (("low_adoption", "declining"), "all")),
            (150, (("low_adoption", "healthy"), "all")),
        ],
        (
            (("low_adoption", "declining"), "all"),
            (("low_engagement", "healthy"), "all"),
            (("healthy", "declining"), "any"),
        ),
    ),
    # New accounts started using the product 20-60 days ago: these campaigns are recent (an
    # audience of today's active customers holds them before they used the product).
    "onboarding": (
        "onboarding",
        [(130, (("onboarding_90d",), "any")), (100, (("onboarding_90d",), "any"))],
        ((("onboarding_90d", "low_adoption"), "any"),),
    ),
    "renewal": (
        "renewal_due",
        [
            (240, (("enterprise", "low_engagement"), "all")),
            (150, (("enterprise", "at_risk"), "all")),
        ],
        ((("renewal_due_90d", "enterprise", "mid_market"), "any"),),
    ),
    "expansion": (
        "expansion_ready",
        [
            (240, (("enterprise", "healthy"), "all")),
            (150, (("mid_market", "expansion_ready"), "all")),
        ],
        ((("expansion_ready", "healthy"), "any"),),
    ),
    # A promoter answer counts in sentiment for 180 days: later starts rescore fewer weeks.
    "advocacy": (
        "promoter",
        [
            (150, (("promoters", "enterprise", "expansion_ready"), "all")),
            (100, (("promoters", "small_business", "expansion_ready"), "all")),
        ],
        ((("promoters", "healthy"), "any"),),
    ),
}
RUNNING: list[tuple[str, str, Audience]] = [
    ("retention", "health_decline", (("at_risk", "declining"), "any")),
    ("adoption", "low_adoption", (("low_adoption", "low_engagement"), "any")),
]
RUNNING_DAYS_AGO = 20
# Usage lift by campaign type and story: (extra key features, active days per feature in the
# effect period, share of the seats active on those days).
LIFT: dict[str, dict[str, tuple[int, tuple[int, int], tuple[float, float]]]] = {
    kind: {
        context.HEALTHY: (6, (10, 15), (0.75, 1.0)),
        context.NEW: (6, (10, 15), (0.6, 0.95)),
        context.LATE_PAYER: (6, (10, 15), (0.7, 1.0)),
        context.DECLINING: (4, (6, 9), (0.35, 0.55)),
    }
    for kind in ("adoption", "onboarding", "retention")
}
LIFT["renewal"] = dict.fromkeys(
    (context.HEALTHY, context.NEW, context.DECLINING, context.LATE_PAYER), (2, (3, 5), (0.3, 0.5))
)
EXPANSION_WIN_SHARE = 0.6


def seed_marketing_campaigns(ctx: DemoContext, progress: Progress) -> int:
    customers = {c.pk: c for c in ctx.customers}
    finished: list[Campaign] = []
    history_from = ctx.today - timedelta(weeks=ctx.health_weeks)
    for kind, (trigger, starts, fallbacks) in CAMPAIGNS.items():
        for n, (days_ago, spec) in enumerate(starts, start=1):
            start = ctx.now - timedelta(days=days_ago)
            if start.date() < history_from:
                continue  # no health history then (`--health-weeks`): no audience, no baseline
            chosen = _audience_for((spec, *fallbacks), start.date())
            finished.append(_create(kind, trigger, chosen, f"{kind} #{n}", start, HOLDOUT))
    progress(len(finished))
    effects = _effects(ctx, finished, customers)
    written = write(effects, customers)
    progress(written)
    rescored = rescore(ctx, effects.reach)
    progress(rescored)
    done = campaigns_finalize(now=ctx.now)
    running = [
        _create(kind, trigger, spec, f"{kind} (running)", ctx.now - timedelta(RUNNING_DAYS_AGO))
        for kind, trigger, spec in RUNNING
    ]
    progress(len(done) + len(running))
    return len(finished) + len(running) + written + rescored


def _audience_for(ladder: Sequence[Audience], day: date) -> Audience:
    """The first audience with MIN_MEMBERS members as of `day`, else the last one."""
    for segments, match in ladder[:-1]:
        if len(audience(segments, match, day)) >= MIN_MEMBERS:
            return segments, match
    return ladder[-1]


def _create(
    kind: str,
    trigger: str,
    spec: Audience,
    name: str,
    start: datetime,
    holdout: Decimal = Decimal("0.1"),
) -> Campaign:
    segments, match = spec
    return campaign_create(
        trigger_type=trigger,
        campaign_type=kind,
        segments=list(segments),
        match=match,
        holdout_fraction=holdout,
        name=f"Demo {name}",
        now=start,
        # derived from the name: the same holdout on every seed (holdout_ids hashes the id)
        campaign_id=f"camp_{hashlib.sha256(f'demo:{name}'.encode()).hexdigest()[:24]}",
    )


def _members(campaigns: Sequence[Campaign]) -> dict[int, list[tuple[int, str]]]:
    found: dict[int, list[tuple[int, str]]] = defaultdict(list)
    rows = CampaignMember.objects.filter(campaign__in=campaigns).order_by(
        "campaign_id", "customer_id"
    )
    for campaign_pk, customer_pk, group in rows.values_list("campaign_id", "customer_id", "group"):
        found[campaign_pk].append((customer_pk, group))
    return found


def _effects(
    ctx: DemoContext, campaigns: Sequence[Campaign], customers: dict[int, Customer]
) -> Effects:
    key_features = list(
        Feature.objects.filter(is_key=True).order_by("feature_id").values_list("pk", "feature_id")
    )
    members = _members(campaigns)
    new = sorted(
        {pk for rows in members.values() for pk, _ in rows}
        & {pk for pk, c in customers.items() if context.story(c) == context.NEW}
    )
    first_use = dict(
        FeatureUsage.objects.filter(customer_id__in=new)
        .values("customer_id")
        .annotate(first=Min("date"))
        .values_list("customer_id", "first")
    )
    effects = Effects({}, [], [], defaultdict(list))
    for campaign in campaigns:
        end = campaign.ends_at.date()
        begin = end - timedelta(days=EFFECT_DAYS)
        # Every member's snapshot the impact reads (the last weekly one computed by ends_at:
        # that day's, or the week before when it was stamped later that day) is scored again,
        # holdout too: both groups then read the same data, the demo's later steps' rows
        # included (the premium usage of the last 30 days).
        measured = _weekly_on_or_before(ctx, end)
        for pk, group in members.get(campaign.pk, []):
            effects.reach[pk].append((measured - timedelta(weeks=1), measured))
            customer = customers.get(pk)
            if customer is None or group != MemberGroup.TREATED:
                continue
            rng = random.Random(f"marketing:{campaign.name}:{customer.customer_id}")
            story = context.story(customer)
            lift = LIFT.get(campaign.campaign_type, {}).get(story)
            if lift is not None:
                since = max(begin, first_use.get(pk, begin))
                days = lift_usage(rng, customer, lift, key_features, since, end, effects)
                if days:
                    effects.reach[pk].append((min(days), max(days) + timedelta(USAGE_REACH)))
            wins = campaign.campaign_type == "expansion" and story == context.HEALTHY
            if wins and rng.random() < EXPANSION_WIN_SHARE:
                effects.opportunities.append(won(rng, customer, begin, end, campaign))
            if campaign.campaign_type == "advocacy":
                answered = promoter_answers(rng, customer, begin, end, campaign, effects)
                effects.reach[pk].append((answered, end + timedelta(NPS_REACH)))
    return effects


def _weekly_on_or_before(ctx: DemoContext, day: date) -> date:
    """The health history's weekly day (today − 7k) on or before `day`."""
    return day - timedelta(days=-(ctx.today - day).days % 7)
