"""The expansion list's rows written as JSON by PostgreSQL (integrations.json_text, issue 17):
the same members, in the serializers' order, with the same values as the serializer path
(the one other databases take), for the awkward values too: quotes, control characters and
non-ASCII in names, no CSM, a null factor value, timestamps with and without microseconds."""

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection

from integrations.api.renderers import JSONRenderer, RawJSONArray
from sales.api.expansion_serializers import ExpansionListItemSerializer, ReadinessFactorSerializer
from sales.models import ExpansionSnapshot
from sales.selectors.expansion_list import (
    FACTOR_KEYS,
    LIST_ITEM,
    latest_snapshots,
    snapshot_members,
    with_documents,
)
from sales.services.expansion import expansion_score
from tests.conftest import MakeClient
from tests.customers.factories import CustomerFactory, TeamMemberFactory
from tests.sales.support import AS_OF, at, health

URL = "/api/v1/cs-sales/expansion"
NAMES = [
    'Quote " and back\\slash',
    "Tab\there\nnewline\x01ctl",
    "Ünïcødé 株式会社 \u2028 sep",
    "plain",
]


def test_members_are_the_serializers_in_order() -> None:
    assert [key for key, _, _ in LIST_ITEM] == list(ExpansionListItemSerializer().fields)
    assert list(FACTOR_KEYS) == list(ReadinessFactorSerializer().fields)


def _ordered(text: str) -> Any:
    return json.loads(text, object_pairs_hook=lambda pairs: pairs)


@pytest.fixture
def snapshots(db: None) -> None:
    csm = TeamMemberFactory.create(email="o'brien@company.com")
    for i, name in enumerate(NAMES):
        customer = CustomerFactory.create(
            customer_id=f"cust_{i}", name=name, success_manager=csm if i % 2 else None
        )
        if i != 3:  # cust_3 has no health: its factor's value is null, with a reason
            health(customer, 60 + i)
    expansion_score(as_of=AS_OF, computed_at=at(AS_OF, 3))
    # one snapshot computed on a whole second, one with microseconds
    latest = list(ExpansionSnapshot.objects.filter(is_latest=True).order_by("customer_id"))
    latest[0].computed_at = datetime(2026, 6, 30, 3, 0, 0, tzinfo=UTC)
    latest[1].computed_at = datetime(2026, 6, 30, 3, 0, 0, 1500, tzinfo=UTC)
    ExpansionSnapshot.objects.bulk_update(latest[:2], ["computed_at"])
    if connection.vendor == "postgresql":  # their stored list members, as the scoring writes
        edited = ExpansionSnapshot.objects.filter(pk__in=[s.pk for s in latest[:2]])
        edited.update(list_members=snapshot_members())


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_scoring_stores_each_snapshot_s_list_members(snapshots: None) -> None:
    rows = ExpansionSnapshot.objects.annotate(live=snapshot_members())
    stored = list(rows.values_list("list_members", "live"))
    assert len(stored) == 4
    assert all(text is not None and text == live for text, live in stored)
    assert str(stored[0][0]).startswith('"score":')


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("stored", [True, False], ids=["stored members", "written per read"])
def test_documents_equal_the_serializer_output_member_for_member(
    snapshots: None, stored: bool
) -> None:
    if not stored:  # snapshots stored before the column: their members are written per read
        ExpansionSnapshot.objects.update(list_members=None)
    expected = ExpansionListItemSerializer(list(latest_snapshots()), many=True).data
    rows = list(with_documents(latest_snapshots()))
    assert len(rows) == len(expected) == 4
    for row, item in zip(rows, expected, strict=True):
        # the JSON renderer's text of the serializer's row, read back with member order kept
        assert _ordered(row["document"]) == _ordered(JSONRenderer().render(item).decode())
    by_id = {json.loads(r["document"])["customer_id"]: json.loads(r["document"]) for r in rows}
    assert [by_id[f"cust_{i}"]["name"] for i in range(4)] == NAMES
    assert by_id["cust_0"]["success_manager"] is None
    assert by_id["cust_1"]["success_manager"] == "o'brien@company.com"
    assert by_id["cust_0"]["computed_at"] == "2026-06-30T03:00:00Z"
    assert by_id["cust_1"]["computed_at"] == "2026-06-30T03:00:00.001500Z"
    health_factor = next(f for f in by_id["cust_3"]["factors"] if f["name"] == "health_score")
    assert health_factor["value"] is None
    assert health_factor["reason"]
    assert by_id["cust_2"]["factors"][1]["value"] == 0.62


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_page_is_the_serializer_path_s_page(make_client: MakeClient, snapshots: None) -> None:
    client = make_client("sales:read")
    written = client.get(URL, {"page_size": 3})
    assert written.status_code == 200
    rendered = written.content.decode()
    assert "\u2028" not in rendered  # escaped, as DRF escapes it
    assert "\\u2028" in rendered
    page = written.json()
    expected = ExpansionListItemSerializer(list(latest_snapshots()[:3]), many=True).data
    assert page["results"] == json.loads(json.dumps(expected))
    assert page["previous"] is None
    second = client.get(page["next"].removeprefix("http://testserver")).json()
    assert [r["customer_id"] for r in second["results"]] == [
        r["customer_id"]
        for r in ExpansionListItemSerializer(list(latest_snapshots()[3:]), many=True).data
    ]
    assert second["next"] is None


def test_renderer_splices_raw_arrays_and_renders_the_rest_as_drf() -> None:
    data = {"next": None, "previous": "http://x/?cursor=a", "results": RawJSONArray(['{"a":1}'])}
    body = JSONRenderer().render(data)
    assert body == b'{"next":null,"previous":"http://x/?cursor=a","results":[{"a":1}]}'
    assert json.loads(JSONRenderer().render({"results": RawJSONArray([])})) == {"results": []}
    # anything else is DRF's rendering, unchanged
    assert JSONRenderer().render({"a": [1, "é"]}) == '{"a":[1,"é"]}'.encode()
    assert JSONRenderer().render(None) == b""
