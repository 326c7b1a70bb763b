"""CS revenue forecasts (README, "Finance: forecasts"): validation with index/field, the
server's recomputation by hand, versions per period, accuracy after the quarter."""

import copy
import math
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from finance import admin as finance_admin
from finance import services as finance_services
from finance.api import forecast_views
from finance.api.forecast_views import FORECAST_EXAMPLE
from finance.models import Forecast, RenewalModelVersion
from integrations.clock import quarter_bounds
from integrations.models import Event
from tests.conftest import MakeClient
from tests.customers.factories import CustomerFactory
from tests.finance.factories import ContractFactory, OpportunityFactory
from tests.support.errors import item_errors

URL = "/api/v1/cs-finance/forecast"
SUBMITTED_ON = date(2026, 6, 30)


def line(customer_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "renewal_probability": 0.9,
        "expansion_probability": 0.5,
        "expansion_value": 20000,
        "risk_factors": [],
        **extra,
    }


def body(lines: list[dict[str, Any]], period: str = "q1_2026", **aggregate: Any) -> dict:
    metrics = {"total_forecasted_revenue": 0, "confidence_level": 0.8, "risk_adjusted_value": 0}
    return {
        "forecast_period": period,
        "customer_forecasts": lines,
        "aggregate_metrics": {**metrics, **aggregate},
    }


@pytest.fixture
def two(db: None) -> None:
    """cust_a: ARR 120,000 + 60,000 over 2 years = 150,000; cust_b: ARR 80,000."""
    a = CustomerFactory.create(customer_id="cust_a")
    b = CustomerFactory.create(customer_id="cust_b")
    ContractFactory.create(customer=a, value=Decimal(120000), term="1_year")
    ContractFactory.create(customer=a, value=Decimal(60000), term="2_year")
    ContractFactory.create(customer=a, value=Decimal(999999), status="churned")  # not ARR
    ContractFactory.create(customer=b, value=Decimal(80000), term="1_year")


HAND = body(
    [
        line("cust_a"),  # 150,000 x 0.9 = 135,000; 20,000 x 0.5 = 10,000
        line("cust_b", renewal_probability=0.25, expansion_probability=0, expansion_value=0),
    ],
    total_forecasted_revenue=166000,  # computed 165,000: 1,000 <= 1 % of 166,000
    risk_adjusted_value=160000,  # computed 165,000: 5,000 > 1 % of 160,000
)


@pytest.fixture(autouse=True)
def _submitted_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """The model checks a forecast as of the submission day: one inside the contracts' terms."""
    monkeypatch.setattr(finance_services, "today", lambda: SUBMITTED_ON)


def test_the_spec_example_verbatim_is_accepted_with_every_field(api: APIClient, db: None) -> None:
    customer = CustomerFactory.create(customer_id="cust_12345")
    ContractFactory.create(customer=customer, value=Decimal(150000), term="1_year")
    response = api.post(URL, copy.deepcopy(FORECAST_EXAMPLE), format="json")
    assert response.status_code == 201, response.content
    out = response.json()
    assert out["forecast_id"].startswith("fcst_")
    assert (out["forecast_period"], out["version"]) == ("q2_2026", 1)
    assert out["customer_forecasts"] == [
        {
            "customer_id": "cust_12345",
            "renewal_probability": 0.95,
            "expansion_probability": 0.70,
            "expansion_value": 50000,
            "risk_factors": ["contract_renewal_timing"],
            "arr": 150000,
            "expected_renewal_revenue": 142500,
            "expected_expansion_revenue": 35000,
            # The seeded prior on 2026-06-30: no health, adoption or invoice data; 100 seats
            # unused (0.4 x (0 - 0.6) / 0.25 = -0.96), no escalation (+0.16), no sponsor
            # (-0.3), payment level 0 (+0.25), mid market: 1.5 - 0.96 + 0.16 - 0.3 + 0.25 =
            # 0.65 -> 1 / (1 + e^-0.65) = 0.65701 -> 0.657. |0.95 - 0.657| = 0.293 >= 0.25.
            "model_renewal_probability": 0.657,
            "model_version": 1,
            "model_reason": None,
            "disagreement": True,
        }
    ]
    assert out["disagreements"] == 1
    assert out["aggregate_metrics"] == FORECAST_EXAMPLE["aggregate_metrics"]
    assert out["computed_metrics"] == {
        "expected_renewal_revenue": 142500,
        "expected_expansion_revenue": 35000,
        "total_forecasted_revenue": 177500,
        "risk_adjusted_value": 177500,
    }
    assert out["comparison"] == {
        "total_forecasted_revenue": {
            "submitted": 2500000,
            "computed": 177500,
            "difference": 2322500,
            "consistent": False,
        },
        "risk_adjusted_value": {
            "submitted": 2200000,
            "computed": 177500,
            "difference": 2022500,
            "consistent": False,
        },
    }
    assert out["consistent"] is False
    event = Event.objects.get(type="forecast.submitted")
    assert event.data["forecast_id"] == out["forecast_id"]
    assert (event.data["version"], event.data["forecast_period"]) == (1, "q2_2026")


def test_recomputation_by_hand(api: APIClient, two: None) -> None:
    response = api.post(URL, HAND, format="json")
    assert response.status_code == 201, response.content
    out = response.json()
    lines = {c["customer_id"]: c for c in out["customer_forecasts"]}
    assert (lines["cust_a"]["arr"], lines["cust_b"]["arr"]) == (150000, 80000)
    assert lines["cust_a"]["expected_renewal_revenue"] == 135000
    assert lines["cust_a"]["expected_expansion_revenue"] == 10000
    assert lines["cust_b"]["expected_renewal_revenue"] == 20000
    assert lines["cust_b"]["expected_expansion_revenue"] == 0
    assert out["computed_metrics"]["total_forecasted_revenue"] == 165000
    assert out["comparison"]["total_forecasted_revenue"]["difference"] == 1000
    assert out["comparison"]["total_forecasted_revenue"]["consistent"] is True
    assert out["comparison"]["risk_adjusted_value"]["difference"] == -5000
    assert out["comparison"]["risk_adjusted_value"]["consistent"] is False
    assert out["consistent"] is False


def test_every_validation_error_carries_index_and_field(api: APIClient, two: None) -> None:
    lines: list[Any] = [
        line("cust_a", renewal_probability="0.9"),
        line("cust_b", expansion_probability=1.5),
        line("cust_a", expansion_value=-5),
        line("cust_a", expansion_value=100.5),
        line("cust_zzz"),
        line("cust_b"),
        {k: v for k, v in line("cust_x").items() if k != "renewal_probability"},
        line("cust_x", colour="red"),
        line("cust_x", renewal_probability=True),
        line("cust_x", risk_factors="late"),
        "not an item",
    ]
    sent = body(lines, period="Q2_2026", confidence_level="0.9", total_forecasted_revenue=-1)
    sent["aggregate_metrics"]["risk_adjusted_value"] = 10.5
    sent["extra"] = 1
    CustomerFactory.create(customer_id="cust_x")
    response = api.post(URL, sent, format="json")
    assert response.status_code == 400, response.content
    assert set(item_errors(response)) == {
        (None, "extra", "unknown_field"),
        (None, "forecast_period", "invalid"),
        (None, "aggregate_metrics.confidence_level", "invalid"),
        (None, "aggregate_metrics.total_forecasted_revenue", "invalid"),
        (None, "aggregate_metrics.risk_adjusted_value", "invalid"),
        (0, "renewal_probability", "invalid"),
        (1, "expansion_probability", "invalid"),
        (2, "customer_id", "duplicate_key"),
        (2, "expansion_value", "invalid"),
        (3, "customer_id", "duplicate_key"),
        (3, "expansion_value", "invalid"),
        (4, "customer_id", "unknown_customer"),
        (5, "customer_id", "duplicate_key"),
        (6, "renewal_probability", "required"),
        (7, "colour", "unknown_field"),
        (7, "customer_id", "duplicate_key"),
        (8, "customer_id", "duplicate_key"),
        (8, "renewal_probability", "invalid"),
        (9, "customer_id", "duplicate_key"),
        (9, "risk_factors", "invalid"),
        (10, None, "not_an_object"),
    }
    error = response.json()["errors"][0]
    assert error["index"] is None  # the body's own fields first, then items in order
    assert not Forecast.objects.exists()


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        ([], [(None, None, "not_an_object")]),
        (body([]), [(None, "customer_forecasts", "invalid")]),
        ({"forecast_period": "q5_2026"}, None),
        (body([line("cust_a")], period="q2_0000"), [(None, "forecast_period", "invalid")]),
    ],
)
def test_body_level_errors(api: APIClient, two: None, sent: Any, expected: Any) -> None:
    response = api.post(URL, sent, format="json")
    assert response.status_code == 400, response.content
    if expected is not None:
        assert item_errors(response) == expected
    else:
        assert set(item_errors(response)) == {
            (None, "forecast_period", "invalid"),
            (None, "customer_forecasts", "required"),
            (None, "aggregate_metrics", "required"),
        }


def test_too_many_customers_is_refused(api: APIClient, two: None) -> None:
    lines = [line(f"c{i}") for i in range(10_001)]
    response = api.post(URL, body(lines), format="json")
    assert item_errors(response) == [(None, "customer_forecasts", "invalid")]


def test_the_write_scope_is_required(make_client: MakeClient, two: None) -> None:
    reader = make_client("finance:read")
    assert reader.post(URL, HAND, format="json").status_code == 403
    assert reader.get(URL, {"period": "q1_2026"}).status_code == 404


def test_versions_per_period_and_get_by_period(api: APIClient, two: None) -> None:
    first = api.post(URL, HAND, format="json").json()
    second = api.post(URL, HAND, format="json").json()
    other = api.post(URL, {**HAND, "forecast_period": "q2_2026"}, format="json").json()
    assert (first["version"], second["version"], other["version"]) == (1, 2, 1)

    latest = api.get(URL, {"period": "q1_2026"})
    assert latest.status_code == 200
    assert latest.json()["forecast_id"] == second["forecast_id"]
    assert [(v["forecast_id"], v["version"]) for v in latest.json()["versions"]] == [
        (second["forecast_id"], 2),
        (first["forecast_id"], 1),
    ]
    assert api.get(URL).json()["forecast_id"] == other["forecast_id"]  # latest submitted
    detail = api.get(f"{URL}/{first['forecast_id']}")
    assert detail.status_code == 200
    assert detail.json() == first

    missing = api.get(URL, {"period": "q3_2026"})
    assert (missing.status_code, missing.json()["errors"][0]["code"]) == (
        404,
        "forecast_not_found",
    )
    assert api.get(f"{URL}/fcst_nope").status_code == 404
    assert api.get(f"{URL}/fcst_nope/accuracy").status_code == 404
    assert api.get(URL, {"period": "2026q1"}).status_code == 400


def test_the_idempotency_key_replays_the_same_version(api: APIClient, two: None) -> None:
    first = api.post(URL, HAND, format="json", HTTP_IDEMPOTENCY_KEY="fcst-once")
    again = api.post(URL, HAND, format="json", HTTP_IDEMPOTENCY_KEY="fcst-once")
    assert first.status_code == again.status_code == 201
    assert again.json()["forecast_id"] == first.json()["forecast_id"]
    assert Forecast.objects.count() == 1


def test_accuracy_after_the_period_by_hand(
    api: APIClient, two: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    forecast = api.post(URL, HAND, format="json").json()
    a_contract = {"start_date": date(2025, 3, 1), "end_date": date(2026, 2, 28)}
    ContractFactory.create(
        customer_id=_pk("cust_a"), value=Decimal(100000), status="renewed", **a_contract
    )
    ContractFactory.create(
        customer_id=_pk("cust_a"),  # decided after the quarter: not counted
        value=Decimal(7000),
        status="renewed",
        start_date=date(2025, 4, 2),
        end_date=date(2026, 4, 1),
    )
    ContractFactory.create(
        customer_id=_pk("cust_b"),
        value=Decimal(50000),
        status="churned",
        start_date=date(2025, 4, 1),
        end_date=date(2026, 3, 31),
    )
    won = {"status": "won", "closed_value": Decimal(12000)}
    OpportunityFactory.create(customer_id=_pk("cust_a"), closed_on=date(2026, 2, 10), **won)
    OpportunityFactory.create(  # won after the quarter: not counted
        customer_id=_pk("cust_a"), closed_on=date(2026, 4, 1), **won
    )
    url = f"{URL}/{forecast['forecast_id']}/accuracy"

    monkeypatch.setattr(forecast_views, "today", lambda: date(2026, 3, 31))
    early = api.get(url)
    assert early.status_code == 409
    assert early.json()["errors"][0]["code"] == "period_not_over"
    assert early.json()["period_ends_on"] == "2026-03-31"

    monkeypatch.setattr(forecast_views, "today", lambda: date(2026, 4, 1))
    response = api.get(url)
    assert response.status_code == 200, response.content
    out = response.json()
    assert out["period_ends_on"] == "2026-03-31"
    # cust_a: forecast 135,000 renewal + 10,000 expansion; actual 100,000 renewed + 12,000 won
    assert out["customers"] == [
        {
            "customer_id": "cust_a",
            "actual_renewed_revenue": 100000,
            "actual_expansion_revenue": 12000,
            "forecast": 145000,
            "actual": 112000,
            "absolute_error": 33000,
            "percent": pytest.approx(33000 / 112000 * 100),
        },
        {
            "customer_id": "cust_b",
            "actual_renewed_revenue": 0,
            "actual_expansion_revenue": 0,
            "forecast": 20000,
            "actual": 0,
            "absolute_error": 20000,
            "percent": None,
        },
    ]
    assert out["total"] == {
        "forecast": 165000,
        "actual": 112000,
        "absolute_error": 53000,
        "percent": pytest.approx(53000 / 112000 * 100),
    }
    # ((0.9 - 1)^2 + (0.25 - 0)^2) / 2
    assert out["brier_score"] == pytest.approx(0.03625)
    assert (out["decided_contracts"], out["brier_reason"]) == (2, None)


def test_brier_is_null_with_a_reason_when_nothing_was_decided(
    api: APIClient, two: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    forecast = api.post(URL, HAND, format="json").json()
    monkeypatch.setattr(forecast_views, "today", lambda: date(2027, 1, 1))
    out = api.get(f"{URL}/{forecast['forecast_id']}/accuracy").json()
    assert (out["brier_score"], out["decided_contracts"]) == (None, 0)
    assert out["brier_reason"] == "no renewal decided in the period"
    assert out["total"]["actual"] == 0


def _pk(customer_id: str) -> int:
    return CustomerFactory._meta.model.objects.get(customer_id=customer_id).pk


def _accuracy_queries(api: APIClient, forecast_id: str) -> int:
    return _count(lambda: api.get(f"{URL}/{forecast_id}/accuracy"))


def _count(call: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = call()
    assert response.status_code in (200, 201), response.content
    return len(queries)


def test_query_counts_do_not_grow_with_customers(
    api: APIClient, db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(50):
        customer = CustomerFactory.create(customer_id=f"q{i}")
        ContractFactory.create(customer=customer)
    one = body([line("q0")], period="q1_2026")
    fifty = body([line(f"q{i}") for i in range(50)], period="q2_2026")
    post_one = _count(lambda: api.post(URL, one, format="json"))
    post_fifty = _count(lambda: api.post(URL, fifty, format="json"))
    assert post_one == post_fifty
    get_one = _count(lambda: api.get(URL, {"period": "q1_2026"}))
    get_fifty = _count(lambda: api.get(URL, {"period": "q2_2026"}))
    assert get_one == get_fifty
    monkeypatch.setattr(forecast_views, "today", lambda: date(2027, 1, 1))
    ids = [Forecast.objects.get(period=p).forecast_id for p in ("q1_2026", "q2_2026")]
    first, second = (_accuracy_queries(api, forecast_id) for forecast_id in ids)
    assert first == second


def test_the_last_representable_quarter_is_a_forecast_not_a_500(api: APIClient, two: None) -> None:
    # Quarters keep the date bound every date keeps (years 1900-2999).
    response = api.post(URL, {**HAND, "forecast_period": "q4_2999"}, format="json")
    assert response.status_code == 201, response.content
    early = api.get(f"{URL}/{response.json()['forecast_id']}/accuracy")
    assert (early.status_code, early.json()["period_ends_on"]) == (409, "2999-12-31")
    assert api.post(URL, {**HAND, "forecast_period": "q4_9999"}, format="json").status_code == 400


@pytest.mark.parametrize(
    ("text", "bounds"),
    [
        ("q1_2026", (date(2026, 1, 1), date(2026, 3, 31))),
        ("q2_2026", (date(2026, 4, 1), date(2026, 6, 30))),
        ("q3_2024", (date(2024, 7, 1), date(2024, 9, 30))),
        ("q4_2026", (date(2026, 10, 1), date(2026, 12, 31))),
        ("q4_9999", (date(9999, 10, 1), date(9999, 12, 31))),
    ],
)
def test_quarter_bounds(text: str, bounds: tuple[date, date]) -> None:
    assert quarter_bounds(text) == bounds


def test_the_admin_shows_a_forecast_read_only_with_lines_and_accuracy(
    api: APIClient, two: None, admin_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    forecast = Forecast.objects.get(
        forecast_id=api.post(URL, HAND, format="json").json()["forecast_id"]
    )
    url = f"/admin/finance/forecast/{forecast.pk}/change/"
    monkeypatch.setattr(finance_admin, "today", lambda: date(2026, 3, 1))
    page = admin_client.get(url).content.decode()
    assert "The period ends on 2026-03-31" in page
    assert "cust_a" in page  # the lines inline
    assert "cust_b" in page
    monkeypatch.setattr(finance_admin, "today", lambda: date(2026, 4, 1))
    page = admin_client.get(url).content.decode()
    assert "forecast 165000, actual 0, absolute error 165000" in page
    assert "Brier score n/a over 0 decided contract(s)" in page
    assert admin_client.get("/admin/finance/forecast/add/").status_code == 403


def _constant_model(version: int, log_odds: float) -> None:
    """An active version without terms: every customer gets sigmoid(intercept)."""
    RenewalModelVersion.objects.update(is_active=False)
    RenewalModelVersion.objects.create(
        version=version, kind="fitted", is_active=True, intercept=log_odds, terms=[]
    )


def test_model_disagreement_at_the_boundary(api: APIClient, db: None) -> None:
    _constant_model(2, 0.0)  # p = 0.5 for everyone
    submitted = {"b_low": 0.25, "b_high": 0.75, "in_low": 0.2501, "in_high": 0.7499, "same": 0.5}
    for customer_id in submitted:
        ContractFactory.create(customer=CustomerFactory.create(customer_id=customer_id))
    response = api.post(
        URL,
        body([line(c, renewal_probability=p) for c, p in submitted.items()]),
        format="json",
    )
    assert response.status_code == 201, response.content
    out = response.json()
    flags = {c["customer_id"]: c["disagreement"] for c in out["customer_forecasts"]}
    # |0.25 - 0.5| and |0.75 - 0.5| are exactly 0.25: flagged (compared as written, not as
    # binary floats, where 0.75 - 0.5 is exact but 0.95 - 0.7 is 0.2499...).
    assert flags == {
        "b_low": True,
        "b_high": True,
        "in_low": False,
        "in_high": False,
        "same": False,
    }
    assert out["disagreements"] == 2
    assert {c["model_renewal_probability"] for c in out["customer_forecasts"]} == {0.5}
    assert {c["model_version"] for c in out["customer_forecasts"]} == {2}


def test_0_95_against_0_7_is_a_disagreement(api: APIClient, db: None) -> None:
    _constant_model(2, math.log(0.7 / 0.3))  # p = 0.7
    ContractFactory.create(customer=CustomerFactory.create(customer_id="c1"))
    response = api.post(URL, body([line("c1", renewal_probability=0.95)]), format="json")
    (only,) = response.json()["customer_forecasts"]
    assert (only["model_renewal_probability"], only["disagreement"]) == (0.7, True)


def test_the_model_check_is_stored_with_the_version(api: APIClient, db: None) -> None:
    _constant_model(2, 0.0)
    ContractFactory.create(customer=CustomerFactory.create(customer_id="c1"))
    CustomerFactory.create(customer_id="c_none")  # no active contract: nothing to score
    response = api.post(URL, body([line("c1"), line("c_none")]), format="json")
    forecast_id = response.json()["forecast_id"]
    _constant_model(3, 3.0)  # a later model does not rewrite what was checked
    lines = {
        c["customer_id"]: c for c in api.get(f"{URL}/{forecast_id}").json()["customer_forecasts"]
    }
    assert (lines["c1"]["model_renewal_probability"], lines["c1"]["model_version"]) == (0.5, 2)
    assert lines["c1"]["disagreement"] is True  # |0.9 - 0.5| = 0.4
    assert lines["c_none"] == {
        **lines["c_none"],
        "model_renewal_probability": None,
        "model_version": 2,
        "model_reason": "no active contract at submission: the model had nothing to score",
        "disagreement": None,
    }
    assert api.get(f"{URL}/{forecast_id}").json()["disagreements"] == 1


def test_without_an_active_model_a_forecast_is_still_recorded(api: APIClient, two: None) -> None:
    RenewalModelVersion.objects.update(is_active=False)
    response = api.post(URL, HAND, format="json")
    assert response.status_code == 201, response.content
    for checked in response.json()["customer_forecasts"]:
        assert checked["model_renewal_probability"] is None
        assert checked["model_version"] is None
        assert checked["model_reason"] == "no renewal model version was active at submission"
    assert response.json()["disagreements"] == 0
