"""The improvement opportunities: barrier rules as one declarative table (README, "Product:
adoption analytics and feedback"). Each rule carries the numbers that made it fire; each ratio
rule needs at least `min_rule_n` customers behind it."""

from dataclasses import dataclass
from typing import Any

from integrations.rounding import round_half_up
from integrations.rules import Opportunity, Rule, evaluate

from .base import Counts, FeatureAdoption


@dataclass(frozen=True, slots=True)
class Thresholds:
    min_rule_n: int
    min_segment_n: int
    segment_gap: float  # a segment below this share of the best segment's adoption lags
    tried_not_adopted: float
    never_tried: float
    lapsed: float
    campaign_r: float
    campaign_adoption: float


@dataclass(frozen=True, slots=True)
class Facts:
    a: FeatureAdoption
    t: Thresholds

    @property
    def total(self) -> Counts:
        return self.a.total


@dataclass(frozen=True, slots=True)
class SegmentGap:
    best: str
    best_adoption: float
    lagging: dict[str, float]


def segment_gap(f: Facts) -> SegmentGap | None:
    """Segments (with enough active customers) adopting below `segment_gap` × the best one."""
    rated = {
        name: c.adoption
        for name, c in f.a.segments.items()
        if c.active >= f.t.min_segment_n and c.adoption is not None
    }
    if len(rated) < 2:
        return None
    best = max(rated, key=lambda name: rated[name])
    lagging = {
        name: rate
        for name, rate in rated.items()
        if rated[best] > 0 and rate < f.t.segment_gap * rated[best]
    }
    return SegmentGap(best, rated[best], lagging) if lagging else None


def _gap(f: Facts) -> SegmentGap:
    found = segment_gap(f)
    assert found is not None  # read only once the condition held
    return found


@dataclass(frozen=True, slots=True)
class Share:
    """part ÷ whole of the total counts, fired above a threshold."""

    part_name: str
    part: Any  # (Counts) -> int
    whole_name: str
    whole: Any  # (Counts) -> int
    above: str  # the Thresholds field

    def numbers(self, f: Facts) -> tuple[int, int, float]:
        return self.part(f.total), self.whole(f.total), getattr(f.t, self.above)

    def holds(self, f: Facts) -> bool:
        part, whole, above = self.numbers(f)
        return whole >= f.t.min_rule_n and part / whole > above

    def evidence(self, f: Facts) -> dict[str, Any]:
        part, whole, above = self.numbers(f)
        return {
            self.whole_name: whole,
            self.part_name: part,
            "share": round_half_up(part / whole, 4),
            "threshold": above,
        }


def _share_rule(code: str, sentence: str, share: Share) -> Rule[Facts]:
    return Rule(
        code,
        condition=share.holds,
        recommendation=lambda f: f"{share.numbers(f)[0] / share.numbers(f)[1]:.0%} {sentence}.",
        evidence=share.evidence,
    )


def _campaign_holds(f: Facts) -> bool:
    """On evidence: r at least campaign_r and its whole 95 % interval above 0."""
    c, rate = f.a.retention, f.total.adoption
    return (
        c.r is not None
        and c.direction == "positive"
        and rate is not None
        and c.r >= f.t.campaign_r
        and rate < f.t.campaign_adoption
    )


RULES: tuple[Rule[Facts], ...] = (
    Rule(
        "enhanced_onboarding",
        condition=lambda f: segment_gap(f) is not None,
        recommendation=lambda f: (
            f"{', '.join(sorted(_gap(f).lagging))} adopt at under half the rate of {_gap(f).best}."
        ),
        evidence=lambda f: {
            "best_segment": _gap(f).best,
            "best_adoption": _gap(f).best_adoption,
            "lagging_segments": _gap(f).lagging,
            "threshold": f"< {f.t.segment_gap} x best",
        },
    ),
    _share_rule(
        "training_content",
        "of customers who tried it did not adopt it",
        Share(
            "tried_not_adopted",
            lambda c: c.tried_not_adopted,
            "tried_customers",
            lambda c: c.tried,
            "tried_not_adopted",
        ),
    ),
    _share_rule(
        "feature_discovery",
        "of active customers never tried it",
        Share(
            "never_tried",
            lambda c: c.active - c.tried,
            "active_customers",
            lambda c: c.active,
            "never_tried",
        ),
    ),
    _share_rule(
        "re_engagement",
        "of the previous window's adopters stopped using it",
        Share(
            "lapsed",
            lambda c: c.lapsed,
            "previous_adopters",
            lambda c: c.previous_adopters,
            "lapsed",
        ),
    ),
    Rule(
        "adoption_campaign",
        condition=_campaign_holds,
        recommendation=lambda f: (
            "Adoption goes with renewal, yet most active customers have not adopted it."
        ),
        evidence=lambda f: {
            "r": f.a.retention.r,
            "ci_low": f.a.retention.ci_low,
            "ci_high": f.a.retention.ci_high,
            "n": f.a.retention.n,
            "lead_days": f.a.retention.lead_days,
            "overall_adoption": f.total.adoption,
            "threshold": (
                f"r >= {f.t.campaign_r}, 95 % interval above 0, adoption < {f.t.campaign_adoption}"
            ),
        },
    ),
)


def opportunities(a: FeatureAdoption, thresholds: Thresholds) -> list[Opportunity]:
    return evaluate(RULES, Facts(a, thresholds))
