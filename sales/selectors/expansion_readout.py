"""One customer's expansion read-out (README, "Sales: expansion readiness"): readiness with its
factors, the open pipeline plus suggested opportunities, and the success evidence. A fixed
number of queries (eleven; thirteen before the first nightly run) whatever the customer's
history or the size of its segment."""

import math
from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Case, JSONField, QuerySet, Subquery, When

from customers import read as customers_read
from customers.models import Customer, HealthGrade
from finance import read as finance_read
from integrations.clock import days_window, quarter_of
from integrations.money import whole_units
from integrations.prepared import PreparedQuery
from integrations.rounding import round_half_up
from operations import read as operations_read
from product import read as product_read

from ..models import ExpansionModel, ExpansionPeerShare, ExpansionSnapshot
from .expansion import Readiness, readiness, signals

SEATS_PRODUCT = "additional_seats"
NPS_WINDOW_DAYS = 180
PROMOTER_NPS = 50  # the customer's NPS over the window at or above this: promoter_nps
ROI_TARGET = 100  # percent: realised value ÷ contracted value × 100
HEALTHY = HealthGrade.HEALTHY


def suggestion_probability(model: ExpansionModel, score: int) -> float:
    """Linear in readiness: p0 + (p100 − p0) × score ÷ 100, half-up to 2 decimals."""
    p0, p100 = model.probability_at_0, model.probability_at_100
    return round_half_up(p0 + (p100 - p0) * score / 100, 2)


def suggestion_timeline(as_of: date, ready: bool) -> str:
    """The next quarter when ready, else the one after it."""
    return quarter_of(as_of, ahead=1 if ready else 2)


def _pipeline(opportunities: tuple[finance_read.OpenOpportunity, ...]) -> list[dict[str, Any]]:
    return [
        {
            "type": o.type,
            "product": o.product,
            "value_estimate": whole_units(o.value),
            "probability": o.probability,
            "timeline": o.expected_close,
            "suggested": False,
            "opportunity_id": o.opportunity_id,
            "source": o.source,
            "reason": "open opportunity in the pipeline",
            "inputs": {},
        }
        for o in opportunities
    ]


def _live_peers(customer: Customer, as_of: date) -> tuple[int, Counter[str]]:
    """The healthy customers of the segment (the customer excluded) and, per premium
    feature, how many adopted it, computed now. Two queries (one when there are none)."""
    peers = customers_read.healthy_customers().filter(segment=customer.segment)
    peers = peers.exclude(pk=customer.pk)
    count = peers.count()
    if not count:
        return 0, Counter()
    adoption = product_read.premium_adoption(peers.values("pk"), as_of)
    return count, Counter(name for names in adoption.values() for name in names)


def _peer_shares(segment: str, customer_pk: int) -> QuerySet[ExpansionPeerShare]:
    # The segment's count row (empty feature_id) carries the customer's latest snapshot's
    # factors: one statement, its JSON read once, not once per feature row.
    own = ExpansionSnapshot.objects.filter(customer_id=customer_pk, is_latest=True)
    return ExpansionPeerShare.objects.filter(segment=segment).annotate(
        own_factors=Case(
            When(feature_id="", then=Subquery(own.values("factors")[:1])),
            default=None,
            output_field=JSONField(),
        )
    )


# Read on every read-out: compiled once per thread (integrations.prepared).
_PEER_SHARES: PreparedQuery[Any] = PreparedQuery(_peer_shares, segment=str, customer_pk=int)


def _stored_peers(customer: Customer) -> tuple[int, Counter[str]] | None:
    """The same from the nightly run's peer shares (None before the first run), the
    customer taken out of the count when that run scored it healthy. One query."""
    rows = _PEER_SHARES.all(segment=customer.segment, customer_pk=customer.pk)
    segment = next((r for r in rows if not r.feature_id), None)
    if segment is None:
        return None
    healthy = segment.healthy_customers
    factors = segment.own_factors
    health = next((f for f in factors or [] if f["name"] == "health_score"), None)
    if health is not None and health["inputs"].get("grade") == HEALTHY:
        healthy -= 1
    return healthy, Counter({r.feature_id: r.adopters for r in rows if r.feature_id})


def cross_sell(
    model: ExpansionModel, customer: Customer, as_of: date, features: product_read.FeatureSignals
) -> list[tuple[product_read.PremiumFeature, dict[str, Any]]]:
    """Premium features the customer has not adopted (`features`, read for it) that at least
    `peer_adoption_share` of the healthy customers of its segment (itself excluded) have
    adopted: from the nightly run's peer shares, or computed now before the first run. Two
    queries."""
    usage = features.customers.get(customer.pk)
    own = usage.premium if usage else frozenset()
    stored = _stored_peers(customer)
    peer_count, adopters = stored if stored is not None else _live_peers(customer, as_of)
    if peer_count <= 0:
        return []
    found = []
    for feature in features.premium_features:
        share = adopters[feature.feature_id] / peer_count
        if feature.feature_id not in own and share >= model.peer_adoption_share:
            inputs = {
                "healthy_peers": peer_count,
                "peers_adopted": adopters[feature.feature_id],
                "peer_share": round_half_up(share, 4),
                "segment": customer.segment,
                "peers_as_of": "nightly run" if stored is not None else "now",
            }
            found.append((feature, inputs))
    return found


def seat_upsell(
    model: ExpansionModel, customer: Customer, r: Readiness, arr: Decimal | None
) -> dict[str, Any] | None:
    """Seats when utilisation is at or above `seat_full_at`: ceil(licensed seats ×
    seat_growth_share) more seats at the contract's price per seat (ARR ÷ licensed seats)."""
    seats = customer.licensed_seats
    if not r.factor("seat_utilisation").holds or not seats or not arr:
        return None
    more = math.ceil(seats * model.seat_growth_share)
    per_seat = arr / seats
    return {
        "value": per_seat * more,
        "inputs": {
            "licensed_seats": seats,
            "additional_seats": more,
            "price_per_seat": round_half_up(per_seat, 2),
            "arr": whole_units(arr),
        },
    }


def _suggestions(
    model: ExpansionModel,
    customer: Customer,
    r: Readiness,
    as_of: date,
    taken: set[str],
    features: product_read.FeatureSignals,
    totals: finance_read.ContractValueTotals | None,
) -> list[dict[str, Any]]:
    probability = suggestion_probability(model, r.score)
    timeline = suggestion_timeline(as_of, r.ready)
    found = []
    seats = seat_upsell(model, customer, r, totals.arr if totals else None)
    if seats is not None and SEATS_PRODUCT not in taken:
        found.append(
            (
                "upsell",
                SEATS_PRODUCT,
                seats["value"],
                seats["inputs"],
                "seat utilisation at or above the model's seat_full_at",
            )
        )
    for feature, inputs in cross_sell(model, customer, as_of, features):
        if feature.feature_id not in taken:
            found.append(
                (
                    "cross_sell",
                    feature.feature_id,
                    feature.list_price,
                    inputs,
                    "premium feature adopted by healthy peers of the segment",
                )
            )
    found.sort(key=lambda item: (-item[2], item[1]))
    return [
        {
            "type": kind,
            "product": product,
            "value_estimate": whole_units(value),
            "probability": probability,
            "timeline": timeline,
            "suggested": True,
            "opportunity_id": None,
            "source": None,
            "reason": reason,
            "inputs": inputs,
        }
        for kind, product, value, inputs, reason in found
    ]


def _evidence(
    customer: Customer, r: Readiness, as_of: date, totals: finance_read.ContractValueTotals | None
) -> list[dict[str, str]]:
    pk = customer.pk
    found = []
    contracted = totals.contracted_value if totals else None
    realized = totals.realized_value if totals else None
    if contracted and realized is not None:
        roi = round_half_up(realized / contracted * 100)
        if roi >= ROI_TARGET:
            found.append(("achieved_roi_target", f"ROI {roi}% (realised ÷ contracted value)"))
    sponsor = r.factor("executive_sponsor")
    if sponsor.holds:
        found.append(
            (
                "executive_sponsorship",
                f"{sponsor.inputs['executive_sponsors']} executive sponsor(s)",
            )
        )
    asked = r.factor("expansion_requested")
    if asked.holds:
        found.append(
            (
                "expansion_requested_by_customer",
                "{expansion_request_feedback} expansion request(s), "
                "{customer_sourced_opportunities} customer-sourced opportunit(ies) in "
                "{window_days} days".format(**asked.inputs),
            )
        )
    adoption = r.factor("adoption_breadth")
    if adoption.holds:
        found.append(
            (
                "adoption_target_met",
                "{} of {} key features adopted".format(
                    len(adoption.inputs["adopted"]), adoption.inputs["key_features"]
                ),
            )
        )
    milestones = r.factor("recent_milestones")
    if milestones.holds:
        found.append(
            (
                "success_milestones_achieved",
                "{achieved} milestone(s) achieved in {window_days} days".format(
                    **milestones.inputs
                ),
            )
        )
    surveys = operations_read.survey_summaries([pk], window=days_window(as_of, NPS_WINDOW_DAYS))
    nps = surveys[pk].nps if pk in surveys else None
    if nps is not None and nps >= PROMOTER_NPS:
        found.append(("promoter_nps", f"NPS {nps:g} over {NPS_WINDOW_DAYS} days"))
    return [{"name": name, "detail": detail} for name, detail in found]


def expansion_readout(model: ExpansionModel, customer: Customer, as_of: date) -> dict[str, Any]:
    """The spec's expansion document plus its explanation."""
    pks = [customer.pk]
    # The factors' inputs with the open pipeline (one statement for it and the customer-
    # sourced count) and the premium adoption (from the adoption's pass over usage); the
    # seats are the customer row's.
    read = signals(
        model, pks, as_of, pipeline=True, licensed_seats={customer.pk: customer.licensed_seats}
    )
    r = readiness(model, pks, as_of, read)[customer.pk]
    pipeline = read.pipeline.get(customer.pk, ())
    taken = {o.product for o in pipeline}
    # Contracted and realised value (evidence), ARR (seat upsell): one statement for all.
    totals = finance_read.contract_value_totals(pks, as_of).get(customer.pk)
    evidence = _evidence(customer, r, as_of, totals)
    return {
        "customer_id": customer.customer_id,
        "as_of": as_of,
        "expansion_readiness": {
            "score": r.score,
            "readiness_factors": r.readiness_factors,
            "ready": r.ready,
            "ready_threshold": model.ready_threshold,
            "model_version": model.version,
            "factors": [f.as_dict() for f in r.factors],
        },
        "opportunities": _pipeline(pipeline)
        + _suggestions(model, customer, r, as_of, taken, read.features, totals),
        "success_evidence": [e["name"] for e in evidence],
        "evidence_details": evidence,
    }
