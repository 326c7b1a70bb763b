"""Hostile input is a 4xx in the error shape, never a 500 (issue 9, section 3).

Endpoints are read from the published schema, so a new endpoint is covered without editing
this file. Every test runs on SQLite and, with DATABASE_URL set, on PostgreSQL (which
refuses NUL in text: most of the 500s were seen there).
"""

import base64
import importlib
import json
import re
from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers
from rest_framework.test import APIClient

from customers.models import Customer, customer_id_validator
from finance.models import record_id_validator, term_validator
from integrations.api.query_params import documented_query_params
from integrations.api.serializers_base import StrictSerializer
from integrations.bulk import BulkSchema, BulkValidationError
from integrations.idempotency import request_fingerprint
from product.models import feature_id_validator
from tests.conftest import KeyedAPIClient
from tests.customers.factories import CustomerFactory
from tests.marketing.campaign_support import campaign_named
from tests.product.factories import FeatureFactory
from tests.webhooks.factories import endpoint_for

pytestmark = pytest.mark.django_db

OPERATIONS = sorted(documented_query_params())
GETS = [path for path, method in OPERATIONS if method == "GET"]
LISTS = [path for path in GETS if "cursor" in documented_query_params()[(path, "GET")]]
WITH_PATH_PARAMS = [(p, m) for p, m in OPERATIONS if "{" in p]
POSTS_WITHOUT_PARAMS = [p for p, m in OPERATIONS if m == "POST" and "{" not in p]
# POSTs addressed by a path id that take a JSON body (filled with "c1" like the others).
BODY_POSTS_WITH_PARAMS = [
    "/api/v1/cs-sales/handoff/{customer_id}",
    "/api/v1/cs-marketing/journey/{customer_id}",
]
# Lists ordered by a date: a crafted position reached the database as a bad date (a 500).
DATE_ORDERED = {
    "/api/v1/events",
    "/api/v1/cs-product/usage",
    "/api/v1/cs-product/feedback",
    "/api/v1/cs-ops/tickets",
    "/api/v1/cs-ops/surveys",
    "/api/v1/cs-ops/tasks",
    "/api/v1/cs-ops/workflows/runs",
    "/api/v1/cs-ops/alerts",
    "/api/v1/cs-ops/escalations",
    "/api/v1/webhooks/endpoints",
    "/api/v1/webhooks/endpoints/{endpoint_id}/deliveries",
}


def url(path: str, value: str = "c1") -> str:
    return re.sub(r"\{[^}]+\}", value, path)


def codes(response: Any) -> list[str]:
    return [e["code"] for e in response.json()["errors"]]


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.fixture
def c1(db: None, api: KeyedAPIClient) -> Customer:
    """Every `{param}` in a path is filled with "c1": a customer, a feature, a webhook
    endpoint (owned by `api`'s key) and a marketing campaign exist by it."""
    CustomerFactory(customer_id="c1")
    FeatureFactory(feature_id="c1")
    endpoint_for(api, "c1")
    campaign_named("c1")  # a campaign (with that customer as its member)
    return Customer.objects.get(customer_id="c1")


def test_the_endpoint_lists_are_derived_and_complete() -> None:
    assert set(LISTS) >= DATE_ORDERED
    assert "/api/v1/customers/{customer_id}" in {p for p, _ in WITH_PATH_PARAMS}
    assert "/api/v1/customers/bulk" in POSTS_WITHOUT_PARAMS


# NUL in a path id, a cursor, a query string, a header, an admin search ---------------------


@pytest.mark.parametrize(("path", "method"), WITH_PATH_PARAMS)
def test_nul_in_a_path_id_is_404(api: APIClient, c1: Customer, path: str, method: str) -> None:
    response = api.generic(method, url(path, "c%001"), "{}", content_type="application/json")
    assert response.status_code == 404
    assert response.json()["type"] == "client_error"


@pytest.mark.parametrize("path", GETS)
def test_nul_in_a_query_parameter_is_400(api: APIClient, c1: Customer, path: str) -> None:
    for query in ("cursor=%00", "customer_id=a%00b", "q=%00"):
        response = api.get(f"{url(path)}?{query}")
        assert response.status_code == 400, (path, query)
        assert codes(response) == ["invalid_characters"]


def test_nul_in_a_header_is_400(api: APIClient) -> None:
    response = api.post("/api/v1/customers", {}, format="json", HTTP_IDEMPOTENCY_KEY="k\x00")
    assert response.status_code == 400
    response = api.get("/api/v1/customers", HTTP_X_TRACE="a\x00")
    assert response.status_code == 400


def _changelists() -> list[str]:
    return [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in admin.site._registry
    ]


def test_nul_in_an_admin_search_or_filter_is_400_not_500(admin_client: Client) -> None:
    CustomerFactory(customer_id="c1")
    lists = _changelists()
    assert reverse("admin:customers_customer_changelist") in lists
    for changelist in lists:
        for query in ("q=%00", "segment=%00", "status__exact=a%00"):
            response = admin_client.get(f"{changelist}?{query}")
            assert response.status_code == 400, (changelist, query)


# NUL and lone surrogates in text --------------------------------------------------------


def _bulk_schemas() -> list[tuple[str, BulkSchema]]:
    found = []
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.bulk_schema")
        except ModuleNotFoundError:
            continue
        found += [
            (f"{config.name}.{n}", v) for n, v in vars(module).items() if isinstance(v, BulkSchema)
        ]
    return found


BULK_SCHEMAS = _bulk_schemas()
TEXT_KINDS = {"str", "key", "email", "str_list"}


@pytest.mark.parametrize(("name", "schema"), BULK_SCHEMAS, ids=[n for n, _ in BULK_SCHEMAS])
@pytest.mark.parametrize("bad", ["a\x00b", "a\ud800b"], ids=["nul", "surrogate"])
def test_every_bulk_text_field_refuses_nul_and_lone_surrogates(
    name: str, schema: BulkSchema, bad: str
) -> None:
    text_specs = [s for s in schema.specs if s.kind in TEXT_KINDS]
    assert text_specs
    for spec in text_specs:
        value: Any = [bad] if spec.kind == "str_list" else bad
        with pytest.raises(BulkValidationError) as caught:
            schema.validate([{spec.name: value}])
        mine = [e for e in caught.value.item_errors if e["field"] == spec.name]
        assert [e["code"] for e in mine] == ["invalid_characters"], (name, spec.name)


def test_bulk_and_single_writes_answer_invalid_characters_over_http(
    api: APIClient, c1: Customer
) -> None:
    for bad in ("a\x00b", "a\ud800b"):  # json.dumps escapes them as clients do
        item = json.dumps({"customer_id": "c9", "name": bad, "segment": "enterprise"})
        response = api.post("/api/v1/customers/bulk", f"[{item}]", content_type="application/json")
        assert response.status_code == 400
        assert [(e["index"], e["field"], e["code"]) for e in response.json()["errors"]] == [
            (0, "name", "invalid_characters")
        ]
        response = api.post("/api/v1/customers", item, content_type="application/json")
        assert response.status_code == 400
        assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [
            ("name", "invalid_characters")
        ]
        body = json.dumps({"email": "a@b.co", "name": "N", "skills": [bad]})
        response = api.post("/api/v1/team-members", body, content_type="application/json")
        assert response.status_code == 400
        assert codes(response) == ["invalid_characters"]
    assert not Customer.objects.filter(customer_id="c9").exists()


# Cursors and page sizes -----------------------------------------------------------------

# Not a cursor we issued, whatever the list is ordered by.
ODD_CURSORS = [b64("p=a\x00b"), "not base64 at all!", "%%%", "A" * 5000, b64("r=x"), "w6k="]
# A position that is no date: valid text for a list ordered by an id, invalid for a date.
DATE_POSITIONS = [b64("p=garbage"), b64("p=9999-99-99T99:99:99"), b64("o=1&p=10000-01-01")]


@pytest.mark.parametrize("path", LISTS)
def test_a_crafted_cursor_is_400_invalid_cursor(api: APIClient, c1: Customer, path: str) -> None:
    for cursor in ODD_CURSORS:
        response = api.get(url(path), {"cursor": cursor})
        assert response.status_code == 400, (path, cursor[:40])
        assert codes(response) == ["invalid_cursor"]
        assert response.json()["errors"][0]["attr"] == "cursor"
    for cursor in DATE_POSITIONS:
        response = api.get(url(path), {"cursor": cursor})
        if path in DATE_ORDERED:
            assert response.status_code == 400, (path, cursor)
        assert response.status_code in (200, 400), (path, cursor)  # never a 500
        if response.status_code == 400:
            assert codes(response) == ["invalid_cursor"]


@pytest.mark.parametrize("path", LISTS)
def test_a_page_size_out_of_range_is_400(api: APIClient, c1: Customer, path: str) -> None:
    for size in ("0", "-1", "501", "abc", "1_0", " 10", "\u0661\u0660"):
        response = api.get(url(path), {"page_size": size})
        assert response.status_code == 400, (path, size)
        assert codes(response) == ["invalid_page_size"]
    assert api.get(url(path), {"page_size": "500"}).status_code == 200
    assert api.get(url(path), {"page_size": ""}).status_code == 200  # empty: the default


# Unknown query parameters ---------------------------------------------------------------


@pytest.mark.parametrize("path", GETS)
def test_an_unknown_query_parameter_is_400(api: APIClient, c1: Customer, path: str) -> None:
    response = api.get(url(path), {"segmnet": "enterprise"})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert (error["code"], error["attr"]) == ("unknown_parameter", "segmnet")
    for allowed in documented_query_params()[(path, "GET")]:
        assert allowed in error["detail"]


def test_documented_parameters_are_still_accepted(api: APIClient, c1: Customer) -> None:
    assert api.get("/api/v1/customers", {"segment": "enterprise"}).status_code == 200
    assert api.get("/api/v1/cs-product/feedback/summary", {"customer_id": "c1"}).status_code == 200
    assert api.get("/api/v1/customers/c1/health", {"weeks": "4"}).status_code == 200


# Bodies: nesting, numbers, lengths ------------------------------------------------------

DEEP = "[" * 1000 + "]" * 1000
DEEP_OBJECT = '{"a":' * 1000 + "1" + "}" * 1000


@pytest.mark.parametrize("path", [*POSTS_WITHOUT_PARAMS, *map(url, BODY_POSTS_WITH_PARAMS)])
def test_json_nested_1000_deep_is_400(api: APIClient, path: str) -> None:
    for body in (DEEP, DEEP_OBJECT, "[" * 40 + "]" * 40):
        for key in (None, f"deep-{len(body)}"):
            headers: dict[str, Any] = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
            response = api.generic("POST", path, body, content_type="application/json", **headers)
            assert response.status_code == 400, (path, body[:5], key)
            assert codes(response) == ["parse_error"]


def test_the_idempotency_fingerprint_survives_a_deep_body() -> None:
    assert request_fingerprint("POST", "/x", DEEP.encode()) != request_fingerprint(
        "POST", "/x", b"[]"
    )


@pytest.mark.parametrize("number", ["1e1000000", "-1e1000000", "NaN", "Infinity", "1" * 5000])
def test_numbers_json_cannot_hold_are_400(api: APIClient, number: str) -> None:
    item = '{"customer_id": "c9", "name": "N", "segment": "enterprise", "licensed_seats": %s}'
    handoff = (
        '{"customer_id": "c9", "handoff_data": {"deal_value": %s, "contract_terms": "1_year"}, '
        '"success_initiation": {"onboarding_start": "2026-01-01", "first_check_in": '
        '"2026-01-02", "success_manager": "a@b.co"}}'
    )
    for path, body in (
        ("/api/v1/customers", item % number),
        ("/api/v1/customers/bulk", f"[{item % number}]"),
        ("/api/v1/cs-sales/handoff/c9", handoff % number),
    ):
        response = api.post(path, body, content_type="application/json")
        assert response.status_code == 400, (path, number[:20])


def test_huge_amounts_are_max_value(api: APIClient, c1: Customer) -> None:
    contract = {
        "contract_id": "ctr_1",
        "customer_id": "c1",
        "start_date": "2026-01-01",
        "end_date": "2027-01-01",
        "term": "1_year",
    }
    for value, code in (("1e1000000", "invalid"), (10**30, "max_value"), (10**14, "max_value")):
        response = api.post(
            "/api/v1/cs-finance/contracts", [{**contract, "value": value}], format="json"
        )
        assert response.status_code == 400, value
        assert codes(response) == [code]
    item = {"customer_id": "c9", "name": "N", "segment": "enterprise", "licensed_seats": 10**30}
    for path, body in (("/api/v1/customers", item), ("/api/v1/customers/bulk", [item])):
        response = api.post(path, body, format="json")
        assert response.status_code == 400
        assert codes(response) == ["max_value"]


def test_a_content_length_that_is_not_a_number_is_400(api: APIClient) -> None:
    response = api.generic(
        "POST", "/api/v1/customers", "{}", content_type="application/json", CONTENT_LENGTH="abc"
    )
    assert response.status_code == 400
    assert codes(response) == ["invalid_content_length"]


def test_a_chunked_body_without_content_length_is_411(api: APIClient) -> None:
    response = api.generic(
        "POST",
        "/api/v1/customers",
        '{"customer_id": "c9"}',
        content_type="application/json",
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
    )
    assert response.status_code == 411
    assert codes(response) == ["length_required"]


# Bounded error reports ------------------------------------------------------------------


def test_serializer_errors_are_capped_at_100_with_the_count(api: APIClient) -> None:
    body: dict[str, Any] = {"customer_id": "c9", "name": "N", "segment": "enterprise"}
    body.update({f"junk_{i}": i for i in range(30_000)})
    response = api.post("/api/v1/customers", body, format="json")
    assert response.status_code == 400
    payload = response.json()
    assert len(payload["errors"]) == 100
    assert payload["truncated"] is True
    assert payload["error_count"] == 30_000
    assert len(response.content) < 20_000


def test_bulk_item_errors_are_capped_at_100_with_the_count(api: APIClient) -> None:
    response = api.post("/api/v1/customers/bulk", [{"bad": 1}] * 250, format="json")
    assert response.status_code == 400
    payload = response.json()
    assert len(payload["errors"]) == 100
    assert payload["truncated"] is True
    assert payload["error_count"] > 250  # unknown field and the required ones, per item


def test_few_errors_carry_no_truncation_marker(api: APIClient) -> None:
    payload = api.post("/api/v1/customers", {"x": 1}, format="json").json()
    assert set(payload) == {"type", "errors"}


def test_the_schema_documents_the_truncation_fields(api: APIClient) -> None:
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    props = schema["components"]["schemas"]["ErrorResponse400"]["properties"]
    assert props["truncated"]["type"] == "boolean"
    assert props["error_count"]["type"] == "integer"


# Ids and dates --------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["cust_1\n", ".", "..", "cust 1", ""])
def test_ids_are_matched_whole_and_dot_segments_refused(api: APIClient, bad: str) -> None:
    item = {"customer_id": bad, "name": "N", "segment": "enterprise"}
    assert api.post("/api/v1/customers", item, format="json").status_code == 400
    response = api.post("/api/v1/customers/bulk", [item], format="json")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["customer_id"]
    with pytest.raises(ValidationError):  # the admin's model form uses the model validator
        customer_id_validator(bad)
    assert not Customer.objects.exists()


def test_other_patterns_are_matched_whole(api: APIClient, c1: Customer) -> None:
    contract = {
        "contract_id": "ctr_1\n",
        "customer_id": "c1",
        "start_date": "2026-01-01",
        "end_date": "2027-01-01",
        "value": 1000,
        "term": "1_year\n",
    }
    response = api.post("/api/v1/cs-finance/contracts", [contract], format="json")
    assert response.status_code == 400
    # The term's trailing newline is trimmed like any text's; the id's is refused, not trimmed.
    assert sorted(e["field"] for e in response.json()["errors"]) == ["contract_id"]
    for validator, bad in (
        (feature_id_validator, "feat_a\n"),
        (term_validator, "1_year\n"),
        (record_id_validator, "ctr_1\n"),
        (record_id_validator, ".."),
    ):
        with pytest.raises(ValidationError):  # admin forms validate with the model's validators
            validator(bad)


@pytest.mark.parametrize("when", ["9999-01-01T00:00:00Z", "1066-10-14T09:00:00Z"])
def test_dates_keep_one_sanity_bound_everywhere(api: APIClient, c1: Customer, when: str) -> None:
    patch = api.patch(
        "/api/v1/customers/c1", {"status": "churned", "churned_at": when}, format="json"
    )
    assert patch.status_code == 400
    assert [e["attr"] for e in patch.json()["errors"]] == ["churned_at"]
    item = {
        "customer_id": "c1",
        "name": "N",
        "segment": "enterprise",
        "status": "churned",
        "churned_at": when,
    }
    response = api.post("/api/v1/customers/bulk", [item], format="json")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["churned_at"]
    assert api.get("/api/v1/customers", {"updated_after": when}).status_code == 400
    assert api.get("/api/v1/cs-product/usage", {"date_from": when[:10]}).status_code == 400
    c1.refresh_from_db()
    assert c1.churned_at is None


# No silent coercion ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "attr"),
    [
        # each bad item at its index (issue 14)
        ("/api/v1/team-members", {"email": "a@b.co", "name": "N", "skills": ["ok", 2]}, "skills.1"),
        ("/api/v1/team-members", {"email": "a@b.co", "name": "N", "capacity": "12"}, "capacity"),
        ("/api/v1/team-members", {"email": "a@b.co", "name": "N", "active": "yes"}, "active"),
        ("/api/v1/team-members", {"email": "a@b.co", "name": "N", "active": 1}, "active"),
        (
            "/api/v1/customers",
            {"customer_id": "c9", "name": "N", "segment": "enterprise", "licensed_seats": "1_000"},
            "licensed_seats",
        ),
        (
            "/api/v1/customers",
            {"customer_id": "c9", "name": "N", "segment": "enterprise", "licensed_seats": " 12 "},
            "licensed_seats",
        ),
        (
            "/api/v1/customers/c1/stakeholders",
            {"email": "a@b.co", "is_champion": "yes"},
            "is_champion",
        ),
    ],
)
def test_wrong_shapes_are_refused_not_coerced(
    api: APIClient, c1: Customer, path: str, body: dict[str, Any], attr: str
) -> None:
    response = api.post(path, body, format="json")
    assert response.status_code == 400
    assert [e["attr"] for e in response.json()["errors"]] == [attr]


@pytest.mark.parametrize(
    "value", ["1_000", " 12 ", "12 ", "NaN", "Infinity", "0x10", "\u0661\u0662"]
)
def test_bulk_amounts_are_numbers_written_plainly(api: APIClient, c1: Customer, value: str) -> None:
    contract = {
        "contract_id": "ctr_1",
        "customer_id": "c1",
        "start_date": "2026-01-01",
        "end_date": "2027-01-01",
        "value": value,
        "term": "1_year",
    }
    response = api.post("/api/v1/cs-finance/contracts", [contract], format="json")
    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("value", "invalid")]
    assert (
        api.post(
            "/api/v1/cs-finance/contracts", [{**contract, "value": 1000}], format="json"
        ).status_code
        == 200
    )


@pytest.mark.parametrize("value", ["12", "1_000", " 12 "])
def test_bulk_integers_refuse_strings(api: APIClient, value: str) -> None:
    item = {"customer_id": "c9", "name": "N", "segment": "enterprise", "licensed_seats": value}
    response = api.post("/api/v1/customers/bulk", [item], format="json")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["licensed_seats"]


# Unknown paths --------------------------------------------------------------------------


@pytest.mark.parametrize("debug", [True, False])
def test_an_unknown_api_path_is_a_json_404_even_under_debug(debug: bool) -> None:
    client = Client(enforce_csrf_checks=True)
    with override_settings(DEBUG=debug):
        for method in ("GET", "POST"):
            response = client.generic(method, "/api/v1/nope", "{}")
            assert response.status_code == 404, method
            assert response["Content-Type"] == "application/json"
            assert json.loads(response.content)["errors"][0]["code"] == "not_found"


def _typed_query_params(kind: str) -> list[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (path, param["name"])
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if method == "get"
        for param in operation.get("parameters", [])
        if param["in"] == "query"
        and param["schema"].get("type") == kind
        and param["name"] != "page_size"
    ]


BOOLEAN_PARAMS = _typed_query_params("boolean")
INTEGER_PARAMS = _typed_query_params("integer")


def test_typed_parameters_are_found() -> None:
    assert ("/api/v1/team-members", "active") in BOOLEAN_PARAMS
    assert ("/api/v1/customers/{customer_id}/health", "weeks") in INTEGER_PARAMS


@pytest.mark.parametrize(("path", "name"), BOOLEAN_PARAMS)
def test_a_boolean_parameter_is_true_or_false(
    api: APIClient, c1: Customer, path: str, name: str
) -> None:
    for value in ("yes", "no", "2", "truthy"):
        response = api.get(url(path), {name: value})
        assert response.status_code == 400, (path, name, value)
        assert [e["attr"] for e in response.json()["errors"]] == [name]
    assert api.get(url(path), {name: "true"}).status_code == 200


@pytest.mark.parametrize(("path", "name"), INTEGER_PARAMS)
def test_an_integer_parameter_is_written_plainly(
    api: APIClient, c1: Customer, path: str, name: str
) -> None:
    for value in ("1_0", " 10", "10 ", "1e1", "\u0661\u0660"):
        response = api.get(url(path), {name: value})
        assert response.status_code == 400, (path, name, value)
        assert [e["attr"] for e in response.json()["errors"]] == [name]


@pytest.mark.parametrize("body", ['{"\\ud800": 1}', '[{"\\ud800": 1}]', '{"a\\u0000": 1}'])
def test_an_object_key_with_invalid_characters_is_400(api: APIClient, body: str) -> None:
    for path in ("/api/v1/customers", "/api/v1/customers/bulk"):
        response = api.post(path, body, content_type="application/json")
        assert response.status_code == 400
        assert codes(response) == ["parse_error"]


# Every single-write serializer follows the same rules -----------------------------------


def _strict_serializers() -> list[type[StrictSerializer]]:
    for config in apps.get_app_configs():
        for module in ("api.serializers", "api.workflow_serializers"):
            try:
                importlib.import_module(f"{config.name}.{module}")
            except ModuleNotFoundError:
                continue
    found: list[type[StrictSerializer]] = []
    pending = list(StrictSerializer.__subclasses__())
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending += cls.__subclasses__()
    return sorted(set(found), key=lambda c: c.__qualname__)


def _fields(kinds: tuple[type, ...]) -> list[tuple[str, str]]:
    return [
        (cls.__qualname__, name)
        for cls in STRICT
        for name, field in cls().fields.items()
        if isinstance(field, kinds) and not field.read_only
    ]


STRICT = _strict_serializers()
BY_NAME = {cls.__qualname__: cls for cls in STRICT}
TEXT_FIELDS = _fields((serializers.CharField, serializers.ChoiceField))
NUMBER_FIELDS = _fields((serializers.IntegerField, serializers.DecimalField))
DATE_FIELDS = _fields((serializers.DateField, serializers.DateTimeField))


def test_the_serializer_lists_are_found() -> None:
    assert ("CustomerWriteSerializer", "name") in TEXT_FIELDS
    assert ("TeamMemberWriteSerializer", "capacity") in NUMBER_FIELDS
    assert ("CustomerWriteSerializer", "churned_at") in DATE_FIELDS


def _error_code(serializer: str, name: str, value: Any) -> str:
    checked = BY_NAME[serializer](data={name: value}, partial=True)
    assert not checked.is_valid()
    return str(checked.errors[name][0].code)


@pytest.mark.parametrize(("serializer", "name"), TEXT_FIELDS)
def test_every_single_write_text_field_refuses_nul_and_lone_surrogates(
    serializer: str, name: str
) -> None:
    for bad in ("a\x00b", "a\ud800b"):
        assert _error_code(serializer, name, bad) == "invalid_characters"


@pytest.mark.parametrize(("serializer", "name"), NUMBER_FIELDS)
def test_every_single_write_number_field_refuses_odd_numbers(serializer: str, name: str) -> None:
    assert _error_code(serializer, name, 10**30) in ("max_value", "max_digits")
    for bad in ("1_000", " 12 ", True, "NaN", "Infinity"):
        assert _error_code(serializer, name, bad) == "invalid", bad


@pytest.mark.parametrize(("serializer", "name"), DATE_FIELDS)
def test_every_single_write_date_field_keeps_the_bound(serializer: str, name: str) -> None:
    for bad in ("9999-01-01T00:00:00Z", "1066-10-14T00:00:00Z", "9999-01-01", "1066-10-14"):
        assert _error_code(serializer, name, bad) == "invalid", bad


def _bulk_specs(kinds: set[str]) -> list[tuple[str, BulkSchema, str]]:
    return [
        (name, schema, spec.name)
        for name, schema in BULK_SCHEMAS
        for spec in schema.specs
        if spec.kind in kinds
    ]


def _bulk_codes(schema: BulkSchema, field: str, value: Any) -> list[str]:
    with pytest.raises(BulkValidationError) as caught:
        schema.validate([{field: value}])
    return [e["code"] for e in caught.value.item_errors if e["field"] == field]


NUMBER_KINDS = {"int", "float", "decimal", "money"}


@pytest.mark.parametrize(("name", "schema", "field"), _bulk_specs(NUMBER_KINDS))
def test_every_bulk_number_field_refuses_odd_numbers(
    name: str, schema: BulkSchema, field: str
) -> None:
    for huge in (10**30, 1e300, "1e1000000"):
        assert _bulk_codes(schema, field, huge) in (["max_value"], ["invalid"]), huge
    for bad in ("1_000", " 12 ", True, "NaN", "Infinity"):
        assert _bulk_codes(schema, field, bad) == ["invalid"], bad


@pytest.mark.parametrize(("name", "schema", "field"), _bulk_specs({"date", "datetime"}))
def test_every_bulk_date_field_keeps_the_bound(name: str, schema: BulkSchema, field: str) -> None:
    for bad in ("9999-01-01", "1066-10-14", "9999-01-01T00:00:00Z", "1066-10-14T00:00:00Z"):
        assert _bulk_codes(schema, field, bad) == ["invalid"], bad
