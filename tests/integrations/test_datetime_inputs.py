"""Every date-time the API reads is RFC 3339 with an offset, parsed by one function
(integrations.validation.parse_datetime_text): JSON fields, bulk items, query filters.
Found by the attack pass (issue 14): NUL inside a date-time was accepted (`...36\\u0000Z`
stored as `...36Z`), and a date alone, a time without offset and an ISO week were read as
guesses."""

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from customers.models import Customer
from integrations.api.filters_base import InRangeIsoDateTimeField
from integrations.validation import DateTimeTextError, parse_datetime_text
from tests.customers.factories import CustomerFactory
from tests.support.errors import assert_error
from webhooks.api.views import ReplayQuerySerializer

NUL_FORMS = ["2026-12-04T18:31:36\u0000Z", "2026-12-04T18:31:36Z\u0000", "\u00002026-12-04T18:31Z"]
CONTROL_FORMS = [*NUL_FORMS, "2026-12-04T18:31:36Z\n", "2026-12-04T18:31:36\tZ", "2026-12-04\x7f"]
WRONG_FORMS = [
    "2026-12-04",  # a date alone (was read as midnight UTC)
    "2026-12-04T10:00:00",  # no offset (was assumed UTC)
    "2026-W49-5T10:00:00Z",  # an ISO week (was accepted)
    "2026-12-04 10:00:00Z",  # a space for T
    "2026-12-04t10:00:00z",
    "20261204T100000Z",  # ISO basic format
    "2026-12-04T10Z",  # hours only
    "2026-12-04T10:00:00.1234567Z",  # more than microseconds
    "2026-12-04T10:00:00+0100",  # offset without colon
    "2026-12-04T10:00:00+01",
    "2026-12-04T10:00:00+24:00",  # offset out of range
    "2026-02-30T10:00:00Z",  # no such day
    "2026-12-04T24:00:00Z",
    "2026-12-04T23:59:60Z",  # a leap second cannot be stored
    " 2026-12-04T10:00:00Z",
    "",
    "١٢٣٤-12-04T10:00:00Z",  # non-ASCII digits
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-04T18:31:36Z", datetime(2026, 12, 4, 18, 31, 36, tzinfo=UTC)),
        ("2026-12-04T18:31Z", datetime(2026, 12, 4, 18, 31, tzinfo=UTC)),
        # 18:31:36.5 at -01:00 is 19:31:36.5 UTC
        ("2026-12-04T18:31:36.5-01:00", datetime(2026, 12, 4, 19, 31, 36, 500000, tzinfo=UTC)),
        # 00:15 at +05:30 is 18:45 UTC the day before
        ("2026-12-05T00:15:00+05:30", datetime(2026, 12, 4, 18, 45, tzinfo=UTC)),
        ("2026-12-04T18:31:36.000001+00:00", datetime(2026, 12, 4, 18, 31, 36, 1, tzinfo=UTC)),
    ],
)
def test_the_accepted_forms_are_read_in_utc(text: str, expected: datetime) -> None:
    parsed = parse_datetime_text(text)
    assert parsed == expected
    assert parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize("text", CONTROL_FORMS)
def test_control_characters_are_invalid_characters(text: str) -> None:
    with pytest.raises(DateTimeTextError) as caught:
        parse_datetime_text(text)
    assert caught.value.code == "invalid_characters"


@pytest.mark.parametrize("text", WRONG_FORMS)
def test_other_forms_are_invalid_naming_the_format(text: str) -> None:
    with pytest.raises(DateTimeTextError) as caught:
        parse_datetime_text(text)
    assert caught.value.code == "invalid"
    assert "YYYY-MM-DDTHH:MM[:SS[.ffffff]]" in caught.value.detail


@pytest.mark.parametrize("value", [20261204, None, True, ["2026-12-04T10:00Z"], {"at": 1}])
def test_a_non_string_is_invalid(value: Any) -> None:
    with pytest.raises(DateTimeTextError) as caught:
        parse_datetime_text(value)
    assert caught.value.code == "invalid"


def test_the_date_bound_applies_after_the_offset() -> None:
    # 1900-01-01T00:30+01:00 is 1899-12-31T23:30Z: before the bound.
    with pytest.raises(DateTimeTextError, match="between 1900-01-01 and 2999-12-31"):
        parse_datetime_text("1900-01-01T00:30+01:00")
    assert parse_datetime_text("1900-01-01T00:30-01:00") == datetime(1900, 1, 1, 1, 30, tzinfo=UTC)
    with pytest.raises(DateTimeTextError):
        parse_datetime_text("9999-12-31T23:59:59-23:59")  # overflows once in UTC


# --- the API: JSON fields -----------------------------------------------------------------


@pytest.fixture
def onboarding(db: None) -> Customer:
    return CustomerFactory.create(customer_id="cust_10003", lifecycle_stage="onboarding")


@pytest.mark.parametrize("text", NUL_FORMS)
def test_a_journey_move_refuses_nul_in_occurred_at(
    api: Any, onboarding: Customer, text: str
) -> None:
    response = api.post(
        "/api/v1/cs-marketing/journey/cust_10003",
        {"stage": "adoption", "occurred_at": text},
        format="json",
    )
    assert_error(response, 400, "invalid_characters", "occurred_at")
    onboarding.refresh_from_db()
    assert onboarding.lifecycle_stage == "onboarding"


@pytest.mark.parametrize("text", ["2026-12-04", "2026-12-04T10:00:00", "2026-W49-5T10:00:00Z"])
def test_a_journey_move_refuses_guessable_forms(api: Any, onboarding: Customer, text: str) -> None:
    response = api.post(
        "/api/v1/cs-marketing/journey/cust_10003",
        {"stage": "adoption", "occurred_at": text},
        format="json",
    )
    error = assert_error(response, 400, "invalid", "occurred_at")
    assert "RFC 3339" in error["detail"]


def test_a_journey_move_with_an_offset_is_stored_in_utc(api: Any, onboarding: Customer) -> None:
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    text = at.astimezone(timezone(timedelta(hours=-3))).isoformat()  # ...-03:00
    response = api.post(
        "/api/v1/cs-marketing/journey/cust_10003",
        {"stage": "adoption", "occurred_at": text},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["changed_at"] == at.isoformat().replace("+00:00", "Z")


@pytest.mark.parametrize("text", [*NUL_FORMS, "2026-12-04", "2026-12-04T10:00:00"])
def test_a_customer_patch_refuses_a_bad_churned_at(
    api: Any, onboarding: Customer, text: str
) -> None:
    response = api.patch("/api/v1/customers/cust_10003", {"churned_at": text}, format="json")
    code = "invalid_characters" if "\u0000" in text else "invalid"
    assert_error(response, 400, code, "churned_at")
    onboarding.refresh_from_db()
    assert onboarding.churned_at is None


# --- bulk items and query parameters ------------------------------------------------------


def test_a_bulk_item_reads_date_times_the_same_way(api: Any, onboarding: Customer) -> None:
    items = [
        {"customer_id": "cust_10003", "churned_at": NUL_FORMS[0]},
        {"customer_id": "cust_10004", "name": "N", "segment": "smb", "churned_at": "2026-12-04"},
    ]
    response = api.post("/api/v1/customers/bulk", items, format="json")
    assert response.status_code == 400, response.content
    codes = {(e["index"], e["field"], e["code"]) for e in response.json()["errors"]}
    assert (0, "churned_at", "invalid_characters") in codes
    assert (1, "churned_at", "invalid") in codes


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("updated_after=2026-12-04T10:00:00Z", 200),
        ("updated_after=2026-12-04T10:00:00%2B01:00", 200),
        ("updated_after=2026-12-04T10:00:00", 400),  # no offset
        ("updated_after=2026-12-04", 400),
        ("updated_after=2026-12-04T10:00:00+01:00", 400),  # `+` unencoded reads as a space
        ("updated_after=2026-W49-5T10:00:00Z", 400),
    ],
)
def test_query_date_time_filters_follow_the_rule(
    api: Any, db: None, query: str, status: int
) -> None:
    response = api.get(f"/api/v1/customers?{query}")
    assert response.status_code == status, response.content
    if status == 400:
        assert "RFC 3339" in response.json()["errors"][0]["detail"]


def test_the_filter_field_and_the_replay_parameter_share_the_rule() -> None:
    field = InRangeIsoDateTimeField()
    assert field.clean("2026-12-04T10:00+01:00") == datetime(2026, 12, 4, 9, tzinfo=UTC)
    for text in ["2026-12-04T10:00", "2026-12-04T10:00Z\u0000"]:
        with pytest.raises(Exception, match=r"RFC 3339|control characters"):
            field.clean(text)
    bad = ReplayQuerySerializer(data={"since": "2026-12-04T10:00:00"})
    assert not bad.is_valid()
    assert bad.errors["since"][0].code == "invalid"
    good = ReplayQuerySerializer(data={"since": "2026-12-04T10:00:00Z"})
    assert good.is_valid(), good.errors
