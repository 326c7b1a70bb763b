from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from customers.health import measures as registry
from customers.health.engine import compute_health
from customers.health.measures import MeasureValue
from customers.health.selectors import Reference, trend
from customers.health.services import health_recompute
from customers.models import Customer, HealthModel, HealthScore
from integrations.models import Event
from tests.admin_forms import admin_form_data
from tests.customers.factories import CustomerFactory

AS_OF = date(2026, 6, 30)


@pytest.fixture
def fake_measures(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Replace the registry with three measures whose scores the test controls."""
    scores: dict[str, dict[int, float | None]] = {"m1": {}, "m2": {}, "m3": {}}

    def make(name: str) -> Any:
        def compute(pks: Sequence[int] | None, as_of: date) -> dict[int, MeasureValue]:
            list(Customer.objects.values_list("pk", flat=True)[:1])  # one query, as real ones do
            return {
                pk: MeasureValue(
                    score=s, inputs={"n": s}, reason=None if s is not None else "nothing reported"
                )
                for pk, s in scores[name].items()
                if pks is None or pk in pks
            }

        return compute

    monkeypatch.setattr(
        registry, "_registry", {n: registry.Measure(n, make(n), f"{n} formula") for n in scores}
    )
    HealthModel.objects.update(active=False)
    HealthModel.objects.create(
        version=2,
        weights={"m1": 0.5, "m2": 0.3, "m3": 0.2},
        critical_below=50,
        at_risk_below=75,
        active=True,
    )
    return scores


@pytest.mark.django_db
def test_missing_measure_weight_is_spread_in_proportion(fake_measures: Any) -> None:
    c = CustomerFactory()
    fake_measures["m1"][c.pk], fake_measures["m2"][c.pk] = 80.0, 40.0
    fake_measures["m3"][c.pk] = None
    model = HealthModel.objects.get(active=True)
    result = compute_health(model, AS_OF)[c.pk]
    # m3 has no data: weights 0.5 and 0.3 become 0.625 and 0.375 → 80×0.625 + 40×0.375 = 65
    assert result.score == 65
    assert result.grade == "at_risk"
    assert result.weights == {"m1": 0.625, "m2": 0.375}
    assert result.components["m3"] == {
        "score": None,
        "weight": 0.2,
        "effective_weight": 0.0,
        "inputs": {"n": None},
        "reason": "nothing reported",
    }
    assert result.components["m1"]["effective_weight"] == 0.625


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("m1", "grade"), [(49.4, "critical"), (50.0, "at_risk"), (74.6, "healthy"), (100.0, "healthy")]
)
def test_grade_bands(fake_measures: Any, m1: float, grade: str) -> None:
    c = CustomerFactory()
    fake_measures["m1"][c.pk] = m1
    assert compute_health(HealthModel.objects.get(active=True), AS_OF)[c.pk].grade == grade


@pytest.mark.django_db
def test_recompute_stores_snapshots_and_publishes_changes(fake_measures: Any) -> None:
    a, b = CustomerFactory.create(), CustomerFactory.create()
    gone = CustomerFactory.create(status="churned")
    nodata = CustomerFactory.create()
    for pk in (a.pk, b.pk, gone.pk):
        fake_measures["m1"][pk] = 90.0
    t0 = timezone.now() - timedelta(days=30)
    health_recompute(computed_at=t0, as_of=t0.date())
    assert HealthScore.objects.count() == 2  # churned and no-data customers get none
    assert not HealthScore.objects.filter(customer__in=[gone, nodata]).exists()
    snap = HealthScore.objects.get(customer=a)
    assert (snap.score, snap.grade, snap.model_version) == (90, "healthy", 2)
    assert snap.weights == {"m1": 1.0}
    assert Event.objects.filter(type="customer.health_changed").count() == 2

    # 30 days later: a is unchanged (no event); b falls 90 → 70 (worse grade and −20 points)
    fake_measures["m1"][b.pk] = 70.0
    health_recompute()
    changed = Event.objects.filter(type="customer.health_changed").order_by("id")
    assert [e.customer_id for e in changed[2:]] == [b.customer_id]
    declined = Event.objects.get(type="customer.health_declined")
    assert declined.customer_id == b.customer_id
    assert declined.data["reasons"] == ["worse_grade", "dropped_15_points_in_30_days"]
    assert declined.data["score_30_days_ago"] == 90


@pytest.mark.django_db
def test_a_15_point_drop_within_the_same_grade_is_a_decline(fake_measures: Any) -> None:
    c = CustomerFactory()
    fake_measures["m1"][c.pk] = 100.0
    t0 = timezone.now() - timedelta(days=31)
    health_recompute(computed_at=t0, as_of=t0.date())
    fake_measures["m1"][c.pk] = 85.0
    health_recompute(computed_at=t0 + timedelta(days=20), as_of=(t0 + timedelta(days=20)).date())
    assert not Event.objects.filter(type="customer.health_declined").exists()  # 20 days apart
    fake_measures["m1"][c.pk] = 84.0
    health_recompute()
    declined = Event.objects.get(type="customer.health_declined")
    assert declined.data["reasons"] == ["dropped_15_points_in_30_days"]


@pytest.mark.django_db
def test_batch_recompute_uses_a_fixed_number_of_queries(fake_measures: Any) -> None:
    counts = []
    for size in (4, 40):
        for c in CustomerFactory.create_batch(size):
            fake_measures["m1"][c.pk] = 60.0
        with CaptureQueriesContext(connection) as ctx:
            results = health_recompute()
        assert sum(1 for r in results.values() if r.score is not None) >= size
        counts.append(len(ctx))
    assert counts[0] == counts[1]
    assert counts[0] <= 12 + 4  # + the job's work_mem on PostgreSQL: set, put back, its savepoint


def _at(days_ago: float) -> datetime:
    return datetime(2026, 6, 30, 12, tzinfo=UTC) - timedelta(days=days_ago)


def test_trend_change_slope_and_direction() -> None:
    now = _at(0)
    # weekly snapshots rising 2 points a week for 12 weeks: 48, 50, ..., 70 (now)
    rows = [(_at(7 * k), 70 - 2 * k, "at_risk") for k in range(11, -1, -1)]
    # the health ~30 days ago (health_references) is the snapshot 28 days ago (k=4): 62
    result = trend(rows, now, 70, Reference(_at(28), 62))
    # change +8 → improving
    assert result["reference_score"] == 62
    assert result["change_30d"] == 8
    assert result["slope_per_week"] == 2.0
    assert result["direction"] == "improving"
    assert result["weeks_in_slope"] == 12


def test_trend_without_a_30_day_reference_uses_the_slope() -> None:
    now = _at(0)
    rows = [(_at(14), 80, "healthy"), (_at(7), 79, "healthy"), (_at(0), 78, "healthy")]
    result = trend(rows, now, 78, None)
    assert result["change_30d"] is None
    assert result["slope_per_week"] == -1.0
    assert result["basis"] == "slope"
    assert result["direction"] == "stable"  # −1/week × 30/7 = −4.3: within ±5
    assert trend(rows[-1:], now, 78, None)["direction"] is None


def test_health_api_before_and_after_recompute(api: APIClient, fake_measures: Any) -> None:
    c = CustomerFactory(customer_id="cust_h")
    fake_measures["m1"][c.pk], fake_measures["m2"][c.pk] = 90.0, 50.0
    empty = api.get("/api/v1/customers/cust_h/health").json()
    assert empty["score"] is None
    assert "recompute" in empty["reason"]
    response = api.post("/api/v1/customers/cust_h/health/recompute")
    assert response.status_code == 200
    body = response.json()
    # 90×0.5/0.8 + 50×0.3/0.8 = 56.25 + 18.75 = 75 → healthy
    assert (body["score"], body["grade"]) == (75, "healthy")
    assert body["components"]["m1"]["effective_weight"] == 0.625
    assert body["components"]["m1"]["description"] == "m1 formula"
    assert body["components"]["m3"]["reason"] == "no data"
    assert "m1 90.0 × 0.625" in body["explanation"]
    # points cost against 100: m2 0.375 × 50 = 18.75 → 18.8, m1 0.625 × 10 = 6.25 → 6.3
    assert body["reasons"] == ["m2: n 50.0 (\u221218.8)", "m1: n 90.0 (\u22126.3)"]
    assert empty["reasons"] == []
    assert body["history"][-1]["score"] == 75
    assert api.get("/api/v1/customers/cust_h/health").json()["score"] == 75
    assert api.get("/api/v1/customers/nobody/health").status_code == 404
    assert api.post("/api/v1/customers/nobody/health/recompute").status_code == 404
    bad = api.get("/api/v1/customers/cust_h/health", {"weeks": 0})
    assert bad.status_code == 400


def test_health_history_is_weekly(api: APIClient, fake_measures: Any) -> None:
    c = CustomerFactory(customer_id="cust_w")
    for days_ago, score in [(21, 60.0), (20, 61.0), (14, 70.0), (7, 80.0), (0, 90.0)]:
        fake_measures["m1"][c.pk] = score
        at = timezone.now() - timedelta(days=days_ago)
        health_recompute(customer_pks=[c.pk], computed_at=at, as_of=at.date())
    history = api.get("/api/v1/customers/cust_w/health", {"weeks": 3}).json()["history"]
    assert [p["score"] for p in history] == [70, 80, 90][-len(history) :]
    assert len(history) == 3


@pytest.mark.django_db
def test_admin_edit_of_a_used_model_creates_a_new_version(
    admin_client: Any, fake_measures: Any
) -> None:
    c = CustomerFactory()
    fake_measures["m1"][c.pk] = 70.0
    health_recompute()
    model = HealthModel.objects.get(active=True)
    url = f"/admin/customers/healthmodel/{model.pk}/change/"
    response = admin_client.post(
        url,
        {
            **admin_form_data(admin_client, url),  # as the page posts it (with its initials)
            "name": "tuned",
            "weights": '{"m1": 1.0}',
            "critical_below": 40,
            "at_risk_below": 70,
            "active": "on",
        },
    )
    assert response.status_code == 302
    assert HealthModel.objects.get(version=2).weights == {"m1": 0.5, "m2": 0.3, "m3": 0.2}
    new = HealthModel.objects.get(active=True)
    assert (new.version, new.name, new.critical_below) == (3, "tuned", 40)
    assert HealthModel.objects.filter(active=True).count() == 1
