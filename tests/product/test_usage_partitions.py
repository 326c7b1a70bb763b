"""Usage in monthly partitions on PostgreSQL (README "Usage partitions"): the migration's
layout, where rows land, the daily maintenance (months ahead, DEFAULT's rows moved, retention),
ingestion across partitions and partition pruning of a 30-day read. The plan's rules are also
checked without a database; on SQLite the maintenance is a no-op."""

import json
from datetime import date, timedelta
from io import StringIO
from typing import Any

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Sum
from rest_framework.test import APIClient

from customers.models import Customer
from integrations.clock import days_window, today
from product.models import Feature, FeatureUsage
from product.selectors.partitions import (
    DEFAULT_PARTITION,
    PARENT,
    Month,
    Partition,
    UsageLayout,
    usage_layout,
)
from product.services.partitions import (
    LOCK_NAME,
    maintenance_plan,
    usage_partitions_cover,
    usage_partitions_maintain,
)
from product.tasks import maintain_usage_partitions
from tests.customers.factories import CustomerFactory
from tests.product.factories import FeatureFactory

postgres = pytest.mark.postgres  # skipped on SQLite: "needs PostgreSQL (set DATABASE_URL)"
USAGE = "/api/v1/cs-product/usage"


def _query(sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return list(cursor.fetchall())


def partitions() -> list[str]:
    return sorted(
        name
        for (name,) in _query(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass",
            [PARENT],
        )
    )


def where(pk: int) -> str:
    """The partition a row is stored in."""
    return str(_query(f"SELECT tableoid::regclass FROM {PARENT} WHERE id = %s", [pk])[0][0])  # noqa: S608


@pytest.fixture
def pair(db: None) -> tuple[Customer, Feature]:
    return CustomerFactory.create(customer_id="c1"), FeatureFactory.create(feature_id="feat_a")


def usage(pair: tuple[Customer, Feature], day: date, events: int = 1) -> FeatureUsage:
    customer, feature = pair
    return FeatureUsage.objects.create(
        customer=customer, feature=feature, date=day, events=events, active_users=1
    )


@postgres
@pytest.mark.django_db
def test_usage_is_partitioned_by_month_with_a_default_and_the_same_keys() -> None:
    assert _query(
        "SELECT p.partstrat, a.attname FROM pg_partitioned_table p "
        "JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0] "
        "WHERE p.partrelid = %s::regclass",
        [PARENT],
    ) == [("r", "date")]
    now = Month.of(today())
    # The migration made this month and the 3 ahead (USAGE_PARTITION_MONTHS_AHEAD), and DEFAULT.
    expected = {now.shift(k).name for k in range(4)} | {DEFAULT_PARTITION}
    assert expected <= set(partitions())
    keys = dict(
        _query(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('p', 'u')",
            [PARENT],
        )
    )
    assert keys == {
        f"{PARENT}_pkey": "PRIMARY KEY (id, date)",
        "usage_customer_feature_date_uniq": "UNIQUE (customer_id, feature_id, date)",
    }
    indexes = {
        name
        for (name,) in _query("SELECT indexname FROM pg_indexes WHERE tablename = %s", [PARENT])
    }
    assert {"usage_date_idx", "usage_feature_date_idx"} <= indexes


@postgres
def test_a_backfill_range_gets_its_months_before_its_rows(pair: tuple[Customer, Feature]) -> None:
    day = today()
    first = Month.of(day).shift(-15).start + timedelta(days=20)  # months no row has yet
    last = Month.of(day).shift(-13).start + timedelta(days=3)
    waiting = usage(pair, Month.of(day).shift(-14).start, events=3)  # in DEFAULT for now
    assert where(waiting.pk) == DEFAULT_PARTITION

    result = usage_partitions_cover(first=first, last=last)

    months = [Month.of(day).shift(k).name for k in (-15, -14, -13)]
    assert result.created == months
    assert result.moved == {months[1]: 1}
    assert where(waiting.pk) == months[1]
    assert where(usage(pair, first).pk) == months[0]  # a backfilled day lands in its month
    assert usage_partitions_cover(first=first, last=last).created == []  # idempotent
    assert set(months) <= set(partitions())


@postgres
def test_rows_land_in_their_month_and_default_rows_move_into_a_new_month(
    pair: tuple[Customer, Feature],
) -> None:
    day = today()
    this_month = usage(pair, day, events=5)
    old_day = Month.of(day).shift(-2).start + timedelta(days=9)  # no partition yet
    old = usage(pair, old_day, events=7)
    assert where(this_month.pk) == Month.of(day).name
    assert where(old.pk) == DEFAULT_PARTITION
    assert usage_layout().default_months == [Month.of(old_day)]

    result = usage_partitions_maintain(today=day)

    # The month of the waiting row, and the month between it and this one (no gap).
    assert result.created == [Month.of(day).shift(-2).name, Month.of(day).shift(-1).name]
    assert result.moved == {Month.of(old_day).name: 1}
    assert where(old.pk) == Month.of(old_day).name
    moved = FeatureUsage.objects.get(pk=old.pk)  # same id, same values
    assert (moved.date, moved.events, moved.customer_id) == (old_day, 7, pair[0].pk)
    assert usage_layout().default_months == []
    # The new partition has the parent's indexes and keys (attached, not just a table).
    assert (
        _query("SELECT count(*) FROM pg_indexes WHERE tablename = %s", [Month.of(old_day).name])[0][
            0
        ]
        == 4  # primary key, unique, the date index, the covering feature index
    )


@postgres
def test_the_task_creates_the_months_ahead_and_is_idempotent(db: None, settings: Any) -> None:
    settings.USAGE_PARTITION_MONTHS_AHEAD = 5
    now = Month.of(today())
    before = set(partitions())
    text = maintain_usage_partitions()
    # The migration made months 0..3 ahead; 4 and 5 are new.
    assert set(partitions()) - before == {now.shift(4).name, now.shift(5).name}
    assert text == (f"Usage partitions: created {now.shift(4).name}; created {now.shift(5).name}.")
    assert maintain_usage_partitions() == "Usage partitions: up to date."
    assert set(partitions()) - before == {now.shift(4).name, now.shift(5).name}


@postgres
def test_retention_drops_whole_months_and_keeps_the_newer_rows(
    pair: tuple[Customer, Feature],
) -> None:
    day = today()
    now = Month.of(day)
    rows = {
        k: usage(pair, now.shift(-k).start + timedelta(days=3), events=k + 1) for k in (20, 14, 13)
    }
    rows[0] = usage(pair, day)
    first = usage_partitions_maintain(today=day, retention_months=36)
    assert first.created == [now.shift(-k).name for k in range(20, 0, -1)]  # -20..-1, no gap
    assert first.dropped == []

    # 13 months: the first day kept is the 1st of the month 13 months back; month -14 ends
    # that day, so it and every older month go whole; month -13 stays.
    second = usage_partitions_maintain(today=day, retention_months=13)
    assert second.dropped == [now.shift(-k).name for k in range(20, 13, -1)]
    assert second.created == []
    assert not FeatureUsage.objects.filter(pk__in=[rows[20].pk, rows[14].pk]).exists()
    kept = FeatureUsage.objects.filter(pk__in=[rows[13].pk, rows[0].pk])
    assert sorted(kept.values_list("events", flat=True)) == [1, 14]
    assert now.shift(-13).name in partitions()
    assert now.shift(-14).name not in partitions()
    # Idempotent.
    again = usage_partitions_maintain(today=day, retention_months=13)
    assert (again.created, again.dropped, again.purged) == ([], [], 0)


@postgres
def test_default_rows_past_retention_are_deleted_not_given_a_month(
    pair: tuple[Customer, Feature],
) -> None:
    day = today()
    stale = usage(pair, Month.of(day).shift(-20).start, events=3)
    fresh = usage(pair, day)
    result = usage_partitions_maintain(today=day, retention_months=13)
    assert (result.created, result.purged) == ([], 1)
    # VACUUM cannot run in the test's transaction: the run says it skipped it.
    assert result.vacuumed == f"{DEFAULT_PARTITION} not vacuumed (inside a transaction)"
    assert list(FeatureUsage.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert stale.pk != fresh.pk


@postgres
def test_ingestion_upserts_across_partitions_and_default(api: APIClient) -> None:
    pair = CustomerFactory.create(customer_id="c1"), FeatureFactory.create(feature_id="feat_a")
    day = today()
    early = usage(pair, day - timedelta(days=70))  # its month and those after get partitions
    usage_partitions_maintain(today=day)
    early.delete()
    # The last: a month within retention with no partition yet, so DEFAULT.
    days = [day, day - timedelta(days=40), Month.of(day).shift(-30).start + timedelta(days=4)]
    body = [
        {
            "customer_id": "c1",
            "feature_id": "feat_a",
            "date": d.isoformat(),
            "events": 10,
            "active_users": 2,
        }
        for d in days
    ]
    assert api.post(USAGE, body, format="json").json() == {
        "created": 3,
        "updated": 0,
        "unchanged": 0,
    }
    ids = dict(FeatureUsage.objects.values_list("date", "pk"))
    assert [where(ids[d]) for d in days] == [
        Month.of(days[0]).name,
        Month.of(days[1]).name,
        DEFAULT_PARTITION,
    ]
    body[1]["events"] = 11
    body[2]["events"] = 12
    assert api.post(USAGE, body, format="json").json() == {
        "created": 0,
        "updated": 2,
        "unchanged": 1,
    }
    # Updated in place: the same rows (ids), not new ones.
    assert dict(FeatureUsage.objects.values_list("date", "pk")) == ids
    assert dict(FeatureUsage.objects.values_list("date", "events")) == dict(
        zip(days, [10, 11, 12], strict=True)
    )


def _relations(plan: Any) -> set[str]:
    found = set()
    if isinstance(plan, dict):
        if "Relation Name" in plan:
            found.add(plan["Relation Name"])
        for value in plan.values():
            found |= _relations(value)
    elif isinstance(plan, list):
        for value in plan:
            found |= _relations(value)
    return found


@postgres
def test_a_30_day_read_scans_only_the_months_it_covers(pair: tuple[Customer, Feature]) -> None:
    day = today()
    usage(pair, day - timedelta(days=100))  # an older month's partition, after maintenance
    usage_partitions_maintain(today=day)
    window = days_window(day, 30)  # days day-29 .. day
    query = (
        FeatureUsage.objects.filter(window.dates("date"))
        .values("customer_id")
        .annotate(events=Sum("events"))
    )
    sql, params = query.query.sql_with_params()
    ((explained,),) = _query(f"EXPLAIN (FORMAT JSON) {sql}", list(params))
    plan = json.loads(explained) if isinstance(explained, str) else explained
    expected = {Month.of(window.first_day).name, Month.of(day).name}  # one or two months
    assert _relations(plan) == expected
    assert DEFAULT_PARTITION not in _relations(plan)
    assert len(partitions()) > len(expected) + 1  # there were others to prune


@postgres
@pytest.mark.django_db
def test_a_second_run_while_one_holds_the_lock_does_nothing() -> None:
    s = connection.settings_dict
    other = psycopg.connect(
        dbname=s["NAME"],
        user=s["USER"],
        host=s["HOST"] or "127.0.0.1",
        port=s["PORT"] or 5432,
        autocommit=True,
    )
    try:
        other.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", [LOCK_NAME])
        before = partitions()
        result = usage_partitions_maintain(today=today(), months_ahead=6)
        assert result.skipped == "another maintenance run is in progress"
        assert partitions() == before
    finally:
        other.execute("SELECT pg_advisory_unlock_all()")
        other.close()
    assert usage_partitions_maintain(today=today(), months_ahead=6).created  # then it runs


@postgres
@pytest.mark.django_db
def test_the_command_shows_the_partitions_and_the_next_steps(settings: Any) -> None:
    settings.USAGE_PARTITION_MONTHS_AHEAD = 4
    out = StringIO()
    call_command("usage_partitions", stdout=out)
    text = out.getvalue()
    now = Month.of(today())
    assert f"{PARENT}: partitioned by month" in text
    assert now.name in text
    assert DEFAULT_PARTITION in text
    assert f"Next maintenance would:\n  create {now.shift(4).name}\n" in text
    out = StringIO()
    call_command("usage_partitions", "maintain", stdout=out)
    assert f"Maintenance:\n  created {now.shift(4).name}\n" in out.getvalue()
    assert "Next maintenance: nothing to do." in out.getvalue()


@postgres
@pytest.mark.django_db(transaction=True)
def test_default_gives_back_its_space_once_rows_moved_out() -> None:
    """After rows move out of DEFAULT its heap and four indexes kept their size (with 308,820
    rows moved, 86 MB holding 0 rows); the run now VACUUMs it (outside any transaction)."""
    customer, feature = CustomerFactory.create(), FeatureFactory.create()
    day = today()
    old = Month.of(day).shift(-2)  # no partition yet: its rows wait in DEFAULT
    FeatureUsage.objects.bulk_create(
        FeatureUsage(
            customer=customer,
            feature=feature,
            date=old.start + timedelta(days=d),
            events=1,
            active_users=1,
        )
        for d in range(28)
    )
    size = "SELECT pg_total_relation_size(%s::regclass)"
    file = "SELECT pg_relation_filenode(%s::regclass)"
    before, file_before = _query(size, [DEFAULT_PARTITION])[0][0], _query(file, [DEFAULT_PARTITION])
    try:
        result = usage_partitions_maintain(today=day)
        assert result.moved == {old.name: 28}
        assert result.failed == {}
        # Emptied, so VACUUM FULL: DEFAULT is rewritten (a new file). Down to 32 kB (no heap
        # page, one 8 kB metapage per index) when no other session's snapshot still sees the
        # moved rows; an autoanalyze of this database can, so the size is checked only against
        # its own report.
        after = _query(size, [DEFAULT_PARTITION])[0][0]
        assert result.vacuumed == f"VACUUM FULL {DEFAULT_PARTITION}: {before:,} bytes -> {after:,}"
        assert _query(file, [DEFAULT_PARTITION]) != file_before
        assert FeatureUsage.objects.filter(date__gte=old.start, date__lt=old.end).count() == 28
        # Nothing moved the second time: no VACUUM.
        assert usage_partitions_maintain(today=day).vacuumed == ""
    finally:
        # This test commits: remove the months it created, so the others start as migrated.
        FeatureUsage.objects.all().delete()
        with connection.cursor() as cursor:
            for month in (old, old.shift(1)):
                cursor.execute(f'DROP TABLE IF EXISTS "{month.name}"')


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--months", "3"], "unrecognized arguments: --months"),  # read "3" as the action before
        (["3"], "Unknown action '3': use one of show, maintain (default show)"),
    ],
)
def test_the_command_says_what_it_takes_and_where_the_months_come_from(
    args: list[str], said: str
) -> None:
    with pytest.raises(CommandError) as refused:
        call_command("usage_partitions", *args)
    assert said in str(refused.value)
    assert "USAGE_PARTITION_MONTHS_AHEAD (1-24, default 3)" in str(refused.value)


@pytest.mark.django_db
def test_on_sqlite_the_maintenance_is_a_no_op_that_says_so() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite variant")
    assert maintain_usage_partitions() == (
        "Usage partitions: nothing done (SQLite keeps usage in one table, not partitioned)."
    )
    out = StringIO()
    call_command("usage_partitions", stdout=out)
    assert "one plain table" in out.getvalue()


# --- the plan's rules, no database ----------------------------------------------------------


def _month(text: str) -> Month:
    return Month(date.fromisoformat(f"{text}-01"))


def _part(text: str, name: str | None = None) -> Partition:
    m = _month(text)
    return Partition(name or m.name, m.start, m.end, None, 0)


def _layout(ranges: list[Partition], default_months: list[str] = ()) -> UsageLayout:  # type: ignore[assignment]
    default = Partition(DEFAULT_PARTITION, None, None, None, 0)
    return UsageLayout(True, ranges, default, [_month(m) for m in default_months])


def test_the_plan_fills_gaps_to_the_months_ahead_and_drops_only_whole_old_months() -> None:
    layout = _layout(
        [_part("2023-10"), _part("2023-11"), _part("2023-12"), _part("2026-10")],
        default_months=["2022-01", "2026-08"],
    )
    plan = maintenance_plan(layout, today=date(2026, 12, 5), months_ahead=2, retention_months=36)
    # Kept from 2023-12-01: 2023-10 and 2023-11 end on or before it; 2023-12 stays.
    assert plan.keep_from == date(2023, 12, 1)
    assert [p.name for p in plan.drop] == [_month("2023-10").name, _month("2023-11").name]
    # From the oldest kept month (2023-12 exists) to 2027-02, except those that exist.
    wanted = []
    month = _month("2024-01")
    while month <= _month("2027-02"):
        if month != _month("2026-10"):
            wanted.append(month)
        month = month.shift(1)
    assert plan.create == wanted
    assert plan.purge_default  # 2022-01's rows in DEFAULT are past retention


def test_the_plan_never_drops_a_partition_it_did_not_make_nor_overlaps_one() -> None:
    quarter = Partition("usage_q1_2024", date(2024, 1, 1), date(2024, 4, 1), None, 0)
    layout = _layout([quarter, _part("2024-04")])
    plan = maintenance_plan(layout, today=date(2027, 6, 1), months_ahead=0, retention_months=12)
    assert [p.name for p in plan.drop] == [_month("2024-04").name]  # not the quarter
    assert not quarter.managed
    layout = _layout([quarter])
    plan = maintenance_plan(layout, today=date(2024, 2, 10), months_ahead=3, retention_months=36)
    assert plan.create == [_month("2024-04"), _month("2024-05")]  # Jan-Mar are the quarter's
    # The old table attached whole (README's migration path): its months are covered, and it
    # is never dropped, even once entirely past retention.
    legacy = Partition(f"{PARENT}_legacy", date.min, date(2027, 1, 1), None, 0)
    plan = maintenance_plan(
        _layout([legacy]), today=date(2030, 12, 5), months_ahead=1, retention_months=36
    )
    assert plan.drop == []
    # From this month on (no month of ours is older, no row waits in DEFAULT).
    assert plan.create == [_month("2030-12"), _month("2031-01")]
    assert _layout([legacy]).covers(_month("2026-12"))
    with pytest.raises(ValueError, match="retention"):
        maintenance_plan(layout, today=date(2024, 2, 10), months_ahead=3, retention_months=0)


def test_months_roll_over_years() -> None:
    assert Month(date(2026, 11, 1)).shift(2) == Month(date(2027, 1, 1))
    assert Month(date(2026, 1, 1)).shift(-13) == Month(date(2024, 12, 1))
    assert Month.of(date(2026, 12, 31)).end == date(2027, 1, 1)
    assert Month(date(2026, 11, 1)).name == "product_featureusage_p2026_11"


def _nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [plan, *(n for child in plan.get("Plans", []) for n in _nodes(child))]


@postgres
def test_the_upsert_reads_the_present_keys_before_it_inserts(db: None) -> None:
    """A month's partition is empty and has no statistics until a batch lands there (the 1st
    of every month, a backfill after usage_partitions_cover). The upsert's lookup of the keys
    already present ran after the INSERT there and walked, per key, the index entries the
    statement had just written (invisible to it, still there): 8.4 s for a first 10,000-row
    batch into a fresh month of the 10,000-customer bench data set, 0.6 s with the lookup
    first. The planner's choice depends on data this test does not have, so the order itself
    is what is held: the INSERT's input waits for the lookup's count."""
    from product.services.ingestion import upsert_statement

    customers = CustomerFactory.create_batch(30)
    features = FeatureFactory.create_batch(3)
    first = Month.of(today()).shift(-20).start  # a month no row has
    usage_partitions_cover(first=first, last=first + timedelta(days=4))
    rows = [
        (c.pk, f.pk, (first + timedelta(days=d)).isoformat(), 2, 1)
        for d in range(5)
        for c in customers
        for f in features
    ]
    sql, arrays = upsert_statement(rows)
    (explained,) = _query(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", arrays)[0]
    plan = (json.loads(explained) if isinstance(explained, str) else explained)[0]["Plan"]
    (insert,) = [n for n in _nodes(plan) if n.get("Operation") == "Insert"]
    under_insert = _nodes(insert)
    assert any(n.get("CTE Name") == "present" for n in under_insert)
    lookup = [n for n in _nodes(plan) if n.get("Subplan Name") == "CTE present"]
    assert lookup
    assert lookup[0]["Actual Rows"] == 0  # the month was empty when it was read
    assert FeatureUsage.objects.filter(date__gte=first).count() == 450
    assert {
        where(pk)
        for pk in FeatureUsage.objects.filter(date__gte=first).values_list("pk", flat=True)
    } == {Month.of(first).name}
