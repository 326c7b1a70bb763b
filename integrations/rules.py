"""Declarative recommendation rules: a table of `Rule`s evaluated by one small engine.

Product adoption barriers and operations optimisation opportunities are both written as a
tuple of rules over a facts object. A rule fires when its condition holds; the opportunity it
produces carries a sentence (`detail`) and the numbers that made it fire (`evidence`), so
every recommendation explains itself.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

F = TypeVar("F")


@dataclass(frozen=True, slots=True)
class Opportunity:
    code: str
    detail: str
    evidence: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Rule(Generic[F]):
    name: str  # the opportunity's code
    condition: Callable[[F], bool]
    recommendation: Callable[[F], str]  # the detail sentence, read only when the rule fires
    evidence: Callable[[F], dict[str, Any]]


def evaluate(rules: Iterable[Rule[F]], facts: F) -> list[Opportunity]:
    """The opportunities of the rules that fire, in table order."""
    return [
        Opportunity(rule.name, rule.recommendation(facts), rule.evidence(facts))
        for rule in rules
        if rule.condition(facts)
    ]
