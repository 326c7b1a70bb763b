"""Bad campaign requests are 400 in the documented shape with the field's path, and create
nothing (README "Marketing: campaigns")."""

import copy
from typing import Any

import pytest

from integrations.models import Event
from marketing.models import Campaign, CampaignMember
from tests.conftest import MakeClient
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
    out = copy.deepcopy(BODY)
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        node = out
        for parent in parents:
            node = node[parent]
        if value is ...:
            node.pop(leaf, None)
        else:
            node[leaf] = value
    return out


INVALID = [
    (body(target_audience__customer_segments=[]), "target_audience.customer_segments", "empty"),
    (
        body(target_audience__customer_segments=["enterprise", "enterprise"]),
        "target_audience.customer_segments",
        "duplicate",
    ),
    (
        body(target_audience__customer_segments="enterprise"),
        "target_audience.customer_segments",
        "not_a_list",
    ),
    (
        body(target_audience__customer_segments=[7]),
        "target_audience.customer_segments",
        "invalid",
    ),
    (
        body(target_audience__customer_segments=["ent\x00erprise"]),
        "target_audience.customer_segments",
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
    (body(holdout_fraction=10**30), "holdout_fraction", "max_digits"),
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
