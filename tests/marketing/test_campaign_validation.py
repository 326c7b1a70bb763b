"""Bad campaign requests are 400 in the documented shape with the field's path, and create
nothing (README "Marketing: campaigns")."""

from typing import Any

import pytest

from integrations.models import Event
from marketing.models import Campaign, CampaignMember
from tests.conftest import MakeClient
from tests.support.bodies import edited
from tests.support.errors import assert_error

from .campaign_support import URL

pytestmark = pytest.mark.django_db

BODY: dict[str, Any] = {
    "trigger_type": "health_decline",
    "campaign_type": "retention",
    "target_audience": {"customer_segments": ["enterprise"]},
}


def body(**changes: Any) -> dict[str, Any]:
    """BODY with `changes`; "a__b" reaches into target_audience, `...` removes the key."""
    return edited(BODY, changes)


INVALID = [
    (body(target_audience__customer_segments=[]), "target_audience.customer_segments", "empty"),
    (
        body(target_audience__customer_segments=["enterprise", "enterprise"]),
        "target_audience.customer_segments.1",
        "duplicate",
    ),
    (
        body(target_audience__customer_segments="enterprise"),
        "target_audience.customer_segments",
        "not_a_list",
    ),
    (
        body(target_audience__customer_segments=[7]),
        "target_audience.customer_segments.0",
        "invalid",
    ),
    (
        body(target_audience__customer_segments=["ent\x00erprise"]),
        "target_audience.customer_segments.0",
        "invalid_characters",
    ),
    (body(target_audience__match="some"), "target_audience.match", "invalid_choice"),
    (body(target_audience__match=1), "target_audience.match", "invalid"),
    (body(target_audience__size=5), "target_audience.size", "unknown_field"),
    (body(target_audience=["enterprise"]), "target_audience.non_field_errors", "invalid"),
    (body(target_audience=...), "target_audience", "required"),
    (body(trigger_type="whenever"), "trigger_type", "invalid_choice"),
    (body(trigger_type=...), "trigger_type", "required"),
    (body(campaign_type="spam"), "campaign_type", "invalid_choice"),
    (body(campaign_type="retention\x00"), "campaign_type", "invalid_characters"),
    (body(holdout_fraction=0.51), "holdout_fraction", "max_value"),
    (body(holdout_fraction=-0.1), "holdout_fraction", "min_value"),
    (body(holdout_fraction=0.1234), "holdout_fraction", "max_decimal_places"),
    (body(holdout_fraction="0.1"), "holdout_fraction", "invalid"),
    (body(holdout_fraction=True), "holdout_fraction", "invalid"),
    (body(holdout_fraction=10**30), "holdout_fraction", "max_value"),  # range before digits
    (body(holdout_fraction=1e308), "holdout_fraction", "max_value"),
    (body(holdout_fraction=-1e308), "holdout_fraction", "min_value"),
    (body(holdout_fraction=0.0001), "holdout_fraction", "max_decimal_places"),
    (body(measurement_window_days=6), "measurement_window_days", "min_value"),
    (body(measurement_window_days=366), "measurement_window_days", "max_value"),
    (body(measurement_window_days=90.5), "measurement_window_days", "invalid"),
    (body(measurement_window_days="90"), "measurement_window_days", "invalid"),
    (body(measurement_window_days=10**30), "measurement_window_days", "max_value"),
    (body(name="a\x00b"), "name", "invalid_characters"),
    (body(name="x" * 201), "name", "max_length"),
    (body(external_campaign_id="mkt 1"), "external_campaign_id", "invalid"),
    (body(size=1250), "size", "unknown_field"),
    (body(campaign_id="camp_1"), "campaign_id", "unknown_field"),
]


@pytest.mark.parametrize(("payload", "attr", "code"), INVALID)
def test_invalid_requests_are_400_and_create_nothing(
    api: Any, payload: dict[str, Any], attr: str, code: str
) -> None:
    assert_error(api.post(URL, payload, format="json"), 400, code, attr)
    assert not Campaign.objects.exists()
    assert not CampaignMember.objects.exists()
    assert not Event.objects.filter(type="campaign.created").exists()


def test_an_unknown_segment_lists_the_known_ones(api: Any) -> None:
    payload = body(target_audience__customer_segments=["enterprise", "galaxy_brain"])
    error = assert_error(
        api.post(URL, payload, format="json"),
        400,
        "unknown_segment",
        "target_audience.customer_segments.1",
    )
    assert "'galaxy_brain'" in error["detail"]
    for known in ("enterprise", "mid_market", "small_business"):
        assert known in error["detail"]
    assert not Campaign.objects.exists()


def test_malformed_json_is_400(api: Any) -> None:
    response = api.post(URL, '{"trigger_type": ', content_type="application/json")
    assert_error(response, 400, "parse_error")
    response = api.post(URL, "[]", content_type="application/json")
    assert response.status_code == 400


def test_bounds_themselves_are_accepted(make_client: MakeClient) -> None:
    client = make_client("marketing:write")
    for fraction, days in ((0, 7), (0.5, 365)):
        payload = body(holdout_fraction=fraction, measurement_window_days=days)
        assert client.post(URL, payload, format="json").status_code == 201


# --- issue 14: every error in one 400, at its index; clean number messages ----------------


def _pairs(response: Any) -> list[tuple[str, str]]:
    assert response.status_code == 400, response.content
    return [(e["attr"], e["code"]) for e in response.json()["errors"]]


def test_every_unknown_segment_is_reported_at_its_index(api: Any) -> None:
    payload = body(target_audience__customer_segments=["critical", "nope", "nope2"])
    response = api.post(URL, payload, format="json")
    assert _pairs(response) == [
        ("target_audience.customer_segments.1", "unknown_segment"),
        ("target_audience.customer_segments.2", "unknown_segment"),
    ]
    errors = response.json()["errors"]
    assert errors[0]["detail"].startswith("Unknown segment(s): 'nope'. Known segments: ")
    assert "'nope2'" in errors[1]["detail"]
    assert set(response.json()) == {"type", "errors"}  # the documented shape, nothing else


def test_segment_and_field_errors_come_in_one_response(api: Any) -> None:
    payload = body(target_audience__customer_segments=["nope"], holdout_fraction=0.9)
    assert sorted(_pairs(api.post(URL, payload, format="json"))) == [
        ("holdout_fraction", "max_value"),
        ("target_audience.customer_segments.0", "unknown_segment"),
    ]


def test_item_errors_carry_their_index(api: Any) -> None:
    segments = ["enterprise", 7, "x" * 65, "nope", "enterprise", None]
    response = api.post(URL, body(target_audience__customer_segments=segments), format="json")
    pairs = _pairs(response)
    assert ("target_audience.customer_segments.1", "invalid") in pairs
    assert ("target_audience.customer_segments.5", "invalid") in pairs
    assert all(attr.startswith("target_audience.customer_segments.") for attr, _ in pairs)


def test_a_huge_integer_is_a_clean_parse_error(api: Any) -> None:
    raw = '{"measurement_window_days": ' + "9" * 5000 + "}"
    error = assert_error(api.post(URL, raw, content_type="application/json"), 400, "parse_error")
    assert "Number too large" in error["detail"]
    assert "sys." not in error["detail"]
    assert "set_int_max_str_digits" not in error["detail"]
    # every endpoint parses with the same parser
    response = api.post("/api/v1/customers", raw, content_type="application/json")
    assert "Number too large" in assert_error(response, 400, "parse_error")["detail"]


def test_a_huge_holdout_fraction_is_out_of_range_not_too_many_digits(api: Any) -> None:
    error = assert_error(
        api.post(URL, body(holdout_fraction=1e308), format="json"),
        400,
        "max_value",
        "holdout_fraction",
    )
    assert "0.5" in error["detail"]
