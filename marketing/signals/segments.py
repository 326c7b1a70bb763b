"""The segment registry: the audiences a campaign can target (README, "Marketing: segments").

Company segments are the customers' own `segment`; behavioural segments are predicates on the
customer signals (marketing.signals), evaluated set-based for every active customer at once.

INTERFACE (issue 14, contract-first; the behavioural segments land with the signals work):
    known_segments() -> tuple[SegmentDefinition, ...]
    audience(names, match, as_of) -> {customer pk: (the requested names it matched, ...)}
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from customers.choices import Segment
from customers.read import active_customer_pks, customer_segments


@dataclass(frozen=True, slots=True)
class SegmentDefinition:
    name: str
    kind: str  # "company" | "behavioural"
    description: str


COMPANY = tuple(
    SegmentDefinition(s.value, "company", f"Customers whose segment is {s.value}.") for s in Segment
)


def known_segments() -> tuple[SegmentDefinition, ...]:
    return COMPANY


def audience(names: Sequence[str], match: str, as_of: date) -> dict[int, tuple[str, ...]]:
    """Active customers in the audience: with `match="any"` those in at least one of the named
    segments, with `"all"` those in every one; each with the requested names it is in (in the
    order requested). Names must be known (the caller validates against known_segments)."""
    pks = active_customer_pks()
    segment_of = customer_segments(pks)
    matched: dict[int, tuple[str, ...]] = {}
    for pk in pks:
        hits = tuple(name for name in names if segment_of.get(pk) == name)
        if (match == "all" and len(hits) == len(names)) or (match != "all" and hits):
            matched[pk] = hits
    return matched
