"""The segment registry (marketing.signals.segments): every behavioural segment in and out at
its boundaries, company segments, match any/all, unknown names, a fixed number of queries for
the audience, and GET /api/v1/cs-marketing/segments."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from customers.models import Customer
from marketing.errors import UnknownSegment
from marketing.signals.segments import audience, known_segments, segment_check
from marketing.signals.signals import GROUPS
from sales.models import ExpansionSnapshot
from tests.conftest import MakeClient
from tests.customers.factories import CustomerFactory
from tests.finance.factories import ContractFactory
from tests.marketing.support import (
    AS_OF,
    adopt,
    alert,
    contract_ending,
    escalation,
    events,
    expansion,
    handoff,
    health_moved,
    nps,
    snapshot,
)
from tests.product.factories import FeatureFactory
from tests.support.errors import assert_error

pytestmark = pytest.mark.django_db

BEHAVIOURAL = [
    "at_risk",
    "critical",
    "healthy",
    "declining",
    "low_adoption",
    "low_engagement",
    "renewal_due_90d",
    "expansion_ready",
    "onboarding_90d",
    "promoters",
    "detractors",
    "open_intervention",
]


def test_the_registry() -> None:
    names = [d.name for d in known_segments()]
    assert names == ["enterprise", "mid_market", "small_business", *BEHAVIOURAL]
    for definition in known_segments():
        assert definition.kind == ("company" if definition.name in names[:3] else "behavioural")
        assert definition.description
        assert definition.groups
        assert set(definition.groups) <= set(GROUPS)


def _members(name: str, build: dict[str, Callable[[Customer], Any]]) -> set[str]:
    """Build one customer per label, then the labels in the segment."""
    by_pk = {}
    for label, make in build.items():
        customer = CustomerFactory.create(customer_id=label)
        make(customer)
        by_pk[customer.pk] = label
    return {by_pk[pk] for pk in audience([name], "any", AS_OF)}


def test_grade_segments() -> None:
    build = {
        "crit": lambda c: snapshot(c, 40, "critical"),
        "risk": lambda c: snapshot(c, 60, "at_risk"),
        "fine": lambda c: snapshot(c, 90, "healthy"),
        "none": lambda c: None,
    }
    assert _members("at_risk", build) == {"crit", "risk"}
    Customer.objects.all().delete()
    assert _members("critical", build) == {"crit"}
    Customer.objects.all().delete()
    assert _members("healthy", build) == {"fine"}


def test_declining_at_minus_five() -> None:
    build = {
        "minus5": lambda c: health_moved(c, 80, 75, "healthy"),  # -5: declining
        "minus4": lambda c: health_moved(c, 80, 76, "healthy"),  # -4: stable
        "plus9": lambda c: health_moved(c, 70, 79, "healthy"),
        "no_reference": lambda c: snapshot(c, 40, "critical"),  # no snapshot ~30 days ago
    }
    assert _members("declining", build) == {"minus5"}


def test_low_adoption_below_half() -> None:
    key = FeatureFactory.create_batch(4, is_key=True)

    def adopted(n: int, days: int = 4) -> Callable[[Customer], Any]:
        def make(c: Customer) -> None:
            for feature in key[:n]:
                adopt(c, feature, days)

        return make

    build = {
        "one_of_4": adopted(1),  # 0.25
        "two_of_4": adopted(2),  # 0.5: not low
        "tried": adopted(4, days=3),  # 3 days each: 0 adopted
    }
    assert _members("low_adoption", build) == {"one_of_4", "tried"}


def test_low_adoption_needs_key_features() -> None:
    FeatureFactory.create(is_key=False)
    assert _members("low_adoption", {"any": lambda c: None}) == set()


def test_low_engagement_below_seventy_percent() -> None:
    feature = FeatureFactory.create(is_key=False)
    build = {
        "r069": lambda c: events(c, feature, 69, 100),  # 0.69 < 0.7
        "r070": lambda c: events(c, feature, 70, 100),  # 0.70: not low
        "none_now": lambda c: events(c, feature, 0, 100),
        "never": lambda c: None,  # no events in 30 days
        "new": lambda c: events(c, feature, 5, 0),  # growth from zero: not low
    }
    assert _members("low_engagement", build) == {"r069", "none_now", "never"}


def test_renewal_due_within_ninety_days() -> None:
    def ending(days: int, status: str = "active") -> Callable[[Customer], Any]:
        return lambda c: ContractFactory.create(
            customer=c,
            start_date=AS_OF - timedelta(days=300),
            end_date=AS_OF + timedelta(days=days),
            status=status,
        )

    build = {
        "today": ending(0),
        "d90": ending(90),
        "d91": ending(91),
        "ended": ending(-1),
        "renewed": ending(30, "renewed"),
    }
    assert _members("renewal_due_90d", build) == {"today", "d90"}


def test_expansion_ready_from_the_latest_nightly_snapshot() -> None:
    def stale_ready(c: Customer) -> None:
        expansion(c, 80, True, AS_OF - timedelta(days=1))
        ExpansionSnapshot.objects.filter(customer=c).update(is_latest=False)
        expansion(c, 60, False)

    build = {
        "ready": lambda c: expansion(c, 70, True),
        "not_ready": lambda c: expansion(c, 69, False),
        "was_ready": stale_ready,
        "never": lambda c: None,
    }
    assert _members("expansion_ready", build) == {"ready"}


def test_onboarding_within_ninety_days() -> None:
    def started(days_ago: int) -> Callable[[Customer], Any]:
        return lambda c: contract_ending(
            c, AS_OF + timedelta(days=400), f"ctr_{days_ago}", AS_OF - timedelta(days=days_ago)
        )

    build = {
        "d89": started(89),
        "d90": started(90),  # (AS_OF - 90, AS_OF]: day 90 is outside
        "future": started(-10),
        "handoff": lambda c: handoff(c, AS_OF - timedelta(days=5), AS_OF + timedelta(days=3)),
        "never": lambda c: None,
    }
    assert _members("onboarding_90d", build) == {"d89", "future", "handoff"}


def test_promoters_and_detractors() -> None:
    build = {
        "nps50": lambda c: nps(c, 9, 7),  # (1 - 0) / 2 = 50: promoter
        "nps33": lambda c: nps(c, 9, 7, 7),  # 33.3
        "nps0": lambda c: nps(c, 9, 6),  # 0: neither
        "nps_minus50": lambda c: nps(c, 6, 7),  # -50: detractor
        "old": lambda c: nps(c, 10, day=AS_OF - timedelta(days=180)),  # outside 180 days
        "recent": lambda c: nps(c, 10, day=AS_OF - timedelta(days=179)),
    }
    assert _members("promoters", build) == {"nps50", "recent"}
    Customer.objects.all().delete()
    assert _members("detractors", build) == {"nps_minus50"}


def test_open_intervention() -> None:
    build = {
        "alert": lambda c: alert(c),
        "acknowledged": lambda c: alert(c, "acknowledged"),
        "resolved": lambda c: alert(c, "resolved"),
        "escalated": lambda c: escalation(c),
        "nothing": lambda c: None,
    }
    assert _members("open_intervention", build) == {"alert", "acknowledged", "escalated"}


def test_company_segments_match_any_and_all_and_active_only() -> None:
    big = CustomerFactory.create(segment="enterprise")
    snapshot(big, 40, "critical")
    big_fine = CustomerFactory.create(segment="enterprise")
    snapshot(big_fine, 90, "healthy")
    small = CustomerFactory.create(segment="small_business")
    snapshot(small, 45, "critical")
    gone = CustomerFactory.create(segment="enterprise", status="churned", lifecycle_stage="churned")
    snapshot(gone, 30, "critical")

    any_ = audience(["enterprise", "critical"], "any", AS_OF)
    assert any_ == {
        big.pk: ("enterprise", "critical"),
        big_fine.pk: ("enterprise",),
        small.pk: ("critical",),
    }
    assert audience(["critical", "enterprise"], "all", AS_OF) == {
        big.pk: ("critical", "enterprise")  # in the order requested
    }
    assert audience(["enterprise", "enterprise"], "all", AS_OF) == {
        big.pk: ("enterprise",),
        big_fine.pk: ("enterprise",),
    }


def test_unknown_segment_lists_the_known_ones() -> None:
    with pytest.raises(UnknownSegment) as caught:
        audience(["critical", "vip", "churny"], "any", AS_OF)
    error = caught.value
    assert (error.code, error.attr, error.unknown) == (
        "unknown_segment",
        "segments",
        ["vip", "churny"],
    )
    # The detail lists the known ones; no undocumented top-level member (issue 14).
    assert error.extra() == {}
    known = ", ".join(d.name for d in known_segments())
    assert error.message == f"Unknown segment(s): 'vip', 'churny'. Known segments: {known}."
    segment_check(["critical", "enterprise"])  # known: no error


@pytest.mark.parametrize("n", [3, 30])
def test_audience_queries_are_fixed(n: int, django_assert_num_queries: Any) -> None:
    key = FeatureFactory.create(is_key=True)
    for i in range(n):
        customer = CustomerFactory.create()
        health_moved(customer, 80, 60 + i % 20, "at_risk")
        adopt(customer, key, 2 + i % 4)
    # active customers 1 + health 2 + adoption 2; company segments read the segment: 1.
    with django_assert_num_queries(5):
        found = audience(["declining", "low_adoption"], "all", AS_OF)
    assert found  # 80 -> 60..64 declines; 2-3 active days: not adopted
    with django_assert_num_queries(2):
        assert len(audience(["mid_market"], "any", AS_OF)) == n


# --- GET /api/v1/cs-marketing/segments ---------------------------------------------------

URL = "/api/v1/cs-marketing/segments"


def test_segments_endpoint_lists_the_registry(make_client: MakeClient) -> None:
    response = make_client("marketing:read").get(URL)
    assert response.status_code == 200, response.content
    body = response.json()
    assert [s["name"] for s in body] == [d.name for d in known_segments()]
    assert body[0] == {
        "name": "enterprise",
        "kind": "company",
        "description": "Customers whose segment is enterprise.",
    }
    critical = next(s for s in body if s["name"] == "critical")
    assert critical == {
        "name": "critical",
        "kind": "behavioural",
        "description": "Latest health snapshot graded critical.",
    }


def test_segments_endpoint_scope_and_parameters(make_client: MakeClient) -> None:
    for scopes in (("customers:read",), ("marketing:write",)):
        assert make_client(*scopes).get(URL).status_code == 403, scopes
    assert_error(make_client("marketing:read").get(URL + "?kind=company"), 400, "unknown_parameter")
    assert make_client().post(URL, {}, format="json").status_code == 405
