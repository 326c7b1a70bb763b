"""bench/sql_floors.py: each analytics read's hand-written SQL computes what its API answers.
On the small demo company (seed_demo, PostgreSQL only: the statements are PostgreSQL's), each
floor's statement runs beside its GET and every figure is compared, not just the counts."""

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from bench import sql_floors as floors
from product.models import Feature
from product.selectors.adoption import Counts, pearson
from tests.conftest import MakeClient

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def demo() -> None:
    call_command("seed_demo", "--customers", "60", "--no-progress")


def _run(statement: tuple[str, dict[str, Any]]) -> list[dict[str, Any]]:
    sql, params = statement
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _plain(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


# --- adoption -------------------------------------------------------------------------------


def test_adoption_floor_matches_the_api(make_client: MakeClient, demo: None) -> None:
    client = make_client("product:read")
    statements = floors.FLOORS["adoption"]()
    features = list(Feature.objects.order_by("feature_id"))
    assert len(statements) == len(features) > 0
    decided = 0
    for feature, statement in zip(features, statements, strict=True):
        response = client.get(f"/api/v1/cs-product/adoption/{feature.feature_id}")
        assert response.status_code == 200, response.content
        body = response.json()
        groups, cells = _run(statement)[0].values()
        total, segments = (
            Counts(),
            {name: Counts() for name in body["adoption_metrics"]["segments"]},
        )
        for group in groups:
            counts = Counts(**{k: int(v) for k, v in group.items() if k in Counts().__dict__})
            total.add(counts)
            segments[group["segment"]].add(counts)
        metrics = body["adoption_metrics"]
        assert total.active == metrics["active_customers"] > 0
        assert (total.adopting, total.tried) == (
            metrics["adopting_customers"],
            metrics["tried_customers"],
        )
        assert (total.previous_adopters, total.lapsed) == (
            metrics["previous_window_adopters"],
            metrics["lapsed_adopters"],
        )
        assert metrics["overall_adoption"] == total.adoption
        for name, counts in segments.items():
            shown = metrics["segments"][name]
            assert (counts.active, counts.adopting, counts.tried, counts.adoption) == (
                shown["active_customers"],
                shown["adopting_customers"],
                shown["tried_customers"],
                shown["adoption"],
            )
        success = pearson(total.n, total.sx, total.sy, total.sxy, total.sxx, total.syy)
        shown_success = body["success_correlation"]["adoption_success"]
        assert (success.n, success.r, success.reason) == (
            shown_success["n"],
            shown_success["r"],
            shown_success["reason"],
        )
        table = {(c["x"], c["y"]): c["n"] for c in cells or []}
        n = sum(table.values())
        adopted = table.get((1, 0), 0) + table.get((1, 1), 0)
        renewed = table.get((0, 1), 0) + table.get((1, 1), 0)
        retention = body["success_correlation"]["retention"]
        assert retention["n"] == n
        assert retention["counts"] == {
            "adopted": adopted,
            "renewed": renewed,
            "lost": n - renewed,
            "adopted_and_renewed": table.get((1, 1), 0),
        }
        decided += n
    assert decided > 0  # the retention table was compared on real decisions


def test_adoption_floor_reads_the_api_windows() -> None:
    feature = Feature(pk=7, adoption_threshold_days=4)
    day = timezone.localdate()
    params = floors.adoption_params(feature, day, 30)
    # (day - 30, day] and the 30 days before it; retention 90 days before each decision
    assert params["first"] == day - timedelta(days=29)
    assert params["prev_first"] == day - timedelta(days=59)
    assert (params["f"], params["t"], params["window"], params["lead"]) == (7, 4, 30, 90)
    assert params["lookback"] == day - timedelta(days=365)


# --- performance ----------------------------------------------------------------------------


def test_performance_floor_matches_the_api(make_client: MakeClient, demo: None) -> None:
    response = make_client("operations:read").get("/api/v1/cs-ops/performance")
    assert response.status_code == 200, response.content
    body = response.json()
    (statement,) = floors.FLOORS["performance"]()
    row = {k: _plain(v) for k, v in _run(statement)[0].items()}
    shown = {**body["performance_metrics"], **body["resource_utilization"]}
    hours = row.pop("average_resolution_hours")
    assert shown["average_resolution_time"] == (f"{hours}_hours" if hours is not None else None)
    critical = {k: row.pop(k) for k in ("critical_customers", "without_workflow_run")}
    for name, value in row.items():
        assert shown[name] == value, name
    assert row["active_csms"] > 0
    assert row["workflow_runs_completed"] + row["workflow_runs_failed"] > 0
    assert row["csat_responses"] > 0
    assert row["resolved_count"] > 0
    # the critical customers are evidence of a rule: shown when it fires
    fired = {o["opportunity"]: o["evidence"] for o in body["opportunity_details"]}
    if critical["without_workflow_run"]:
        assert fired["expand_predictive_capabilities"] == critical
    else:
        assert "expand_predictive_capabilities" not in fired


# --- expansion list -------------------------------------------------------------------------


def test_expansion_list_floor_matches_the_first_page(make_client: MakeClient, demo: None) -> None:
    response = make_client("sales:read").get("/api/v1/cs-sales/expansion", {"page_size": 100})
    assert response.status_code == 200, response.content
    shown = response.json()["results"]
    (statement,) = floors.FLOORS["expansion_list"]()
    rows = _run(statement)[:100]
    assert len(rows) == len(shown) > 0
    for row, item in zip(rows, shown, strict=True):
        assert row["as_of"].isoformat() == item["as_of"]
        assert row["computed_at"] == timezone.datetime.fromisoformat(item["computed_at"])
        # Django's connection hands jsonb over as text (its JSONField decodes it)
        row.update({k: json.loads(row[k]) for k in ("readiness_factors", "factors")})
        plain = {k: v for k, v in row.items() if k not in ("as_of", "computed_at")}
        assert plain == {k: v for k, v in item.items() if k in plain}
