from datetime import UTC, datetime
from typing import Any

import pytest
from rest_framework.test import APIClient

from customers.models import Customer, LifecycleChange
from integrations.models import Event
from tests.customers.factories import CustomerFactory, TeamMemberFactory

URL = "/api/v1/customers"


def codes(response: Any) -> list[tuple[str | None, str]]:
    return [(e["attr"], e["code"]) for e in response.json()["errors"]]


def test_create_and_retrieve_with_and_without_slash(api: APIClient) -> None:
    TeamMemberFactory(email="sarah.smith@company.com")
    body = {
        "customer_id": "cust_12345",
        "name": "Acme",
        "segment": "enterprise",
        "licensed_seats": 250,
        "success_manager": "Sarah.Smith@company.com",
    }
    response = api.post(URL, body, format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["success_manager"] == "sarah.smith@company.com"
    assert created["lifecycle_stage"] == "onboarding"
    assert created["status"] == "active"
    assert set(created) == {
        "customer_id",
        "name",
        "segment",
        "licensed_seats",
        "status",
        "churned_at",
        "lifecycle_stage",
        "success_manager",
        "health_score",
        "health_grade",
        "health_change_30d",
        "arr",
        "created_at",
        "updated_at",
    }
    assert (created["health_score"], created["arr"]) == (None, None)
    assert api.get(f"{URL}/cust_12345").json() == created
    assert api.get(f"{URL}/cust_12345/").json() == created
    history = LifecycleChange.objects.get()
    assert (history.from_stage, history.to_stage, history.source) == ("", "onboarding", "api")
    assert Event.objects.get().type == "customer.created"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"name": "A", "segment": "enterprise"}, ("customer_id", "required")),
        (
            {"customer_id": "has space", "name": "A", "segment": "enterprise"},
            ("customer_id", "invalid"),
        ),
        (
            {"customer_id": "x" * 65, "name": "A", "segment": "enterprise"},
            ("customer_id", "max_length"),
        ),
        (
            {"customer_id": "bulk", "name": "A", "segment": "enterprise"},
            ("customer_id", "reserved"),
        ),
        ({"customer_id": "c1", "name": "A", "segment": "galactic"}, ("segment", "invalid_choice")),
        (
            {"customer_id": "c1", "name": "A", "segment": "enterprise", "licensed_seats": "many"},
            ("licensed_seats", "invalid"),
        ),
        (
            {"customer_id": "c1", "name": "A", "segment": "enterprise", "licensed_seats": -1},
            ("licensed_seats", "min_value"),
        ),
        (
            {"customer_id": "c1", "name": "A", "segment": "enterprise", "colour": "red"},
            ("colour", "unknown_field"),
        ),
        (
            {
                "customer_id": "c1",
                "name": "A",
                "segment": "enterprise",
                "success_manager": "ghost@company.com",
            },
            ("success_manager", "unknown_team_member"),
        ),
        (
            {
                "customer_id": "c1",
                "name": "A",
                "segment": "enterprise",
                "churned_at": "2026-01-01T00:00:00Z",
            },
            ("churned_at", "invalid"),
        ),
        ({"customer_id": 12, "name": "A", "segment": "enterprise"}, ("customer_id", "invalid")),
    ],
)
def test_create_rejects_bad_input_and_writes_nothing(
    api: APIClient, body: Any, expected: Any
) -> None:
    response = api.post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert expected in codes(response)
    assert not Customer.objects.exists()
    assert not Event.objects.exists()


def test_malformed_json_and_wrong_body_type_are_400(api: APIClient) -> None:
    response = api.post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert codes(response) == [(None, "parse_error")]
    response = api.post(URL, [1, 2], format="json")
    assert response.status_code == 400
    response = api.post(URL, "a=b", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415


def test_duplicate_create_is_409(api: APIClient) -> None:
    CustomerFactory(customer_id="c1")
    response = api.post(
        URL, {"customer_id": "c1", "name": "A", "segment": "enterprise"}, format="json"
    )
    assert response.status_code == 409
    assert codes(response) == [(None, "customer_exists")]


def test_unknown_customer_is_404(api: APIClient) -> None:
    response = api.get(f"{URL}/nobody")
    assert response.status_code == 404
    assert codes(response) == [(None, "customer_not_found")]
    assert api.patch(f"{URL}/nobody", {"name": "x"}, format="json").status_code == 404


def test_patch_updates_fields_and_records_stage_history(api: APIClient) -> None:
    CustomerFactory(customer_id="c1", lifecycle_stage="onboarding")
    response = api.patch(
        f"{URL}/c1", {"lifecycle_stage": "adoption", "licensed_seats": 80}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["lifecycle_stage"] == "adoption"
    assert response.json()["licensed_seats"] == 80
    change = LifecycleChange.objects.get()
    assert (change.from_stage, change.to_stage, change.source) == ("onboarding", "adoption", "api")
    assert Event.objects.get().type == "customer.lifecycle_changed"


def test_patch_illegal_stage_transition_is_409_with_allowed_stages(api: APIClient) -> None:
    CustomerFactory(customer_id="c1", lifecycle_stage="onboarding")
    response = api.patch(
        f"{URL}/c1", {"lifecycle_stage": "advocacy", "name": "Renamed"}, format="json"
    )
    assert response.status_code == 409
    error = response.json()["errors"][0]
    assert error["code"] == "illegal_stage_transition"
    assert "adoption, at_risk, churned" in error["detail"]
    customer = Customer.objects.get()
    assert customer.lifecycle_stage == "onboarding"
    assert customer.name != "Renamed"  # the whole PATCH was refused
    assert not LifecycleChange.objects.exists()


def test_churning_sets_churned_at_and_stage(api: APIClient) -> None:
    CustomerFactory(customer_id="c1", lifecycle_stage="renewal")
    response = api.patch(f"{URL}/c1", {"status": "churned"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["lifecycle_stage"] == "churned"
    assert body["churned_at"] is not None
    assert LifecycleChange.objects.get().to_stage == "churned"


def test_patch_cannot_change_customer_id(api: APIClient) -> None:
    CustomerFactory(customer_id="c1")
    response = api.patch(f"{URL}/c1", {"customer_id": "c2"}, format="json")
    assert response.status_code == 400
    assert ("customer_id", "unknown_field") in codes(response)


def test_list_filters_and_search(api: APIClient) -> None:
    csm = TeamMemberFactory(email="a@company.com")
    CustomerFactory(customer_id="e1", name="Alpha Corp", segment="enterprise", success_manager=csm)
    CustomerFactory(
        customer_id="m1", name="Beta Ltd", segment="mid_market", lifecycle_stage="adoption"
    )
    CustomerFactory(
        customer_id="s1",
        name="Gamma alpha",
        segment="small_business",
        status="churned",
        lifecycle_stage="churned",
        churned_at=datetime(2026, 1, 1, tzinfo=UTC),
    )

    def ids(**params: str) -> list[str]:
        response = api.get(URL, params)
        assert response.status_code == 200, response.json()
        return [c["customer_id"] for c in response.json()["results"]]

    assert ids() == ["e1", "m1", "s1"]
    assert ids(segment="enterprise") == ["e1"]
    assert ids(status="churned") == ["s1"]
    assert ids(lifecycle_stage="adoption") == ["m1"]
    assert ids(success_manager="A@company.com") == ["e1"]
    assert ids(search="ALPHA") == ["e1", "s1"]
    assert ids(search="m1") == ["m1"]
    assert api.get(URL, {"segment": "galactic"}).status_code == 400


def test_list_paginates_with_cursor_and_bounded_queries(
    api: APIClient, django_assert_max_num_queries: Any
) -> None:
    csm = TeamMemberFactory()
    CustomerFactory.create_batch(25, success_manager=csm)
    with django_assert_max_num_queries(3):
        first = api.get(URL, {"page_size": 10}).json()
    assert len(first["results"]) == 10
    seen = [c["customer_id"] for c in first["results"]]
    page = first
    while page["next"]:
        page = api.get(page["next"]).json()
        seen += [c["customer_id"] for c in page["results"]]
    assert seen == sorted(seen)
    assert len(set(seen)) == 25
    CustomerFactory.create_batch(50, success_manager=csm)
    with django_assert_max_num_queries(3):
        assert len(api.get(URL, {"page_size": 500}).json()["results"]) == 75


def test_body_over_the_limit_is_413_and_writes_nothing(api: APIClient, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = {"customer_id": "c1", "name": "x" * 2000, "segment": "enterprise"}
    response = api.post(URL, body, format="json")
    assert response.status_code == 413
    assert codes(response) == [(None, "payload_too_large")]
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("0001-01-01T00:00:00+14:00", 400),
        ("9999-12-31T23:59:59-10:00", 400),
        ("1312-04-18T21:38:45-21:07", 400),  # before the date bound (1900-2999)
        ("2012-04-18T21:38:45-21:07", 200),
    ],
)
def test_out_of_range_datetime_filters_are_400_not_500(
    api: APIClient, value: str, status: int
) -> None:
    for url in (URL, "/api/v1/events"):
        param = "updated_after" if url == URL else "created_after"
        response = api.get(url, {param: value})
        assert response.status_code == status, url  # an odd offset is converted to UTC
