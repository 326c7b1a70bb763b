"""A snapshot's explanation in words: the reasons behind its score, worst first.

Each scored component costs `effective_weight × (100 − score)` points against a perfect 100
(the costs add up to 100 − the unrounded score). A reason names the measure, the stored
inputs that explain its score (customers/health engine: `components[name]["inputs"]`, as each
measure's module documents them) and the points it cost, e.g.
"support: 3 urgent tickets open (−45)". Pure functions over the stored components: no query.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from integrations.rounding import round_half_up

MINUS = "\u2212"
TOP_REASONS = 3


@dataclass(frozen=True)
class Reason:
    measure: str
    text: str  # the whole sentence, measure and points included
    points: float | None  # points cost vs. a perfect score (>= 0); None without data


@dataclass(frozen=True)
class ComponentRow:
    measure: str
    inputs: str
    score: float | None
    weight: float
    effective_weight: float
    points: float | None
    note: str | None


def points_cost(component: Mapping[str, Any]) -> float | None:
    """effective_weight × (100 − score), rounded to 0.1; None when the measure had no data."""
    score = component.get("score")
    if score is None:
        return None
    share = float(component.get("effective_weight") or 0)
    return round_half_up(share * (100 - float(score)), 1)


def format_points(points: float) -> str:
    """−45, −4.5; +0 for a component that cost nothing."""
    text = f"{abs(points):g}"
    return f"{MINUS}{text}" if points > 0 else f"+{text}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _percent(ratio: float) -> str:
    return f"{round_half_up(100 * ratio):g}%"


def _support(i: Mapping[str, Any]) -> list[str]:
    parts = []
    urgent, high = i.get("open_urgent_tickets") or 0, i.get("open_high_tickets") or 0
    if urgent or high:
        opened = [
            _plural(n, f"{label} ticket")
            for n, label in ((urgent, "urgent"), (high, "high-priority"))
            if n
        ]
        parts.append(" and ".join(opened) + " open")
    last, prior = i.get("tickets_last_30d"), i.get("tickets_prior_30d")
    if (i.get("trend_penalty") or 0) > 0 and last is not None:
        parts.append(f"{_plural(last, 'ticket')} opened in 30 days vs {prior} the 30 before")
    return parts or ["no urgent or high-priority ticket open, ticket volume not growing"]


def _sentiment(i: Mapping[str, Any]) -> list[str]:
    parts = []
    if i.get("nps_responses"):
        parts.append(
            f"NPS {i.get('nps')} from {_plural(i['nps_responses'], 'response')} "
            f"({_plural(i.get('promoters') or 0, 'promoter')}, "
            f"{_plural(i.get('passives') or 0, 'passive')}, "
            f"{_plural(i.get('detractors') or 0, 'detractor')})"
        )
    if i.get("csat_responses"):
        parts.append(f"CSAT {i.get('csat_mean')}/5 from {_plural(i['csat_responses'], 'response')}")
    return parts or ["no survey answered in 180 days"]


def _engagement(i: Mapping[str, Any]) -> list[str]:
    days = i.get("days_since_last_touch")
    parts = [
        "no completed CSM task" if days is None else f"last CSM touch {_plural(days, 'day')} ago"
    ]
    missing = [
        label
        for key, label in (("has_champion", "champion"), ("has_executive_sponsor", "sponsor"))
        if not i.get(key)
    ]
    if missing:
        parts.append("no " + " or ".join(missing))
    parts.append(_plural(i.get("stakeholders") or 0, "stakeholder"))
    return parts


def _financial(i: Mapping[str, Any]) -> list[str]:
    parts = []
    overdue = i.get("overdue_invoices") or 0
    if overdue:
        parts.append(
            f"{_plural(overdue, 'invoice')} overdue (up to "
            f"{_plural(i.get('max_days_overdue') or 0, 'day')}, {i.get('overdue_amount') or 0:,} "
            "due)"
        )
    late = i.get("paid_late_365d") or 0
    if late:
        parts.append(f"{_plural(late, 'invoice')} paid late in 365 days")
    return parts or ["invoices paid on time"]


def _product_usage(i: Mapping[str, Any]) -> list[str]:
    parts = []
    seats, peak = i.get("licensed_seats"), i.get("peak_daily_active_users_30d") or 0
    if seats:
        share = i.get("seat_utilisation")
        used = f" ({_percent(share)})" if share is not None else ""
        parts.append(f"peak {peak} of {seats} seats active{used}")
    last, prior = i.get("events_last_30d") or 0, i.get("events_prior_30d") or 0
    ratio = i.get("usage_trend_ratio")
    if ratio is not None:
        change = ratio - 1
        sign = "+" if change >= 0 else MINUS
        moved = f"{sign}{_percent(abs(change))}"
        parts.append(f"{last:,} events in 30 days vs {prior:,} before ({moved})")
    else:
        parts.append(f"{last:,} events in 30 days, none in the 30 before")
    return parts


def _feature_adoption(i: Mapping[str, Any]) -> list[str]:
    adopted, total = i.get("adopted") or [], i.get("key_features") or 0
    text = f"{len(adopted)} of {_plural(total, 'key feature')} adopted"
    missing = i.get("not_adopted") or []
    return [text + (f" (not: {', '.join(missing)})" if missing else "")]


def _generic(i: Mapping[str, Any]) -> list[str]:
    return [", ".join(f"{key} {value}" for key, value in i.items())] if i else []


PHRASES: dict[str, Callable[[Mapping[str, Any]], list[str]]] = {
    "support": _support,
    "sentiment": _sentiment,
    "engagement": _engagement,
    "financial": _financial,
    "product_usage": _product_usage,
    "feature_adoption": _feature_adoption,
}


def describe_inputs(measure: str, inputs: Mapping[str, Any] | None) -> str:
    """The inputs of one component in words (a measure without its own phrasing: key value)."""
    return "; ".join(PHRASES.get(measure, _generic)(inputs or {}))


def component_reason(measure: str, component: Mapping[str, Any]) -> Reason:
    points = points_cost(component)
    if points is None:
        why = component.get("reason") or "no data"
        return Reason(measure, f"{measure}: {why} (weight spread over the others)", None)
    words = describe_inputs(measure, component.get("inputs"))
    text = f"{measure}: {words} ({format_points(points)})" if words else measure
    return Reason(measure, text, points)


def health_reasons(
    components: Mapping[str, Mapping[str, Any]], limit: int = TOP_REASONS
) -> list[Reason]:
    """The components that cost points, most costly first (ties by measure name), at most
    `limit`; a score of 100 everywhere has no reason to give."""
    costly = [
        component_reason(name, c) for name, c in components.items() if (points_cost(c) or 0) > 0
    ]
    costly.sort(key=lambda r: (-(r.points or 0), r.measure))
    return costly[:limit]


def reason_texts(
    components: Mapping[str, Mapping[str, Any]], limit: int = TOP_REASONS
) -> list[str]:
    return [r.text for r in health_reasons(components, limit)]


def component_rows(components: Mapping[str, Mapping[str, Any]]) -> list[ComponentRow]:
    """Every component as a table row (measure, inputs, score, weight, effective weight),
    the most costly first and those without data last."""
    rows = [
        ComponentRow(
            measure=name,
            # A measure without data stored no inputs: its phrasing of none would mislead.
            inputs=describe_inputs(name, c.get("inputs")) if c.get("inputs") else "",
            score=c.get("score"),
            weight=float(c.get("weight") or 0),
            effective_weight=float(c.get("effective_weight") or 0),
            points=points_cost(c),
            note=c.get("reason"),
        )
        for name, c in components.items()
    ]
    rows.sort(key=lambda r: (r.points is None, -(r.points or 0), r.measure))
    return rows
