"""Campaign trigger recommendations from the customer signals (README, "Marketing: health
read-out, lifecycle and segments"). Each names the trigger, the campaign type that answers it,
the segment an integrator would target with `POST /cs-marketing/campaigns`, the reason with
its numbers and a priority (high, medium, low). Listed by priority, then in this order:

- onboarding → onboarding (`onboarding_90d`), high;
- health_decline → retention: declining health (`declining`), high; a critical grade without
  a decline (`critical`), high;
- renewal_due → renewal (`renewal_due_90d`): high within 30 days, else medium;
- low_engagement → retention (`low_engagement`), medium: usage that stopped or fell below 70 %
  of the month before is an early churn signal, not a training need;
- low_adoption → adoption (`low_adoption`), medium;
- expansion_ready → expansion (`expansion_ready`), medium;
- promoter → advocacy (`promoters`), low.

Expansion and advocacy are not recommended while health is declining or critical (a customer
at risk is not asked to buy more or to advocate). A churned customer gets none.
"""

from dataclasses import dataclass

from customers.choices import CustomerStatus
from customers.models import HealthGrade
from integrations.rounding import round_half_up

from ..choices import CampaignType, TriggerType
from .signals import LOW_ENGAGEMENT_RATIO, NPS_DAYS, CustomerSignals
from .stage import plural

RECOMMENDATION_GROUPS = (
    "lifecycle",
    "health",
    "adoption",
    "engagement",
    "renewal",
    "expansion",
    "onboarding",
    "nps",
)
PRIORITIES = ("high", "medium", "low")
URGENT_RENEWAL_DAYS = 30


@dataclass(frozen=True, slots=True)
class Recommendation:
    trigger_type: str
    campaign_type: str
    segment: str
    reason: str
    priority: str


def recommendations(s: CustomerSignals) -> list[Recommendation]:
    """The recommendations for one customer's signals (holding RECOMMENDATION_GROUPS)."""
    if s.lifecycle is not None and s.lifecycle.status == CustomerStatus.CHURNED:
        return []
    found: list[Recommendation] = []

    def add(trigger: str, campaign: str, segment: str, reason: str, priority: str) -> None:
        found.append(Recommendation(trigger, campaign, segment, reason, priority))

    T, C = TriggerType, CampaignType
    if s.onboarding is not None and s.onboarding.recent:
        add(
            T.ONBOARDING,
            C.ONBOARDING,
            "onboarding_90d",
            f"started {s.onboarding.started_on}",
            "high",
        )
    h = s.health
    at_risk = h is not None and (h.declining or h.dropped or h.grade == HealthGrade.CRITICAL)
    if h is not None and (h.declining or h.dropped):
        change = "" if h.change_30d is None else f", {h.change_30d:+d} in 30 days"
        reason = f"health declining (score {h.score}{change})"
        add(T.HEALTH_DECLINE, C.RETENTION, "declining", reason, "high")
    elif h is not None and h.grade == HealthGrade.CRITICAL:
        add(T.HEALTH_DECLINE, C.RETENTION, "critical", f"grade critical (score {h.score})", "high")
    if s.renewal is not None:
        r = s.renewal
        urgent = r.days_left <= URGENT_RENEWAL_DAYS
        reason = f"contract {r.contract_id} ends {r.end_date} (in {plural(r.days_left, 'day')})"
        add(T.RENEWAL_DUE, C.RENEWAL, "renewal_due_90d", reason, "high" if urgent else "medium")
    e = s.engagement
    if e is not None and e.low:
        if e.events_last_30d == 0:
            reason = "no usage events in the last 30 days"
        else:
            pct = round_half_up(100 * (e.ratio or 0))
            reason = (
                f"{e.events_last_30d} usage events in 30 days, {pct}% of the "
                f"{e.events_prior_30d} before (< {LOW_ENGAGEMENT_RATIO:.0%})"
            )
        add(T.LOW_ENGAGEMENT, C.RETENTION, "low_engagement", reason, "medium")
    a = s.adoption
    if a is not None and a.low:
        reason = f"{len(a.adopted)} of {a.key_features} key features adopted"
        add(T.LOW_ADOPTION, C.ADOPTION, "low_adoption", reason, "medium")
    if not at_risk and s.expansion is not None and s.expansion.ready:
        reason = f"expansion readiness {s.expansion.score} (ready)"
        add(T.EXPANSION_READY, C.EXPANSION, "expansion_ready", reason, "medium")
    if not at_risk and s.nps is not None and s.nps.promoter:
        answers = plural(s.nps.responses, "answer")
        reason = f"NPS {s.nps.nps:g} over {answers} in {NPS_DAYS} days"
        add(T.PROMOTER, C.ADVOCACY, "promoters", reason, "low")
    return sorted(found, key=lambda r: PRIORITIES.index(r.priority))
