from datetime import date, timedelta
from typing import Any

from django.utils import timezone
from rest_framework.test import APIClient

from integrations.clock import local_day_end
from product.models import Feature, FeatureUsage
from product.selectors.partitions import UsageLayout, retention_start, usage_kept_from
from product.services.partitions import maintenance_plan
from tests.conftest import MakeClient
from tests.customers.factories import CustomerFactory
from tests.product.factories import FeatureFactory
from tests.support.errors import item_errors

USAGE = "/api/v1/cs-product/usage"
FEATURES = "/api/v1/cs-product/features"


def test_feature_catalogue_upsert_and_read(api: APIClient) -> None:
    body = [
        {
            "feature_id": "feat_analytics",
            "name": "Analytics",
            "category": "insights",
            "is_key": True,
            "list_price": 1200,
        },
        {"feature_id": "feat_sso", "name": "SSO", "is_premium": True},
    ]
    assert api.post(FEATURES, body, format="json").json() == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
    }
    assert api.post(FEATURES, body, format="json").json()["unchanged"] == 2
    body[1]["adoption_threshold_days"] = 6
    assert api.post(FEATURES, body, format="json").json() == {
        "created": 0,
        "updated": 1,
        "unchanged": 1,
    }
    detail = api.get(f"{FEATURES}/feat_analytics").json()
    assert detail["list_price"] == 1200
    assert detail["adoption_threshold_days"] == 4
    assert Feature.objects.get(feature_id="feat_sso").adoption_threshold_days == 6
    assert [f["feature_id"] for f in api.get(FEATURES, {"is_key": "true"}).json()["results"]] == [
        "feat_analytics"
    ]
    response = api.get(f"{FEATURES}/nope")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "feature_not_found"


def test_feature_validation(api: APIClient) -> None:
    body = [
        {"feature_id": "Bad Id", "name": "x"},
        {"feature_id": "ok", "name": "y", "adoption_threshold_days": 0, "list_price": -5},
    ]
    response = api.post(FEATURES, body, format="json")
    assert response.status_code == 400
    assert sorted(item_errors(response), key=str) == sorted(
        [
            (0, "feature_id", "invalid"),
            (1, "adoption_threshold_days", "min_value"),
            (1, "list_price", "min_value"),
        ],
        key=str,
    )
    assert not Feature.objects.exists()


def test_feature_list_price_fits_its_column(api: APIClient) -> None:
    """The column holds 14 digits with 2 decimals: 10^12 is a 400 item error (the schema fuzz
    once met a 500 numeric overflow there), the largest whole amount is written."""
    too_big = [{"feature_id": "big", "name": "Big", "list_price": 10**12}]
    response = api.post(FEATURES, too_big, format="json")
    assert response.status_code == 400
    assert item_errors(response) == [(0, "list_price", "max_value")]
    fits = [{"feature_id": "big", "name": "Big", "list_price": 999_999_999_999}]  # whole units
    assert api.post(FEATURES, fits, format="json").status_code in (200, 201)
    assert Feature.objects.get(feature_id="big").list_price == 999_999_999_999


def test_usage_ingest_counts_and_resend(api: APIClient) -> None:
    CustomerFactory(customer_id="c1")
    FeatureFactory(feature_id="feat_a")
    day = timezone.now().date()
    rows = [
        {
            "customer_id": "c1",
            "feature_id": "feat_a",
            "date": (day - timedelta(days=i)).isoformat(),
            "events": 10 + i,
            "active_users": 2,
        }
        for i in range(5)
    ]
    assert api.post(USAGE, rows, format="json").json() == {
        "created": 5,
        "updated": 0,
        "unchanged": 0,
    }
    assert api.post(USAGE, rows, format="json").json() == {
        "created": 0,
        "updated": 0,
        "unchanged": 5,
    }
    rows[0]["events"] = 99
    rows.append({**rows[1], "date": (day - timedelta(days=9)).isoformat()})
    assert api.post(USAGE, rows, format="json").json() == {
        "created": 1,
        "updated": 1,
        "unchanged": 4,
    }
    assert FeatureUsage.objects.count() == 6
    assert FeatureUsage.objects.get(date=day).events == 99
    listed = api.get(
        USAGE, {"customer_id": "c1", "date_from": (day - timedelta(days=2)).isoformat()}
    ).json()["results"]
    assert [(r["date"], r["events"]) for r in listed] == [
        ((day - timedelta(days=2)).isoformat(), 12),
        ((day - timedelta(days=1)).isoformat(), 11),
        (day.isoformat(), 99),
    ]
    assert listed[0]["customer_id"] == "c1"
    assert listed[0]["feature_id"] == "feat_a"


def test_usage_rejects_bad_items_and_writes_nothing(api: APIClient) -> None:
    CustomerFactory(customer_id="c1")
    FeatureFactory(feature_id="feat_a")
    today = timezone.now().date()
    good = {
        "customer_id": "c1",
        "feature_id": "feat_a",
        "date": today.isoformat(),
        "events": 1,
        "active_users": 1,
    }
    batch = [
        good,
        {**good, "date": (today + timedelta(days=3)).isoformat()},
        {**good, "date": (today - timedelta(days=1)).isoformat(), "events": -1},
        {**good, "date": (today - timedelta(days=2)).isoformat(), "active_users": "3"},
        {**good, "date": "2026-13-01"},
        good,
    ]
    response = api.post(USAGE, batch, format="json")
    assert response.status_code == 400
    assert item_errors(response) == [
        (1, "date", "invalid"),
        (2, "events", "min_value"),
        (3, "active_users", "invalid"),
        (4, "date", "invalid"),
        (5, "date", "duplicate_key"),
    ]
    assert not FeatureUsage.objects.exists()


def test_usage_unknown_customer_and_feature_are_item_errors(api: APIClient) -> None:
    CustomerFactory(customer_id="c1")
    FeatureFactory(feature_id="feat_a")
    day = timezone.now().date().isoformat()
    batch = [
        {"customer_id": "c1", "feature_id": "feat_a", "date": day, "events": 1, "active_users": 1},
        {
            "customer_id": "ghost",
            "feature_id": "feat_a",
            "date": day,
            "events": 1,
            "active_users": 1,
        },
    ]
    response = api.post(USAGE, batch, format="json")
    assert item_errors(response) == [(1, "customer_id", "unknown_customer")]
    batch[1] = {**batch[0], "feature_id": "feat_zzz"}
    response = api.post(USAGE, batch, format="json")
    assert item_errors(response) == [(1, "feature_id", "unknown_feature")]
    assert not FeatureUsage.objects.exists()


def test_usage_scopes(make_client: MakeClient) -> None:
    reader = make_client("product:read")
    assert reader.get(USAGE).status_code == 200
    assert reader.post(USAGE, [], format="json").status_code == 403
    assert make_client("customers:write").post(USAGE, [], format="json").status_code == 403


def test_usage_batch_of_ten_thousand_in_a_fixed_number_of_queries(
    api: APIClient,
    django_assert_max_num_queries: Any,
) -> None:
    customers = CustomerFactory.create_batch(50)
    features = FeatureFactory.create_batch(20)
    today = timezone.now().date()
    rows = [
        {
            "customer_id": c.customer_id,
            "feature_id": f.feature_id,
            "date": (today - timedelta(days=d)).isoformat(),
            "events": d,
            "active_users": 1,
        }
        for c in customers
        for f in features
        for d in range(10)
    ]
    assert len(rows) == 10_000
    with django_assert_max_num_queries(8):
        response = api.post(USAGE, rows, format="json")
    assert response.json() == {"created": 10_000, "updated": 0, "unchanged": 0}
    assert FeatureUsage.objects.count() == 10_000


def test_usage_older_than_retention_is_an_item_error(
    api: APIClient, monkeypatch: Any, settings: Any
) -> None:
    """Retention's cutoff, on every database: maintenance would delete such a day (README
    "Usage partitions"), so it is refused, not accepted and then silently dropped. Today
    2026-12-05 and 36 months: the first day kept is 2023-12-01 (the 1st of the month 36 months
    before December 2026)."""
    monkeypatch.setattr("product.selectors.partitions.today", lambda: date(2026, 12, 5))
    monkeypatch.setattr("product.selectors.partitions._kept_from_today", (0, 0.0, date.min))
    CustomerFactory(customer_id="c1")
    FeatureFactory(feature_id="feat_a")

    def item(day: str) -> dict[str, Any]:
        return {
            "customer_id": "c1",
            "feature_id": "feat_a",
            "date": day,
            "events": 1,
            "active_users": 1,
        }

    body = [item(d) for d in ("1900-01-01", "2020-01-15", "2023-11-30", "2023-12-01")]
    response = api.post(USAGE, body, format="json")
    assert response.status_code == 400
    assert item_errors(response) == [
        (0, "date", "past_retention"),
        (1, "date", "past_retention"),
        (2, "date", "past_retention"),
    ]
    assert response.json()["errors"][0]["detail"] == (
        "Must be 2023-12-01 or later: usage is kept USAGE_RETENTION_MONTHS=36 months, "
        "older days are deleted."
    )
    assert not FeatureUsage.objects.exists()  # all or nothing
    # The first day kept is accepted.
    assert api.post(USAGE, body[3:], format="json").json()["created"] == 1
    # The setting is the rule: 40 months keep from 2023-08-01.
    settings.USAGE_RETENTION_MONTHS = 40
    response = api.post(USAGE, body, format="json")
    assert item_errors(response) == [(0, "date", "past_retention"), (1, "date", "past_retention")]
    assert "Must be 2023-08-01 or later" in response.json()["errors"][0]["detail"]


def test_the_cutoff_is_the_one_maintenance_drops_before() -> None:
    """One function for both: the plan's keep_from is the day ingestion starts accepting."""
    layout = UsageLayout(True, [], None, [])
    plan = maintenance_plan(layout, today=date(2026, 12, 5), months_ahead=3, retention_months=36)
    assert plan.keep_from == retention_start(date(2026, 12, 5), 36) == date(2023, 12, 1)


def test_the_cutoff_is_kept_until_the_day_ends(monkeypatch: Any) -> None:
    """The cutoff is computed once a day (the local day costs ~20 us, a batch has hundreds of
    distinct dates) and not a second longer: the first instant of 2026-12-01 moves it a month."""
    day = {"today": date(2026, 11, 30)}
    end_of_30th = local_day_end(date(2026, 11, 30)).timestamp()
    now = {"t": end_of_30th - 1}
    monkeypatch.setattr("product.selectors.partitions.today", lambda: day["today"])
    monkeypatch.setattr("product.selectors.partitions.time", lambda: now["t"])
    monkeypatch.setattr("product.selectors.partitions._kept_from_today", (0, 0.0, date.min))
    assert usage_kept_from() == date(2023, 11, 1)
    day["today"] = date(2026, 12, 1)  # not read again while the 30th lasts
    assert usage_kept_from() == date(2023, 11, 1)
    now["t"] = end_of_30th
    assert usage_kept_from() == date(2023, 12, 1)
