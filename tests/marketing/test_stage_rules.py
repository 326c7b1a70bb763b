"""Lifecycle determination (marketing.signals.stage): the rules in precedence order with their
reasons, the comparison with the recorded stage and its transition, and a fixed number of
queries for determine_stages."""

from datetime import timedelta
from typing import Any

import pytest

from customers.models import Customer
from integrations.prepared import PREPARE_UP_TO_IDS
from marketing.signals.stage import RULES, determine_stages
from tests.customers.factories import CustomerFactory
from tests.marketing.support import (
    AS_OF,
    adopt,
    contract_ending,
    expansion,
    health_moved,
    nps,
    snapshot,
)
from tests.product.factories import FeatureFactory

pytestmark = pytest.mark.django_db

ORDER = [
    "churned",
    "at_risk",
    "onboarding",
    "renewal",
    "expansion",
    "advocacy",
    "value_realization",
    "adoption",
]


def _old_contract(c: Customer) -> None:
    """Started 2 years ago, ends in a year: neither onboarding nor renewal."""
    contract_ending(c, AS_OF + timedelta(days=365), f"ctr_old_{c.pk}", AS_OF - timedelta(days=730))


def test_the_rules_are_in_precedence_order() -> None:
    assert [stage for stage, _ in RULES] == ORDER


def test_each_stage_by_hand() -> None:
    key = FeatureFactory.create_batch(4, is_key=True)
    made: dict[str, Customer] = {}

    def customer(label: str, old: bool = True, **fields: Any) -> Customer:
        made[label] = CustomerFactory.create(customer_id=label, **fields)
        if old:
            _old_contract(made[label])
        return made[label]

    c = customer("churned", status="churned", lifecycle_stage="churned")
    snapshot(c, 30, "critical")  # at_risk holds too, churned comes first
    c = customer("critical")
    snapshot(c, 40, "critical")
    c = customer("declining_new", old=False)
    health_moved(c, 90, 84, "healthy")  # -6: declining beats the recent start below
    contract_ending(c, AS_OF + timedelta(days=355), "ctr_new_1", AS_OF - timedelta(days=10))
    c = customer("onboarding", old=False)
    snapshot(c, 90, "healthy")
    contract_ending(c, AS_OF + timedelta(days=355), "ctr_new_2", AS_OF - timedelta(days=10))
    c = customer("renewal")
    contract_ending(c, AS_OF + timedelta(days=16), "ctr_9", AS_OF - timedelta(days=800))
    expansion(c, 80, True)  # renewal comes first
    c = customer("expansion")
    expansion(c, 74, True)
    c = customer("advocacy")
    snapshot(c, 85, "healthy")
    nps(c, 9, 10)
    c = customer("promoter_at_risk")  # a promoter, but not healthy: not advocacy
    snapshot(c, 70, "at_risk")
    nps(c, 10)
    for f in key[:2]:
        adopt(c, f)
    c = customer("value")
    snapshot(c, 80, "healthy")
    for f in key[:2]:  # 2 of 4 = 50 %
        adopt(c, f)
    c = customer("adoption")
    adopt(c, key[0])  # 1 of 4

    found = determine_stages([c.pk for c in made.values()], AS_OF)
    stages = {label: found[c.pk].stage for label, c in made.items()}
    assert stages == {
        "churned": "churned",
        "critical": "at_risk",
        "declining_new": "at_risk",
        "onboarding": "onboarding",
        "renewal": "renewal",
        "expansion": "expansion",
        "advocacy": "advocacy",
        "promoter_at_risk": "value_realization",
        "value": "value_realization",
        "adoption": "adoption",
    }
    reasons = {
        label: {r.stage: (r.met, r.reason) for r in found[c.pk].rules} for label, c in made.items()
    }
    assert reasons["churned"]["churned"] == (True, "status churned")
    assert reasons["critical"]["at_risk"] == (
        True,
        "grade critical (score 40, grade critical, 30-day change no snapshot near 30 days ago)",
    )
    assert reasons["declining_new"]["at_risk"] == (
        True,
        "direction declining (by a change ≤ −5) (score 84, grade healthy, 30-day change -6)",
    )
    assert reasons["declining_new"]["onboarding"] == (
        True,
        "first contract start 2026-06-20 (10 days ago; window 90 days)",
    )
    assert reasons["onboarding"]["at_risk"] == (
        False,
        "not critical and not declining (score 90, grade healthy, 30-day change no snapshot "
        "near 30 days ago, direction unknown)",
    )
    assert reasons["renewal"]["renewal"] == (True, "contract ctr_9 ends 2026-07-16 (in 16 days)")
    assert reasons["renewal"]["expansion"] == (
        True,
        "expansion readiness 80, ready (nightly run of 2026-06-30)",
    )
    assert reasons["renewal"]["onboarding"] == (
        False,
        "first contract start 2024-04-21 (800 days ago; window 90 days)",  # ctr_9's start
    )
    assert reasons["expansion"]["renewal"] == (False, "no active contract ends within 90 days")
    assert reasons["advocacy"]["advocacy"] == (
        True,
        "NPS 100 over 2 answers in 180 days (≥ 50), grade healthy",
    )
    assert reasons["promoter_at_risk"]["advocacy"] == (
        False,
        "NPS 100 over 1 answer in 180 days (≥ 50), grade at_risk",
    )
    assert reasons["value"]["value_realization"] == (
        True,
        "2 of 4 key features adopted (50%), ≥ 50%",
    )
    assert reasons["adoption"]["value_realization"] == (
        False,
        "1 of 4 key features adopted (25%), < 50%",
    )
    assert reasons["adoption"]["at_risk"] == (False, "no health snapshot")
    assert reasons["adoption"]["expansion"] == (False, "expansion readiness not scored yet")
    assert reasons["adoption"]["advocacy"] == (False, "no NPS answers in 180 days (grade none)")
    assert reasons["adoption"]["adoption"] == (True, "the default stage")
    for label in made:  # every rule is reported, in order
        assert [r.stage for r in found[made[label].pk].rules] == ORDER


def test_a_big_drop_is_named() -> None:
    c = CustomerFactory.create()
    health_moved(c, 80, 62, "at_risk")  # -18
    rule = determine_stages([c.pk], AS_OF)[c.pk].rules[1]
    assert rule.reason == (
        "direction declining (by a change ≤ −5); a drop of ≥ 15 points in 30 days "
        "(score 62, grade at_risk, 30-day change -18)"
    )


def test_recorded_stage_and_transition() -> None:
    at_risk_from_renewal = CustomerFactory.create(lifecycle_stage="renewal")
    snapshot(at_risk_from_renewal, 40, "critical")
    expansion_from_onboarding = CustomerFactory.create(lifecycle_stage="onboarding")
    expansion(expansion_from_onboarding, 90, True)
    agrees = CustomerFactory.create(lifecycle_stage="adoption")

    found = determine_stages(
        [at_risk_from_renewal.pk, expansion_from_onboarding.pk, agrees.pk], AS_OF
    )
    a = found[at_risk_from_renewal.pk]
    assert (a.stage, a.recorded_stage, a.differs, a.transition_allowed) == (
        "at_risk",
        "renewal",
        True,
        True,
    )
    assert a.recorded_since == at_risk_from_renewal.created_at
    b = found[expansion_from_onboarding.pk]
    # onboarding may move to adoption, at_risk or churned only.
    assert (b.stage, b.differs, b.transition_allowed) == ("expansion", True, False)
    assert b.allowed_from_recorded == ("adoption", "at_risk", "churned")
    c = found[agrees.pk]
    assert (c.stage, c.differs, c.transition_allowed) == ("adoption", False, None)


@pytest.mark.parametrize("n", [2, 20])
def test_determine_stages_in_fixed_queries(n: int, django_assert_num_queries: Any) -> None:
    key = FeatureFactory.create(is_key=True)
    pks = []
    for i in range(n):
        c = CustomerFactory.create()
        health_moved(c, 80, 70 + i % 10, "at_risk")
        adopt(c, key)
        contract_ending(c, AS_OF + timedelta(days=20 + i), f"ctr_{i}")
        expansion(c, 70, True)
        nps(c, 9)
        pks.append(c.pk)
    # lifecycle 1, health 2, adoption 2, renewal 1, expansion 1, onboarding 2, nps 1; less
    # the pairs read together: expansion with the handoff, and for a few customers the
    # renewal with the first contract.
    with django_assert_num_queries(9 if n > PREPARE_UP_TO_IDS else 8):
        found = determine_stages(pks, AS_OF)
    assert len(found) == n
