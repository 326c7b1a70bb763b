"""GET /api/v1/cs-marketing/campaigns and .../{campaign_id}/members (README "Marketing:
campaigns"): filters, pages, bad parameters, scopes, and a fixed number of queries a page."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.models import Customer
from marketing.models import Campaign
from tests.conftest import MakeClient
from tests.support.errors import assert_error

from .campaign_support import START, URL, create, customers, health

pytestmark = pytest.mark.django_db


def _ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["campaign_id"] for row in response.json()["results"]]


@pytest.fixture
def three() -> dict[str, Campaign]:
    customers(3)
    now = timezone.now()
    old = create(["enterprise"], now=now - timedelta(days=100), measurement_window_days=30)
    mid = create(
        ["enterprise"],
        now=now - timedelta(days=10),
        campaign_type="adoption",
        trigger_type="low_adoption",
    )
    new = create(["enterprise"], now=now - timedelta(days=1))
    return {"old": old, "mid": mid, "new": new}


def test_newest_first_with_filters(make_client: MakeClient, three: dict[str, Campaign]) -> None:
    client = make_client("marketing:read")
    old, mid, new = (three[k].campaign_id for k in ("old", "mid", "new"))
    assert _ids(client.get(URL)) == [new, mid, old]
    assert _ids(client.get(URL, {"campaign_type": "adoption"})) == [mid]
    assert _ids(client.get(URL, {"trigger_type": "health_decline"})) == [new, old]
    assert _ids(client.get(URL, {"status": "finished"})) == [old]
    assert _ids(client.get(URL, {"status": "running"})) == [new, mid]
    row = client.get(URL, {"status": "finished"}).json()["results"][0]
    assert row["status"] == "finished"
    assert row["target_audience"]["size"] == 3
    assert "measured_impact" not in row
    first = client.get(URL, {"page_size": "2"})
    assert _ids(first) == [new, mid]
    assert _ids(client.get(first.json()["next"])) == [old]


@pytest.mark.parametrize(
    ("query", "attr", "code"),
    [
        ({"status": "done"}, "status", "invalid_choice"),
        ({"campaign_type": "spam"}, "campaign_type", "invalid_choice"),
        ({"segment": "enterprise"}, "segment", "unknown_parameter"),
        ({"page_size": "0"}, "page_size", "invalid_page_size"),
        ({"cursor": "garbage"}, "cursor", "invalid_cursor"),
    ],
)
def test_bad_list_parameters_are_400(
    make_client: MakeClient, query: dict[str, str], attr: str, code: str
) -> None:
    assert_error(make_client("marketing:read").get(URL, query), 400, code, attr)


def test_members_by_group(make_client: MakeClient) -> None:
    group = customers(10)
    health(group[0], 64, START - timedelta(days=1), grade="healthy")
    campaign = create(["enterprise"], holdout_fraction=Decimal("0.3"))
    client = make_client("marketing:read")
    members = f"{URL}/{campaign.campaign_id}/members"
    everyone = client.get(members, {"page_size": "500"}).json()["results"]
    assert [m["customer_id"] for m in everyone] == sorted(c.customer_id for c in group)
    treated = client.get(members, {"group": "treated"}).json()["results"]
    holdout = client.get(members, {"group": "holdout"}).json()["results"]
    assert (len(treated), len(holdout)) == (7, 3)
    assert {m["group"] for m in treated} == {"treated"}
    assert not {m["customer_id"] for m in treated} & {m["customer_id"] for m in holdout}
    first = everyone[0]
    assert first == {
        "customer_id": group[0].customer_id,
        "group": first["group"],
        "segments": ["enterprise"],
        "baseline_score": 64,
        "baseline_grade": "healthy",
        "baseline_computed_at": "2026-05-31T12:00:00Z",
        "baseline_events_30d": 0,
    }
    assert everyone[1]["baseline_grade"] is None
    page = client.get(members, {"page_size": "4"})
    assert len(page.json()["results"]) == 4
    rest = client.get(page.json()["next"]).json()["results"]
    assert rest[0]["customer_id"] == group[4].customer_id
    assert_error(client.get(members, {"group": "control"}), 400, "invalid_choice", "group")


def _members_queries(client: Any, n: int) -> int:
    for c in customers(n, prefix=f"m{n}"):
        health(c, 70, START - timedelta(days=1))
    campaign = create(["enterprise"])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(
            f"{URL}/{campaign.campaign_id}/members", {"page_size": "500", "group": "treated"}
        )
    assert len(response.json()["results"]) == campaign.treated_count
    return len(queries)


def test_members_page_runs_a_fixed_number_of_queries(make_client: MakeClient) -> None:
    client = make_client("marketing:read")
    small = _members_queries(client, 3)
    Customer.objects.all().delete()
    large = _members_queries(client, 60)
    assert small == large <= 4  # the key, its last-used stamp, the campaign, the page


def test_detail_runs_a_fixed_number_of_queries(make_client: MakeClient) -> None:
    client = make_client("marketing:read")
    counts = []
    for n in (3, 60):
        Customer.objects.all().delete()
        customers(n, prefix=f"d{n}")
        campaign = create(["enterprise"])
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"{URL}/{campaign.campaign_id}").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 8  # key (2), campaign, members, four lower-app reads


def test_reads_need_marketing_read(make_client: MakeClient) -> None:
    customers(1)
    campaign = create(["enterprise"])
    for path in (URL, f"{URL}/{campaign.campaign_id}", f"{URL}/{campaign.campaign_id}/members"):
        assert make_client("marketing:write").get(path).status_code == 403
        assert make_client("sales:read", "customers:read").get(path).status_code == 403
        assert make_client("marketing:read").get(path + "/").status_code == 200


def test_the_campaign_list_runs_a_fixed_number_of_queries(make_client: MakeClient) -> None:
    client = make_client("marketing:read")
    customers(2)
    counts = []
    for n in (2, 30):
        Campaign.objects.all().delete()
        for _ in range(n):
            create(["enterprise"])
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL, {"page_size": "500"})
        assert len(response.json()["results"]) == n
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 3  # the key, its last-used stamp, the page
