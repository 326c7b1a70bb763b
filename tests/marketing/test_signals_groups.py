"""Customer signals (marketing.signals.signals): every group by hand, only the asked groups are
read, and a fixed number of queries whatever the number of customers."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from customers.models import Customer, LifecycleChange
from finance.choices import ContractStatus
from integrations.prepared import PREPARE_UP_TO_IDS
from marketing.signals.signals import GROUPS, EngagementSignal, customer_signals, direction_of
from operations.read import OpenInterventions
from sales.models import ExpansionSnapshot
from tests.customers.factories import CustomerFactory
from tests.finance.factories import ContractFactory
from tests.marketing.support import (
    AS_OF,
    adopt,
    alert,
    at,
    contract_ending,
    escalation,
    events,
    expansion,
    handoff,
    health_moved,
    nps,
)
from tests.product.factories import FeatureFactory

pytestmark = pytest.mark.django_db


def test_every_group_by_hand() -> None:
    key = FeatureFactory.create_batch(4, is_key=True)
    other = FeatureFactory.create(is_key=False)
    a = CustomerFactory.create(segment="enterprise", lifecycle_stage="renewal")
    LifecycleChange.objects.create(
        customer=a,
        from_stage="value_realization",
        to_stage="renewal",
        source="api",
        changed_at=at(AS_OF - timedelta(days=20)),
    )
    health_moved(a, 80, 62, "at_risk")  # 62 - 80 = -18 in 30 days
    adopt(a, key[0], 4)  # adopted (4 days)
    adopt(a, key[1], 3)  # tried: 3 days < 4
    events(a, other, last=60, prior=100)  # + the 7 adoption events in the last 30 days
    contract_ending(a, AS_OF + timedelta(days=16), "ctr_a")  # starts AS_OF - 348
    contract_ending(a, AS_OF + timedelta(days=100), "ctr_later")  # not within 90 days
    contract_ending(a, AS_OF - timedelta(days=1), "ctr_old")  # ended; starts AS_OF - 365
    expansion(a, 74, True)
    nps(a, 10, 9, 6, 8)  # 2 promoters, 1 detractor of 4: NPS = 100 × (2 - 1) / 4 = 25
    alert(a)
    escalation(a, status="resolved")
    b = CustomerFactory.create()

    found = customer_signals([a.pk, b.pk], AS_OF)
    s = found[a.pk]
    assert s.asked == frozenset(GROUPS)
    assert s.segment == "enterprise"
    assert s.lifecycle is not None
    assert (s.lifecycle.status, s.lifecycle.stage) == ("active", "renewal")
    assert s.lifecycle.since == at(AS_OF - timedelta(days=20))
    assert s.health is not None
    assert (s.health.score, s.health.grade, s.health.change_30d) == (62, "at_risk", -18)
    assert (s.health.direction, s.health.basis, s.health.declining, s.health.dropped) == (
        "declining",
        "change_30d",
        True,
        True,  # -18 <= -15
    )
    assert s.adoption is not None
    assert (s.adoption.adopted, s.adoption.key_features) == ((key[0].feature_id,), 4)
    assert (s.adoption.share, s.adoption.low) == (0.25, True)  # 1 ÷ 4 < 0.5
    assert s.engagement is not None
    # last 30 days: 60 + 4 + 3 adoption events = 67; prior: 100 -> 0.67 < 0.7.
    assert (s.engagement.events_last_30d, s.engagement.events_prior_30d) == (67, 100)
    assert (s.engagement.ratio, s.engagement.low) == (0.67, True)
    assert s.renewal is not None
    assert (s.renewal.contract_id, s.renewal.end_date, s.renewal.days_left) == (
        "ctr_a",
        AS_OF + timedelta(days=16),
        16,
    )
    assert s.renewal.annual_value == 50000
    assert s.expansion is not None
    assert (s.expansion.score, s.expansion.ready, s.expansion.as_of) == (74, True, AS_OF)
    assert s.onboarding is not None
    assert s.onboarding.first_contract_start == AS_OF - timedelta(days=365)
    assert (s.onboarding.handoff_on, s.onboarding.recent) == (None, False)
    assert s.nps is not None
    assert (s.nps.responses, s.nps.promoters, s.nps.detractors, s.nps.nps) == (4, 2, 1, 25.0)
    assert (s.nps.promoter, s.nps.detractor) == (False, False)
    assert s.interventions == OpenInterventions(0, 0, 1)

    empty = found[b.pk]
    assert (empty.health, empty.renewal, empty.expansion) == (None, None, None)
    assert empty.adoption is not None
    assert (empty.adoption.share, empty.adoption.low) == (0, True)
    assert empty.engagement is not None
    assert (empty.engagement.ratio, empty.engagement.low) == (None, True)  # no events at all
    assert empty.onboarding is not None
    assert empty.onboarding.started_on is None
    assert empty.nps is not None
    assert (empty.nps.nps, empty.nps.promoter) == (None, False)
    assert empty.interventions == OpenInterventions(0, 0, 0)
    assert empty.lifecycle is not None
    assert empty.lifecycle.since == b.created_at  # never moved: since its creation


def test_handoff_makes_a_recent_start() -> None:
    customer = CustomerFactory.create()
    ContractFactory.create(customer=customer, start_date=AS_OF - timedelta(days=400))
    handoff(customer, AS_OF - timedelta(days=30), onboarding_start=AS_OF - timedelta(days=20))
    o = customer_signals([customer.pk], AS_OF, ["onboarding"])[customer.pk].onboarding
    assert o is not None
    assert (o.handoff_on, o.onboarding_start) == (
        AS_OF - timedelta(days=30),
        AS_OF - timedelta(days=20),
    )
    # The latest of the three start days: the onboarding start, 20 days ago (< 90).
    assert (o.started_on, o.recent) == (AS_OF - timedelta(days=20), True)


def test_direction_uses_the_trends_band() -> None:
    assert [direction_of(c) for c in (-6, -5, -4, 0, 4, 5, None)] == [
        "declining",
        "declining",
        "stable",
        "stable",
        "stable",
        "improving",
        None,
    ]


def test_health_as_of_a_day_ignores_later_snapshots() -> None:
    customer = CustomerFactory.create()
    health_moved(customer, 80, 62, "at_risk")
    earlier = AS_OF - timedelta(days=1)
    h = customer_signals([customer.pk], earlier, ["health"])[customer.pk].health
    assert h is not None
    assert (h.score, h.change_30d) == (80, None)  # the snapshot of AS_OF - 30 is the latest


QUERIES = {
    "segment": 1,
    "lifecycle": 1,
    "health": 2,  # the latest snapshots' ids, then those rows with their references
    "adoption": 2,
    "engagement": 1,
    "renewal": 1,
    "expansion": 1,
    "onboarding": 2,
    "nps": 1,
    "interventions": 1,
}


def _populate(n: int) -> list[int]:
    key = FeatureFactory.create(is_key=True)
    pks = []
    for i in range(n):
        customer = CustomerFactory.create()
        health_moved(customer, 80, 70 - i % 3, "at_risk")
        adopt(customer, key, 4)
        contract_ending(customer, AS_OF + timedelta(days=10 + i), f"ctr_{i}")
        expansion(customer, 60 + i % 30, i % 2 == 0)
        nps(customer, 9)
        alert(customer)
        pks.append(customer.pk)
    return pks


@pytest.mark.parametrize("group", GROUPS)
def test_only_the_asked_group_is_read(group: str, django_assert_num_queries: Any) -> None:
    pks = _populate(3)
    with django_assert_num_queries(QUERIES[group]):
        found = customer_signals(pks, AS_OF, [group])
    others = [g for g in GROUPS if g != group]
    for s in found.values():
        assert s.asked == {group}
        assert all(getattr(s, g) is None for g in others)


@pytest.mark.parametrize("n", [2, 20])
def test_a_fixed_number_of_queries_whatever_the_count(
    n: int, django_assert_num_queries: Any
) -> None:
    """Every group: each group's own, less a query for each pair read together (expansion and
    the handoff always; for a read-out's few customers, adoption with engagement and the
    renewal with the first contract too)."""
    pks = _populate(n)
    paired = 1 if n > PREPARE_UP_TO_IDS else 3
    with django_assert_num_queries(sum(QUERIES.values()) - paired):
        found = customer_signals(pks, AS_OF)
    assert len(found) == n
    assert customer_signals([], AS_OF) == {}


@pytest.mark.parametrize("n", [2, 20])
def test_pairs_read_together_read_what_each_group_reads(n: int) -> None:
    """The pairs (`_Reads._pairs`) give exactly what each group's own read gives."""
    pks = _populate(n)
    plain = FeatureFactory.create(is_key=False)
    for i, pk in enumerate(pks):
        customer = Customer.objects.get(pk=pk)
        events(customer, plain, last=i % 4, prior=3 * (i % 3))
        # An earlier contract (the first start), one due but no longer active, one past the
        # 90 days: none of them is the renewal due.
        contract_ending(customer, AS_OF - timedelta(days=400 + i), f"old_{i}")
        ContractFactory.create(
            customer=customer,
            contract_id=f"churned_{i}",
            start_date=AS_OF - timedelta(days=300),
            end_date=AS_OF + timedelta(days=5),
            status=ContractStatus.CHURNED,
        )
        contract_ending(customer, AS_OF + timedelta(days=91 + i), f"later_{i}")
        if i % 2:
            handoff(customer, AS_OF - timedelta(days=20 + i), AS_OF - timedelta(days=10))
        # An earlier snapshot, no longer the latest: never the readiness read.
        ExpansionSnapshot.objects.create(
            customer=customer,
            as_of=AS_OF - timedelta(days=7),
            computed_at=at(AS_OF - timedelta(days=7), 3),
            score=5,
            ready=False,
            model_version=1,
            rank_key=f"995{customer.customer_id}",
            is_latest=False,
        )
    pks.append(CustomerFactory.create().pk)  # nothing at all: the groups' empty values
    together = customer_signals(pks, AS_OF)
    for group in GROUPS:
        alone = customer_signals(pks, AS_OF, [group])
        for pk in pks:
            assert getattr(together[pk], group) == getattr(alone[pk], group), (group, pk)
    assert {together[pk].renewal is None for pk in pks} == {True, False}
    assert {together[pk].expansion is None for pk in pks} == {True, False}
    scores = [x.score for pk in pks if (x := together[pk].expansion) is not None]
    assert scores
    assert 5 not in scores
    onboarding = [together[pk].onboarding for pk in pks]
    assert {o.handoff_on is None for o in onboarding if o} == {True, False}
    assert {o.first_contract_start is None for o in onboarding if o} == {True, False}
    assert {together[pk].engagement for pk in pks} - {EngagementSignal(0, 0)}


def test_unknown_group_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown signal groups"):
        customer_signals([1], AS_OF, ["health", "mood"])


def test_contract_value_is_whole_units() -> None:
    customer = CustomerFactory.create()
    ContractFactory.create(
        customer=customer,
        start_date=AS_OF - timedelta(days=300),
        end_date=AS_OF + timedelta(days=65),
        value=Decimal("1000.50"),
    )
    r = customer_signals([customer.pk], AS_OF, ["renewal"])[customer.pk].renewal
    assert r is not None
    assert r.annual_value == 1001
