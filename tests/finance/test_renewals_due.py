"""GET /api/v1/cs-finance/renewals (README, "Finance: renewals due and calibration"): the
seeded prior's probabilities computed by hand from known rows, ARR at risk and its order, the
window, filters, pagination, 400s, the scope and a fixed number of queries."""

import math
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.models import Stakeholder
from finance.api import renewal_views
from finance.models import RenewalModelVersion
from finance.renewals.due import arr_at_risk
from integrations.rounding import round_half_up
from operations.models import Escalation
from tests.conftest import MakeClient
from tests.customers.factories import CustomerFactory, TeamMemberFactory
from tests.finance.factories import InvoiceFactory
from tests.finance.renewals_support import BEFORE, DAY, URL
from tests.finance.renewals_support import contract as _contract
from tests.finance.renewals_support import health as _health
from tests.finance.renewals_support import ids as _ids
from tests.product.factories import FeatureFactory
from tests.support.errors import assert_error

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(monkeypatch: Any) -> None:
    monkeypatch.setattr(renewal_views, "today", lambda: DAY)


def _probability(log_odds: float) -> float:
    return round_half_up(1 / (1 + math.exp(-log_odds)), 4)


# Features on DAY with the seeded prior (intercept 1.5). Every customer has licensed_seats 0
# (no seat utilisation) and there is no key feature (no adoption): those terms are 0. Health
# has one snapshot (no 30-day change); no invoice is level 0 (-0.5 x (0 - 0.5) = +0.25), no
# escalation +0.16 (-0.4 x (0 - 0.2) / 0.5), no sponsor -0.3 (0.3 x (0 - 0.5) / 0.5).
LOG_ODDS = {
    # enterprise, health 85: 1.5 + 0.9 x 15/15 + 0.25 + 0.16 - 0.3 + 0.2
    "ctr_a": 1.5 + 0.9 + 0.25 + 0.16 - 0.3 + 0.2,
    # small business, health 55 (-0.9), 20 days overdue = level 2 (-0.5 x 1.5 = -0.75), one
    # open escalation (-0.4 x 0.8 / 0.5 = -0.64), a sponsor (+0.3), small business -0.2
    "ctr_b": 1.5 - 0.9 - 0.75 - 0.64 + 0.3 - 0.2,
    # mid market, no health snapshot: imputed (0)
    "ctr_c": 1.5 + 0.25 + 0.16 - 0.3,
    "ctr_f1": 1.5 + 0.25 + 0.16 - 0.3,
}


@pytest.fixture
def book(db: None) -> dict[str, Any]:
    alice = TeamMemberFactory.create(email="alice@company.com", name="Alice")
    bob = TeamMemberFactory.create(email="bob@company.com", name="Bob")
    a = CustomerFactory.create(
        customer_id="cust_a",
        name="Acme",
        segment="enterprise",
        licensed_seats=0,
        success_manager=alice,
    )
    _health(a, 85, "healthy")
    _contract(a, "ctr_a", 30, 100000)

    b = CustomerFactory.create(
        customer_id="cust_b", segment="small_business", licensed_seats=0, success_manager=bob
    )
    _health(b, 55, "at_risk")
    _contract(b, "ctr_b", 60, 50000)
    InvoiceFactory.create(customer=b, issued_on=date(2026, 5, 10), due_on=date(2026, 6, 10))
    Escalation.objects.create(
        customer=b,
        escalation_id="esc_b",
        owner_email="ops@company.com",
        reason="r",
        opened_at=BEFORE,
    )
    sponsor = Stakeholder.objects.create(
        customer=b, email="ceo@b.example", is_executive_sponsor=True
    )
    Stakeholder.objects.filter(pk=sponsor.pk).update(created_at=BEFORE)

    c = CustomerFactory.create(customer_id="cust_c", licensed_seats=0, success_manager=bob)
    _contract(c, "ctr_c", 10, 200000)

    d = CustomerFactory.create(customer_id="cust_d", licensed_seats=0)
    _contract(d, "ctr_d", 120, 90000)  # outside 90 days
    e = CustomerFactory.create(customer_id="cust_e", licensed_seats=0)
    _contract(e, "ctr_e", 0, 90000)  # ends today: due, not "within"
    f = CustomerFactory.create(customer_id="cust_f", licensed_seats=0)
    _contract(f, "ctr_f1", 20, 120000)
    _contract(f, "ctr_f2", 50, 500000)  # the same customer's later contract: not listed
    g = CustomerFactory.create(customer_id="cust_g", licensed_seats=0)
    _contract(g, "ctr_g", 40, 80000, status="renewed")  # not active
    return {"alice": alice}


def test_probabilities_by_hand_and_the_order_by_arr_at_risk(api: Any, book: Any) -> None:
    response = api.get(URL)
    # ARR x (1 - p): c 200,000 x (1 - 0.8334) = 33,320; b 50,000 x (1 - 0.3340) = 33,300;
    # f1 120,000 x 0.1666 = 19,992; a 100,000 x (1 - 0.9376) = 6,240.
    assert _ids(response) == ["ctr_c", "ctr_b", "ctr_f1", "ctr_a"]
    rows = {row["contract_id"]: row for row in response.json()["results"]}
    assert {k: rows[k]["renewal_probability"] for k in rows} == {
        "ctr_a": 0.9376,
        "ctr_b": 0.334,
        "ctr_c": 0.8334,
        "ctr_f1": 0.8334,
    }
    for contract_id, log_odds in LOG_ODDS.items():
        assert rows[contract_id]["renewal_probability"] == _probability(log_odds)
        assert rows[contract_id]["log_odds"] == pytest.approx(log_odds, abs=1e-4)
    assert {k: rows[k]["arr_at_risk"] for k in rows} == {
        "ctr_a": 6240,
        "ctr_b": 33300,
        "ctr_c": 33320,
        "ctr_f1": 19992,
    }
    b = rows["ctr_b"]
    terms = {t["feature"]: t for t in b["terms"]}
    assert terms["health_score"] == {
        "feature": "health_score",
        "value": 55.0,
        "coefficient": 0.9,
        "mean": 70.0,
        "scale": 15.0,
        "contribution": -0.9,
    }
    assert (
        terms["payment_overdue_level"]["value"],
        terms["payment_overdue_level"]["contribution"],
    ) == (2.0, -0.75)
    assert (terms["open_escalations"]["value"], terms["open_escalations"]["contribution"]) == (
        1.0,
        -0.64,
    )
    assert terms["executive_sponsor"]["contribution"] == 0.3
    assert terms["days_to_end"]["value"] == 60.0
    assert b["intercept"] + sum(t["contribution"] for t in b["terms"]) == pytest.approx(
        b["log_odds"]
    )
    assert {k: v for k, v in b.items() if k != "terms"} == {
        "customer_id": "cust_b",
        "customer_name": b["customer_name"],
        "segment": "small_business",
        "contract_id": "ctr_b",
        "end_date": "2026-08-29",
        "days_to_end": 60,
        "arr": 50000,
        "renewal_probability": 0.334,
        "arr_at_risk": 33300,
        "model_version": 1,
        "model_kind": "prior",
        "log_odds": b["log_odds"],
        "intercept": 1.5,
        "health_score": 55,
        "health_grade": "at_risk",
        "csm": {"email": "bob@company.com", "name": "Bob"},
    }
    assert rows["ctr_a"]["csm"] == {"email": "alice@company.com", "name": "Alice"}
    assert rows["ctr_a"]["customer_name"] == "Acme"
    assert (rows["ctr_c"]["health_score"], rows["ctr_c"]["health_grade"]) == (None, None)
    assert rows["ctr_f1"]["csm"] is None


def test_arr_at_risk_is_half_up_to_the_cent() -> None:
    assert arr_at_risk(Decimal("100.05"), 0.5) == Decimal("50.03")  # 50.025 -> 50.03
    assert arr_at_risk(Decimal("100000.00"), 0.9376) == Decimal("6240.00")
    assert arr_at_risk(Decimal("999.99"), 1.0) == Decimal("0.00")


def test_the_window_is_after_today_up_to_n_days(api: Any, book: Any) -> None:
    assert _ids(api.get(URL, {"due_within_days": 10})) == ["ctr_c"]  # day 10 is inside
    assert _ids(api.get(URL, {"due_within_days": 9})) == []
    assert "ctr_d" in _ids(api.get(URL, {"due_within_days": 120}))
    # ctr_e ends today: the model scores it (the next to end), so cust_e has no row at all.
    assert "ctr_e" not in _ids(api.get(URL, {"due_within_days": 730}))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"segment": "enterprise"}, ["ctr_a"]),
        ({"segment": "mid_market"}, ["ctr_c", "ctr_f1"]),
        ({"csm": "ALICE@company.com"}, ["ctr_a"]),  # case-insensitive, like success_manager
        ({"csm": "bob@company.com"}, ["ctr_c", "ctr_b"]),
        ({"csm": "nobody@company.com"}, []),
        ({"min_arr": "100000"}, ["ctr_c", "ctr_f1", "ctr_a"]),  # inclusive
        ({"min_arr": "100001"}, ["ctr_c", "ctr_f1"]),
        ({"max_probability": "0.5"}, ["ctr_b"]),
        ({"max_probability": "0.8334"}, ["ctr_c", "ctr_b", "ctr_f1"]),  # inclusive
        ({"max_probability": "1", "segment": "small_business"}, ["ctr_b"]),
    ],
)
def test_filters(api: Any, book: Any, params: dict[str, str], expected: list[str]) -> None:
    assert _ids(api.get(URL, params)) == expected


def test_min_arr_never_lists_a_later_contract_in_place_of_the_scored_one(
    api: Any, book: Any
) -> None:
    # cust_f's next contract (120,000) is below the bound; its later one (500,000) is not
    # what the model scored, so cust_f is not listed at all.
    assert _ids(api.get(URL, {"min_arr": "150000"})) == ["ctr_c"]


@pytest.mark.parametrize(
    ("params", "attr", "code"),
    [
        ({"due_within_days": "0"}, "due_within_days", "min_value"),
        ({"due_within_days": "731"}, "due_within_days", "max_value"),
        ({"due_within_days": "abc"}, "due_within_days", "invalid"),
        ({"due_within_days": "1_0"}, "due_within_days", "invalid"),
        ({"due_within_days": " 9"}, "due_within_days", "invalid"),
        ({"segment": "giant"}, "segment", "invalid_choice"),
        ({"csm": "not-an-email"}, "csm", "invalid"),
        ({"csm": " alice@company.com"}, "csm", "invalid"),
        ({"min_arr": "-1"}, "min_arr", "min_value"),
        ({"min_arr": "NaN"}, "min_arr", "invalid"),
        ({"min_arr": "100.5"}, "min_arr", "invalid"),  # whole currency units
        ({"min_arr": "1000000000000"}, "min_arr", "max_value"),
        ({"max_probability": "1.5"}, "max_probability", "max_value"),
        ({"max_probability": "-0.1"}, "max_probability", "min_value"),
        ({"max_probability": "Infinity"}, "max_probability", "invalid"),
        ({"max_probablity": "0.5"}, "max_probablity", "unknown_parameter"),
        ({"cursor": "garbage"}, "cursor", "invalid_cursor"),
        ({"page_size": "501"}, "page_size", "invalid_page_size"),
    ],
)
def test_bad_parameters_are_400(
    api: Any, book: Any, params: dict[str, str], attr: str, code: str
) -> None:
    assert_error(api.get(URL, params), 400, code, attr)


@pytest.mark.parametrize(
    ("params", "attr", "code"),
    [
        ({"cursor": "garbage"}, "cursor", "invalid_cursor"),
        ({"page_size": "0"}, "page_size", "invalid_page_size"),
    ],
)
def test_a_bad_cursor_or_page_size_is_refused_before_any_scoring(
    api: Any, book: Any, monkeypatch: Any, params: dict[str, str], attr: str, code: str
) -> None:
    # Found by the attack pass (issue 17): the 400 came after the whole list was scored
    # (~300 ms at 2,500 customers), so garbage cursors cost as much as real pages.
    def not_called(**kwargs: Any) -> None:
        raise AssertionError("renewals_due ran for a request that is refused")

    monkeypatch.setattr(renewal_views, "renewals_due", not_called)
    assert_error(api.get(URL, params), 400, code, attr)


def test_a_repeated_parameter_is_400(api: Any, book: Any) -> None:
    response = api.get(f"{URL}?due_within_days=30&due_within_days=60")
    assert_error(response, 400, "repeated_parameter", "due_within_days")


def test_pages_follow_the_order_with_signed_cursors(api: Any, book: Any) -> None:
    first = api.get(URL, {"page_size": 3})
    assert _ids(first) == ["ctr_c", "ctr_b", "ctr_f1"]
    assert first.json()["previous"] is None
    second = api.get(first.json()["next"])
    assert _ids(second) == ["ctr_a"]
    assert second.json()["next"] is None
    back = api.get(second.json()["previous"])
    assert _ids(back) == ["ctr_c", "ctr_b", "ctr_f1"]
    # A cursor belongs to its filters.
    cursor = first.json()["next"].split("cursor=")[1].split("&")[0]
    assert_error(
        api.get(URL, {"cursor": cursor, "segment": "enterprise", "page_size": 3}),
        400,
        "invalid_cursor",
        "cursor",
    )


def test_a_cursor_is_a_position_not_an_offset(api: Any, book: Any) -> None:
    first = api.get(URL, {"page_size": 2})
    assert _ids(first) == ["ctr_c", "ctr_b"]
    # A renewal that sorts before the cursor appears meanwhile: the next page still starts
    # right after ctr_b (an offset would repeat ctr_b).
    h = CustomerFactory.create(customer_id="cust_h", licensed_seats=0)
    _contract(h, "ctr_h", 15, 900000)
    assert _ids(api.get(first.json()["next"])) == ["ctr_f1", "ctr_a"]


def test_finance_read_scope_is_required(make_client: MakeClient, book: Any) -> None:
    assert_error(make_client("customers:read").get(URL), 403, "permission_denied")
    assert make_client("finance:read").get(URL).status_code == 200


def test_no_active_model_is_a_409(api: Any, book: Any) -> None:
    RenewalModelVersion.objects.update(is_active=False)
    assert_error(api.get(URL), 409, "no_active_renewal_model")


def _queries(api: Any, **params: Any) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(URL, params)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries), len(response.json()["results"])


def _customers(n: int, start: int) -> None:
    csm = TeamMemberFactory.create()
    for i in range(start, start + n):
        customer = CustomerFactory.create(success_manager=csm)
        _health(customer, 60 + i % 30, "at_risk")
        _contract(customer, f"ctr_q{i:04d}", 1 + i % 80, 10000 + i)


def test_a_fixed_number_of_queries_whatever_the_customers_or_page_size(
    api: Any, django_assert_max_num_queries: Any
) -> None:
    FeatureFactory.create(is_key=True)  # with no key feature, adoption skips its usage query
    _customers(3, 0)
    small, shown = _queries(api, page_size=2)
    assert shown == 2
    _customers(40, 3)
    large, shown = _queries(api, page_size=30)
    assert shown == 30
    assert small == large
    # The API key, the model, the scored contracts (each customer's next-ending one, with
    # its customer and CSM), the scoring's seven feature reads (both days' health scores in
    # one) and the page's health.
    assert large == 11
    with django_assert_max_num_queries(11):
        assert api.get(URL, {"page_size": 500}).status_code == 200


def test_the_written_out_rows_are_the_serializers(api: Any, book: Any) -> None:
    """`renewal_due_data` is what `RenewalDueSerializer` makes of the same documents, value
    for value and type for type (ints stay ints, a null health or CSM stays null)."""
    from finance.api.renewal_serializers import RenewalDueSerializer, renewal_due_data
    from finance.renewals.due import due_documents, renewals_due

    documents = due_documents(renewals_due(as_of=DAY, days=90))
    assert len(documents) == 4
    assert {d["csm"] is None for d in documents} == {True, False}
    assert {d["health_score"] is None for d in documents} == {True, False}
    written = renewal_due_data(documents)
    serialized = RenewalDueSerializer(documents, many=True).data
    assert written == serialized
    assert repr(written) == repr([dict(row) for row in serialized])
