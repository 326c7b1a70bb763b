"""A campaign's measured impact, treated vs holdout (README "Marketing: campaigns").

Set-based: the members, then one read per lower app (customers, finance, product), whatever
the audience size. Numbers are rounded half-up only in the document, never before a lift."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from customers import read as customers_read
from finance import read as finance_read
from integrations.clock import DayWindow, local_day
from integrations.money import whole_units
from integrations.rounding import round_half_up
from product import read as product_read

from ..choices import MemberGroup
from ..models import Campaign, CampaignMember


@dataclass(frozen=True, slots=True)
class Member:
    pk: int  # the customer's
    group: str
    baseline_score: int | None
    baseline_events_30d: int


@dataclass
class GroupOutcome:
    n: int = 0
    retained: int = 0
    n_with_health: int = 0
    health_change_sum: int = 0
    revenue: Decimal = Decimal(0)
    won: int = 0
    events_30d: int = 0
    baseline_events_30d: int = 0

    @property
    def retention_rate(self) -> float | None:
        return self.retained / self.n if self.n else None

    @property
    def mean_health_change(self) -> float | None:
        return self.health_change_sum / self.n_with_health if self.n_with_health else None

    @property
    def revenue_per_member(self) -> float | None:
        return float(self.revenue) / self.n if self.n else None

    @property
    def engagement_ratio(self) -> float | None:
        if not self.baseline_events_30d:
            return None
        return self.events_30d / self.baseline_events_30d

    def document(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "retained": self.retained,
            "retention_rate": _round(self.retention_rate, 4),
            "n_with_health": self.n_with_health,
            "mean_health_change": _round(self.mean_health_change, 2),
            "expansion_revenue": whole_units(self.revenue),
            "won_opportunities": self.won,
            "expansion_revenue_per_member": _round(self.revenue_per_member, 2),
            "events_30d": self.events_30d,
            "baseline_events_30d": self.baseline_events_30d,
            "engagement_ratio": _round(self.engagement_ratio, 4),
        }


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round_half_up(value, digits)


def campaign_members(campaign: Campaign) -> list[Member]:
    rows = CampaignMember.objects.filter(campaign=campaign).values_list(
        "customer_id", "group", "baseline_score", "baseline_events_30d"
    )
    return [Member(*row) for row in rows]


def measure(campaign: Campaign, at: datetime) -> dict[str, Any]:
    """The impact as of the moment `at` (the caller passes min(now, ends_at)). Five queries."""
    members = campaign_members(campaign)
    return impact_document(campaign, members, at)


def impact_document(campaign: Campaign, members: Sequence[Member], at: datetime) -> dict[str, Any]:
    pks = [m.pk for m in members]
    day, start_day = local_day(at), local_day(campaign.created_at)
    refs = customers_read.customer_refs(pks)
    health = customers_read.latest_health_scores(pks, computed_until=at) if pks else {}
    revenue = (
        finance_read.expansion_revenue(pks, DayWindow(start_day, max(day, start_day)))
        if pks
        else {}
    )
    usage = product_read.usage_totals(pks, day) if pks else {}
    groups = {g: GroupOutcome() for g in (MemberGroup.TREATED, MemberGroup.HOLDOUT)}
    for m in members:
        g = groups[MemberGroup(m.group)]
        g.n += 1
        ref = refs.get(m.pk)
        g.retained += ref is not None and not ref.churned_by(at)
        snap = health.get(m.pk)
        if (
            m.baseline_score is not None
            and snap is not None
            and snap.computed_at > campaign.created_at
        ):
            g.n_with_health += 1
            g.health_change_sum += snap.score - m.baseline_score
        won = revenue.get(m.pk)
        if won is not None:
            g.revenue += won.won_value
            g.won += won.won_count
        totals = usage.get(m.pk)
        g.events_30d += totals.events_last_30d if totals else 0
        g.baseline_events_30d += m.baseline_events_30d
    treated, holdout = groups[MemberGroup.TREATED], groups[MemberGroup.HOLDOUT]
    lift, reasons = lifts(treated, holdout)
    return {
        "measured_at": at.isoformat(),
        "measure_day": day.isoformat(),
        "final": False,
        "treated": treated.document(),
        "holdout": holdout.document(),
        "lift": lift,
        "lift_reasons": reasons,
    }


def lifts(t: GroupOutcome, h: GroupOutcome) -> tuple[dict[str, float | None], dict[str, str]]:
    """Treated minus holdout; null with a reason where a side has nothing to compare."""
    lift: dict[str, float | None] = dict.fromkeys(
        ("retention_pp", "health_change_points", "expansion_revenue_per_member", "engagement_pct")
    )
    reasons: dict[str, str] = {}
    empty = [name for name, g in (("treated", t), ("holdout", h)) if g.n == 0]
    if empty:
        why = f"no {' and no '.join(empty)} members"
        return lift, dict.fromkeys(lift, why)
    t_rate, h_rate = t.retention_rate or 0.0, h.retention_rate or 0.0  # n > 0 on both sides
    lift["retention_pp"] = round_half_up((t_rate - h_rate) * 100, 2)
    t_rev, h_rev = t.revenue_per_member or 0.0, h.revenue_per_member or 0.0
    lift["expansion_revenue_per_member"] = round_half_up(t_rev - h_rev, 2)
    if t.mean_health_change is None or h.mean_health_change is None:
        reasons["health_change_points"] = (
            "a group has no member with a baseline score and a health snapshot computed "
            "after the start"
        )
    else:
        lift["health_change_points"] = round_half_up(t.mean_health_change - h.mean_health_change, 2)
    t_ratio, h_ratio = t.engagement_ratio, h.engagement_ratio
    if t_ratio is None or h_ratio is None:
        reasons["engagement_pct"] = "a group had no usage events in the 30 days before the start"
    elif h_ratio == 0:
        reasons["engagement_pct"] = "the holdout had no usage events in the last 30 days"
    else:
        lift["engagement_pct"] = round_half_up((t_ratio / h_ratio - 1) * 100, 2)
    return lift, reasons
