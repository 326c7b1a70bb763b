"""bench/dataset.py: the benchmark data sets. Built for real on the test server (PostgreSQL
only): a 50-customer set through `ensure_dataset` (the demo as template, no copies), then a
100-customer one from a 50-customer template (one copy), each read back with plain SQL."""

import importlib.util
import itertools
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("bench_dataset", ROOT / "bench" / "dataset.py")
assert _spec is not None
assert _spec.loader is not None
dataset: Any = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = dataset  # its dataclasses look their module up
_spec.loader.exec_module(dataset)

# Every table the demo fills (demo/*.py): a data set holds rows in each.
DEMO_TABLES = [
    "customers_teammember",
    "customers_customer",
    "customers_stakeholder",
    "customers_successplan",
    "customers_milestone",
    "customers_lifecyclechange",
    "customers_healthscore",
    "customers_historicalcustomer",
    "product_feature",
    "product_featureusage",
    "product_feedback",
    "product_feedbackstatuschange",
    "operations_supportticket",
    "operations_surveyresponse",
    "operations_task",
    "operations_workflowrun",
    "operations_workflowsteprun",
    "operations_alert",
    "operations_escalation",
    "operations_accountteammember",
    "operations_playbook",
    "finance_contract",
    "finance_invoice",
    "finance_expansionopportunity",
    "finance_valuerecord",
    "finance_historicalcontract",
    "sales_handoff",
    "sales_expansionsnapshot",
    "marketing_campaign",
    "marketing_campaignmember",
    "marketing_touchpoint",
    "integrations_event",
]


SCRATCH = "cs_hub_ds_50_scratch"
# Rows of the first 50 customers, hashed in id order.
DETERMINISM = [
    "SELECT md5(string_agg(concat_ws(',', customer_id, feature_id, date, events, active_users), "
    "';' ORDER BY id)) FROM product_featureusage WHERE customer_id <= 50",
    "SELECT md5(string_agg(concat_ws(',', customer_id, as_of, computed_at, score, components), "
    "';' ORDER BY id)) FROM customers_healthscore WHERE customer_id <= 50",
    "SELECT md5(string_agg(concat_ws(',', ticket_id, opened_at, resolved_at, priority), "
    "';' ORDER BY id)) FROM operations_supportticket WHERE customer_id <= 50",
    "SELECT md5(string_agg(concat_ws(',', run_id, started_at, status), "
    "';' ORDER BY id)) FROM operations_workflowrun WHERE customer_id <= 50",
    # a copy's event ids carry a second "_" (`evt_..._1`)
    "SELECT md5(string_agg(concat_ws(',', event_id, created_at, data), ';' ORDER BY id)) "
    "FROM integrations_event WHERE cardinality(string_to_array(event_id, '_')) = 2",
]


def _server() -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    url = _server()
    yield url
    with psycopg.connect(f"{url}/postgres", autocommit=True) as conn:
        for name in (*map(dataset.database_name, (50, 100)), SCRATCH):
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _rows(url: str, name: str, sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(f"{url}/{name}") as conn:
        return conn.execute(sql).fetchall()  # type: ignore[arg-type]


def _one(url: str, name: str, sql: str) -> Any:
    return _rows(url, name, sql)[0][0]


def _counts(url: str, name: str) -> dict[str, int]:
    counts = {table: _one(url, name, f"SELECT count(*) FROM {table}") for table in DEMO_TABLES}  # noqa: S608
    # the customers' events (a campaign's own have none, and are not copied)
    counts["integrations_event"] = _one(
        url, name, "SELECT count(*) FROM integrations_event WHERE customer_id IS NOT NULL"
    )
    return counts


def test_template_sizes() -> None:
    assert dataset.template_size(500) == 500
    assert dataset.template_size(2_500) == 500
    assert dataset.template_size(10_000) == 1_000
    assert dataset.template_size(100_000) == 1_000
    with pytest.raises(ValueError, match="multiple"):
        dataset.template_size(1_001)


@pytest.mark.postgres
def test_scale_50_holds_the_whole_demo_and_is_reused(server: str) -> None:
    name = dataset.ensure_dataset(50, server, progress=False)
    assert name == "cs_hub_ds_50"
    counts = _counts(server, name)
    assert [table for table, n in counts.items() if n == 0] == []
    assert counts["customers_customer"] == 50
    # usage: a year of days, today's included
    first, last = _rows(server, name, "SELECT min(date), max(date) FROM product_featureusage")[0]
    assert last - first == timedelta(days=364)
    # health: 53 weekly snapshot days (52 weeks back and today), seven days apart, each with
    # its components
    days = [
        row[0]
        for row in _rows(
            server, name, "SELECT DISTINCT as_of FROM customers_healthscore ORDER BY 1"
        )
    ]
    assert len(days) == dataset.HEALTH_WEEKS + 1
    assert {b - a for a, b in itertools.pairwise(days)} == {timedelta(days=7)}
    assert (
        _one(
            server,
            name,
            "SELECT count(*) FROM customers_healthscore WHERE components = '{}'::jsonb",
        )
        == 0
    )
    record = dataset.stored_record(server, name)
    assert record["fingerprint"] == dataset.fingerprint(50)
    assert record["template"] == 50

    # current: the second call builds nothing (the record, with its build time, is the same)
    assert dataset.ensure_dataset(50, server, progress=False) == name
    assert dataset.stored_record(server, name) == record

    # a scratch copy for a run that writes: the same rows, the data set untouched
    assert dataset.clone_dataset(50, server, SCRATCH, progress=False) == SCRATCH
    assert _counts(server, SCRATCH) == counts
    with psycopg.connect(f"{server}/{SCRATCH}") as conn:
        conn.execute("DELETE FROM marketing_campaignmember")
    assert _counts(server, name) == counts


@pytest.mark.postgres
def test_copies_repeat_the_template_inside_their_own_copy(server: str) -> None:
    dataset._build_in_child(100, server, progress=False, template=50)
    name = dataset.database_name(100)
    counts = _counts(server, name)
    template = _counts(server, dataset.database_name(50))
    shared = {"product_feature", "operations_playbook", "marketing_campaign"}
    for table, n in counts.items():
        assert n == template[table] * (1 if table in shared else 2), table
    ids = [
        r[0] for r in _rows(server, name, "SELECT customer_id FROM customers_customer ORDER BY id")
    ]
    assert ids == [f"cust_{10000 + i}" for i in range(100)]
    # the expansion list's keyset (rank_key spells the customer_id out) is the copy's own
    ranks = _rows(
        server,
        name,
        "SELECT count(*), count(DISTINCT s.rank_key), "
        "count(*) FILTER (WHERE s.rank_key NOT LIKE '%:' || c.customer_id) "
        "FROM sales_expansionsnapshot s JOIN customers_customer c ON c.id = s.customer_id "
        "WHERE s.is_latest",
    )
    assert ranks[0][0] == ranks[0][1] > 0
    assert ranks[0][2] == 0
    # the copy of customer i is customer i + 50, with the same history
    per_customer = _rows(
        server,
        name,
        "SELECT c.customer_id, count(u.id), coalesce(sum(u.events), 0), "
        "(SELECT count(*) FROM customers_healthscore h WHERE h.customer_id = c.id), "
        "(SELECT count(*) FROM finance_invoice i WHERE i.customer_id = c.id) "
        "FROM customers_customer c LEFT JOIN product_featureusage u ON u.customer_id = c.id "
        "GROUP BY c.id ORDER BY c.id",
    )
    assert [row[1:] for row in per_customer[:50]] == [row[1:] for row in per_customer[50:]]
    # references stay inside their copy: a copied customer's CSM is a copied CSM, its
    # milestones' plans are its own, its renewals renew its own contracts
    crossing = _one(
        server,
        name,
        "SELECT count(*) FROM customers_customer c JOIN customers_teammember t "
        "ON t.id = c.success_manager_id WHERE (c.id > 50) <> (t.email LIKE '%+1@%')",
    )
    assert crossing == 0
    foreign = _one(
        server,
        name,
        "SELECT count(*) FROM finance_contract a "
        "JOIN finance_contract b ON b.id = a.renewed_from_id WHERE a.customer_id <> b.customer_id",
    )
    assert foreign == 0
    # every foreign key resolves (the copy ran without foreign-key triggers)
    dangling = []
    for child, column, parent, key in _rows(
        server,
        name,
        "SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, af.attname "
        "FROM pg_constraint c "
        "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
        "JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = c.confkey[1] "
        "WHERE c.contype = 'f'",
    ):
        missing = _one(
            server,
            name,
            f'SELECT count(*) FROM {child} x WHERE x."{column}" IS NOT NULL AND NOT EXISTS '  # noqa: S608
            f'(SELECT 1 FROM {parent} p WHERE p."{key}" = x."{column}")',
        )
        if missing:
            dangling.append((child, column, missing))
    assert dangling == []
    # campaigns count their members, copies included; the frozen impact's sums follow
    # (twice the template's), its rates stay
    query = (
        "SELECT c.campaign_id, c.size, c.treated_count, c.final_impact, "
        "(SELECT count(*) FROM marketing_campaignmember m WHERE m.campaign_id = c.id), "
        "(SELECT count(*) FROM marketing_campaignmember m WHERE m.campaign_id = c.id "
        "AND m.\"group\" = 'treated') FROM marketing_campaign c ORDER BY 1"
    )
    before = _rows(server, dataset.database_name(50), query)
    after = _rows(server, name, query)
    assert [row[0] for row in before] == [row[0] for row in after]
    for old, new in zip(before, after, strict=True):
        assert (new[1], new[2]) == (new[4], new[5]) == (old[4] * 2, old[5] * 2)
        if old[3]:
            for group in ("treated", "holdout"):
                assert new[3][group]["n"] == old[3][group]["n"] * 2
                assert new[3][group]["retention_rate"] == old[3][group]["retention_rate"]
            assert new[3]["lift"] == old[3]["lift"]
    # the sequences continue after the copies: the next id is free
    for table in ("customers_customer", "product_featureusage", "customers_healthscore"):
        assert _one(
            server,
            name,
            f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "  # noqa: S608
            f"> (SELECT max(id) FROM {table})",
        )
