"""GET /api/v1/cs-sales/expansion/{customer_id} (README, "Sales: expansion readiness"): the
spec's fields, suggestions (the 40 % healthy-peer rule at its boundary, seat upsell, pipeline
first), evidence, 404, scopes, bad query parameters and a fixed number of queries."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from customers.models import Customer
from product import read as product_read
from product.models import Feature
from sales.api import expansion_views
from sales.models import ExpansionModel, ExpansionPeerShare
from sales.selectors.expansion_readout import cross_sell, expansion_readout
from sales.services.expansion import (
    active_expansion_model,
    expansion_model_save,
    expansion_score,
)
from tests.conftest import MakeClient
from tests.customers.factories import CustomerFactory
from tests.finance.factories import OpportunityFactory, ValueRecordFactory
from tests.operations.factories import SurveyResponseFactory
from tests.product.factories import FeatureFactory
from tests.sales.support import AS_OF, at, health, ready_customer, use
from tests.support.errors import assert_error

pytestmark = pytest.mark.django_db


def _cross_sell(model: ExpansionModel, customer: Customer) -> list[Any]:
    """`cross_sell` with the customer's own usage read as the read-out reads it."""
    return cross_sell(model, customer, AS_OF, product_read.feature_signals([customer.pk], AS_OF))


URL = "/api/v1/cs-sales/expansion/{}"


@pytest.fixture
def key_features() -> list[Feature]:
    return FeatureFactory.create_batch(4, is_key=True)


@pytest.fixture
def premium() -> tuple[Feature, Feature]:
    return (
        FeatureFactory.create(
            feature_id="feat_premium_a", is_key=False, is_premium=True, list_price=24000
        ),
        FeatureFactory.create(
            feature_id="feat_premium_b", is_key=False, is_premium=True, list_price=6000
        ),
    )


def _peers(n: int, segment: str = "mid_market", grade: str = "healthy") -> list[Customer]:
    peers = CustomerFactory.create_batch(n, segment=segment)
    for peer in peers:
        health(peer, 90 if grade == "healthy" else 60, grade)
    return peers


def _get(client: Any, customer_id: str, monkeypatch: Any, query: str = "") -> Any:
    monkeypatch.setattr(expansion_views, "today", lambda: AS_OF)
    return client.get(URL.format(customer_id) + query)


def test_the_spec_fields_with_hand_computed_numbers(
    make_client: MakeClient,
    monkeypatch: Any,
    key_features: list[Feature],
    premium: tuple[Feature, Feature],
) -> None:
    customer = ready_customer(key_features)  # score 80 (test_expansion_readiness)
    a, b = premium
    peers = _peers(5)
    for peer in peers[:2]:
        use(peer, a, 4)  # 2 of 5 healthy peers: 40 % -> suggested
    use(peers[2], b, 4)  # 1 of 5: 20 % -> not
    OpportunityFactory.create(
        customer=customer,
        opportunity_id="opp_1001",
        type="upsell",
        product="premium_features",
        value=Decimal(50000),
        probability=0.75,
        expected_close="q1_2026",
        source="sales",
    )
    ValueRecordFactory.create(customer=customer, amount=Decimal(130000), date=AS_OF)
    for score in (9, 10):
        SurveyResponseFactory.create(customer=customer, score=score, answered_at=at(AS_OF))

    response = _get(make_client("sales:read"), customer.customer_id, monkeypatch)
    assert response.status_code == 200, response.content
    body = response.json()
    readiness = body["expansion_readiness"]
    assert readiness["score"] == 80
    assert readiness["readiness_factors"][:3] == [
        "high_product_adoption",
        "strong_health_score",
        "seat_limit_approaching",
    ]
    assert (readiness["ready"], readiness["ready_threshold"], readiness["model_version"]) == (
        True,
        70,
        1,
    )
    assert sum(f["contribution"] for f in readiness["factors"]) == 79.75
    spec_fields = ["type", "product", "value_estimate", "probability", "timeline"]
    got = [[o[k] for k in [*spec_fields, "suggested"]] for o in body["opportunities"]]
    # probability 0.05 + 0.85 × 0.80 = 0.73; ready -> the next quarter after 2026-06-30.
    # Seats: ARR 120,000 ÷ 100 seats = 1,200 a seat × ceil(100 × 0.2) = 20 seats = 24,000.
    assert got == [
        ["upsell", "premium_features", 50000, 0.75, "q1_2026", False],
        ["upsell", "additional_seats", 24000, 0.73, "q3_2026", True],
        ["cross_sell", "feat_premium_a", 24000, 0.73, "q3_2026", True],
    ]
    seats, cross = body["opportunities"][1]["inputs"], body["opportunities"][2]["inputs"]
    assert seats == {
        "licensed_seats": 100,
        "additional_seats": 20,
        "price_per_seat": 1200.0,
        "arr": 120000,
    }
    assert cross == {
        "healthy_peers": 5,
        "peers_adopted": 2,
        "peer_share": 0.4,
        "segment": "mid_market",
        "peers_as_of": "now",  # no nightly run yet
    }
    # ROI 130,000 ÷ 120,000 = 108 %; NPS of two promoters = 100.
    assert body["success_evidence"] == [
        "achieved_roi_target",
        "executive_sponsorship",
        "expansion_requested_by_customer",
        "adoption_target_met",
        "success_milestones_achieved",
        "promoter_nps",
    ]
    assert body["evidence_details"][0]["detail"] == "ROI 108% (realised ÷ contracted value)"


def test_the_peer_share_rule_at_its_boundary(
    key_features: list[Feature], premium: tuple[Feature, Feature]
) -> None:
    a, b = premium
    subject = CustomerFactory.create(segment="mid_market")
    peers = _peers(5)
    use(peers[0], a, 4)
    use(peers[1], a, 4)
    use(peers[2], b, 3)  # 3 days: tried, not adopted
    for other in _peers(2, grade="at_risk") + _peers(2, segment="enterprise"):
        use(other, b, 4)  # not healthy peers of the segment: do not count
    model = active_expansion_model()
    found = _cross_sell(model, subject)
    assert [(f.feature_id, inputs["peer_share"]) for f, inputs in found] == [
        ("feat_premium_a", 0.4)
    ]

    _peers(1)  # a sixth healthy peer without it: 2 / 6 < 0.4
    assert _cross_sell(model, subject) == []

    use(subject, a, 4)  # adopted by the customer itself: never suggested
    expansion_model_save(data={"peer_adoption_share": 0.3, "active": True}, model=model)
    assert _cross_sell(active_expansion_model(), subject) == []


def test_a_feature_already_in_the_pipeline_is_not_suggested_again(
    key_features: list[Feature], premium: tuple[Feature, Feature]
) -> None:
    a, _ = premium
    subject = CustomerFactory.create(segment="mid_market")
    for peer in _peers(2):
        use(peer, a, 4)
    OpportunityFactory.create(customer=subject, product=a.feature_id, type="cross_sell")
    document = expansion_readout(active_expansion_model(), subject, AS_OF)
    assert [(o["product"], o["suggested"]) for o in document["opportunities"]] == [
        (a.feature_id, False)
    ]


def test_not_ready_a_quarter_later_and_no_seat_upsell_below_the_threshold(
    key_features: list[Feature], premium: tuple[Feature, Feature]
) -> None:
    a, _ = premium
    subject = CustomerFactory.create(segment="mid_market", licensed_seats=100)
    use(subject, key_features[0], 4, users=84)  # 0.84 < 0.85: no seat upsell
    for peer in _peers(1):
        use(peer, a, 4)
    document = expansion_readout(active_expansion_model(), subject, AS_OF)
    score = document["expansion_readiness"]["score"]
    # adoption 1/4: 6.25; seats 0.84/0.85 × 15 = 14.82...; nothing else: 21.07 -> 21
    assert score == 21
    assert document["expansion_readiness"]["ready"] is False
    assert [(o["product"], o["probability"], o["timeline"]) for o in document["opportunities"]] == [
        ("feat_premium_a", 0.23, "q4_2026")  # 0.05 + 0.85 × 0.21 = 0.2285 -> 0.23
    ]
    assert document["success_evidence"] == []


def test_unknown_customer_is_404(make_client: MakeClient, monkeypatch: Any) -> None:
    response = _get(make_client("sales:read"), "cust_nobody", monkeypatch)
    assert_error(response, 404, "customer_not_found")


def test_needs_sales_read(make_client: MakeClient, monkeypatch: Any) -> None:
    customer = CustomerFactory.create()
    for scopes in (("customers:read", "finance:read"), ("sales:write",)):
        response = _get(make_client(*scopes), customer.customer_id, monkeypatch)
        assert response.status_code == 403, scopes
    assert _get(make_client("sales:read"), customer.customer_id, monkeypatch).status_code == 200
    monkeypatch.undo()
    assert make_client().get(URL.format(customer.customer_id)).status_code == 200
    assert make_client().get(URL.format(customer.customer_id) + "/").status_code == 200


def test_unknown_query_parameter_is_400(make_client: MakeClient, monkeypatch: Any) -> None:
    customer = CustomerFactory.create()
    response = _get(make_client("sales:read"), customer.customer_id, monkeypatch, "?as_of=x")
    assert_error(response, 400, "unknown_parameter", "as_of")


@pytest.mark.parametrize(("peers", "nightly"), [(2, False), (12, False), (2, True), (12, True)])
def test_fixed_number_of_queries_whatever_the_segment_size(
    peers: int,
    nightly: bool,
    key_features: list[Feature],
    premium: tuple[Feature, Feature],
    django_assert_num_queries: Any,
) -> None:
    customer = ready_customer(key_features)
    for peer in _peers(peers):
        use(peer, premium[0], 4)
        use(peer, premium[1], 5)
    OpportunityFactory.create(customer=customer)
    ValueRecordFactory.create(customer=customer, date=AS_OF - timedelta(days=3))
    if nightly:
        expansion_score(as_of=AS_OF, computed_at=at(AS_OF, 3), publish=False)
    model = active_expansion_model()
    # Eight for the signals (the open pipeline is read with the customer-sourced count, the
    # premium adoption in the adoption's pass over usage, the seats are the customer row's),
    # one for contracted value, ARR and
    # realised value together, one for the NPS, one for the stored peer shares with the
    # customer's own snapshot from the nightly run or, before it, none stored and the live
    # peers' count and adoption (2). Either way no query depends on the segment's size.
    with django_assert_num_queries(11 if nightly else 13):
        document = expansion_readout(model, customer, AS_OF)
    assert len(document["opportunities"]) == 4  # pipeline, seats, two cross-sells


def test_nightly_peer_shares_give_the_live_answer(
    key_features: list[Feature], premium: tuple[Feature, Feature]
) -> None:
    a, b = premium
    unhealthy = CustomerFactory.create(segment="mid_market")
    health(unhealthy, 40, "critical")
    healthy = _peers(1)[0]
    peers = _peers(4)
    use(peers[0], a, 4)
    use(peers[1], a, 4)
    use(peers[2], b, 4)
    _peers(2, segment="enterprise")
    model = active_expansion_model()
    live = {c.pk: _cross_sell(model, c) for c in (unhealthy, healthy)}
    # unhealthy: 2 of 5 healthy = 0.4; healthy: 2 of its 4 peers = 0.5
    assert [(f.feature_id, i["peer_share"]) for f, i in live[unhealthy.pk]] == [
        ("feat_premium_a", 0.4)
    ]
    assert [(f.feature_id, i["peer_share"]) for f, i in live[healthy.pk]] == [
        ("feat_premium_a", 0.5)
    ]
    expansion_score(as_of=AS_OF, computed_at=at(AS_OF, 3), publish=False)
    shares = ExpansionPeerShare.objects.order_by("segment", "feature_id")
    assert [(s.segment, s.feature_id, s.adopters, s.healthy_customers) for s in shares] == [
        ("enterprise", "", 0, 2),
        ("mid_market", "", 0, 5),
        ("mid_market", "feat_premium_a", 2, 5),
        ("mid_market", "feat_premium_b", 1, 5),
        ("small_business", "", 0, 0),
    ]
    for customer in (unhealthy, healthy):
        stored = _cross_sell(model, customer)
        assert [(f, {**i, "peers_as_of": "now"}) for f, i in stored] == live[customer.pk]
        assert {i["peers_as_of"] for _, i in stored} == {"nightly run"}
