"""The segment registry: the audiences a campaign can target (README, "Marketing: health
read-out, lifecycle and segments").

Company segments are the customers' own `segment`; behavioural segments are predicates on the
customer signals (marketing.signals.signals), evaluated set-based for every active customer at
once, reading only the signal groups the requested segments need.

INTERFACE (issue 14, contract-first):
    known_segments() -> tuple[SegmentDefinition, ...]
    audience(names, match, as_of) -> {customer pk: (the requested names it matched, ...)}
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from customers.choices import Segment
from customers.models import HealthGrade
from customers.read import active_customer_pks

from ..errors import UnknownSegment
from .signals import (
    DETRACTOR_NPS_BELOW,
    DIRECTION_BAND,
    LOW_ADOPTION_BELOW,
    LOW_ENGAGEMENT_RATIO,
    NPS_DAYS,
    ONBOARDING_DAYS,
    PROMOTER_NPS_AT,
    RENEWAL_DAYS,
    CustomerSignals,
    customer_signals,
)

Predicate = Callable[[CustomerSignals], bool]


@dataclass(frozen=True, slots=True)
class SegmentDefinition:
    name: str
    kind: str  # "company" | "behavioural"
    description: str
    # The signal groups the predicate reads, and the predicate (on signals holding them).
    groups: tuple[str, ...] = field(default=(), compare=False)
    test: Predicate = field(default=lambda s: False, compare=False, repr=False)


def _company(value: str) -> SegmentDefinition:
    return SegmentDefinition(
        value,
        "company",
        f"Customers whose segment is {value}.",
        ("segment",),
        lambda s: s.segment == value,
    )


COMPANY = tuple(_company(s.value) for s in Segment)


def _grade_in(*grades: str) -> Predicate:
    return lambda s: s.health is not None and s.health.grade in grades


def _behavioural(name: str, description: str, groups: str, test: Predicate) -> SegmentDefinition:
    return SegmentDefinition(name, "behavioural", description, tuple(groups.split()), test)


BEHAVIOURAL = (
    _behavioural(
        "at_risk",
        "Latest health snapshot graded at_risk or critical (below the healthy band); "
        "includes `critical`.",
        "health",
        _grade_in(HealthGrade.AT_RISK, HealthGrade.CRITICAL),
    ),
    _behavioural(
        "critical",
        "Latest health snapshot graded critical.",
        "health",
        _grade_in(HealthGrade.CRITICAL),
    ),
    _behavioural(
        "healthy",
        "Latest health snapshot graded healthy.",
        "health",
        _grade_in(HealthGrade.HEALTHY),
    ),
    _behavioural(
        "declining",
        f"Health fell by {DIRECTION_BAND} points or more against the snapshot nearest 30 days "
        "before the latest one (within ±7 days; none: not in it).",
        "health",
        lambda s: s.health is not None and s.health.declining,
    ),
    _behavioural(
        "low_adoption",
        f"Fewer than {LOW_ADOPTION_BELOW:.0%} of the key features adopted (active on at least "
        "each feature's threshold days in the last 30); none while no feature is key.",
        "adoption",
        lambda s: s.adoption is not None and s.adoption.low,
    ),
    _behavioural(
        "low_engagement",
        "No usage events in the last 30 days, or fewer than "
        f"{LOW_ENGAGEMENT_RATIO:.0%} of the events of the 30 days before.",
        "engagement",
        lambda s: s.engagement is not None and s.engagement.low,
    ),
    _behavioural(
        "renewal_due_90d",
        f"An active contract ends today or within the next {RENEWAL_DAYS} days.",
        "renewal",
        lambda s: s.renewal is not None,
    ),
    _behavioural(
        "expansion_ready",
        "The latest nightly expansion readiness snapshot is ready (score at or above the "
        "expansion model's threshold).",
        "expansion",
        lambda s: s.expansion is not None and s.expansion.ready,
    ),
    _behavioural(
        "onboarding_90d",
        f"Handed off, onboarding started or first contract started in the last "
        f"{ONBOARDING_DAYS} days (or starting later).",
        "onboarding",
        lambda s: s.onboarding is not None and s.onboarding.recent,
    ),
    _behavioural(
        "promoters",
        f"NPS of the last {NPS_DAYS} days (% promoters 9-10 − % detractors 0-6) at or above "
        f"{PROMOTER_NPS_AT}; at least one answer.",
        "nps",
        lambda s: s.nps is not None and s.nps.promoter,
    ),
    _behavioural(
        "detractors",
        f"NPS of the last {NPS_DAYS} days below {DETRACTOR_NPS_BELOW} (more detractors than "
        "promoters); at least one answer.",
        "nps",
        lambda s: s.nps is not None and s.nps.detractor,
    ),
    _behavioural(
        "open_intervention",
        "A workflow run pending or running, an escalation open or in progress, or an alert "
        "open or acknowledged.",
        "interventions",
        lambda s: s.interventions is not None and s.interventions.any,
    ),
)

_REGISTRY = {d.name: d for d in (*COMPANY, *BEHAVIOURAL)}


def known_segments() -> tuple[SegmentDefinition, ...]:
    """Company segments, then behavioural ones, in the registry's order."""
    return (*COMPANY, *BEHAVIOURAL)


def segment_names() -> tuple[str, ...]:
    return tuple(_REGISTRY)


def segment_check(names: Sequence[str], attr: str = "segments") -> None:
    """Raise UnknownSegment (400) naming the unknown ones and the known, at `attr` + the
    index of the first unknown one (`attr` alone when it is "segments")."""
    unknown = [(index, name) for index, name in enumerate(names) if name not in _REGISTRY]
    if unknown:
        at = attr if attr == "segments" else f"{attr}.{unknown[0][0]}"
        raise UnknownSegment([name for _, name in unknown], segment_names(), attr=at)


def audience(names: Sequence[str], match: str, as_of: date) -> dict[int, tuple[str, ...]]:
    """Active customers in the audience: with `match="any"` those in at least one of the named
    segments, with `"all"` those in every one; each with the requested names it is in (in the
    order requested). Unknown names raise UnknownSegment. Set-based: one query for the active
    customers plus the signal groups the named segments need (marketing.signals.signals)."""
    segment_check(names)
    wanted = [_REGISTRY[name] for name in dict.fromkeys(names)]
    groups = {group for definition in wanted for group in definition.groups}
    signals = customer_signals(active_customer_pks(), as_of, groups)
    matched: dict[int, tuple[str, ...]] = {}
    for pk, customer in signals.items():
        hits = tuple(d.name for d in wanted if d.test(customer))
        if (match == "all" and len(hits) == len(wanted)) or (match != "all" and hits):
            matched[pk] = hits
    return matched
