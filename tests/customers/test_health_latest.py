"""The latest-snapshot flag (`HealthScore.is_latest`, customers/health/latest.py): true on
exactly each customer's latest snapshot (newest computed_at, newest pk on a tie) whatever the
order, dating and path of the writes; the migration's backfill; the reads of "now" that use
it, against the definition computed here by hand from the rows."""

import importlib
import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers import read
from customers.health import latest as latest_flag
from customers.health import measures as registry
from customers.health.latest import make_way, settle_latest
from customers.health.measures import MeasureValue
from customers.health.services import health_history_seed, health_recompute
from customers.models import Customer, HealthModel, HealthScore
from tests.customers.factories import CustomerFactory

T0 = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
MEASURE_SCORE = 66  # the fake measure's score: graded at_risk by the default bands


def make_customer(**fields: Any) -> Customer:
    return cast(Customer, CustomerFactory(**fields))


def definition() -> dict[int, int]:
    """customer pk -> pk of its latest snapshot, by the definition, from every row."""
    found: dict[int, tuple[datetime, int]] = {}
    for customer_pk, at, pk in HealthScore.objects.values_list("customer_id", "computed_at", "pk"):
        if customer_pk not in found or (at, pk) > found[customer_pk]:
            found[customer_pk] = (at, pk)
    return {customer_pk: pk for customer_pk, (_, pk) in found.items()}


def flagged() -> dict[int, int]:
    """customer pk -> pk of its flagged snapshot; fails on a customer flagged twice."""
    rows = list(HealthScore.objects.filter(is_latest=True).values_list("customer_id", "pk"))
    customers = [customer_pk for customer_pk, _ in rows]
    assert len(customers) == len(set(customers)), rows
    return dict(rows)


def snapshot(customer: Customer, at: datetime, score: int = 50, **fields: Any) -> HealthScore:
    return HealthScore.objects.create(
        **{
            "customer": customer,
            "computed_at": at,
            "as_of": at.date(),
            "score": score,
            "grade": "at_risk",
            "model_version": 1,
            **fields,
        }
    )


@pytest.fixture
def fake_measure(monkeypatch: pytest.MonkeyPatch) -> None:
    """One measure scoring every customer MEASURE_SCORE, in an active model of its own."""

    def compute(pks: Sequence[int] | None, as_of: date) -> dict[int, MeasureValue]:
        chosen = pks if pks is not None else Customer.objects.values_list("pk", flat=True)
        return {pk: MeasureValue(score=MEASURE_SCORE, inputs={}, reason=None) for pk in chosen}

    monkeypatch.setattr(registry, "_registry", {"m": registry.Measure("m", compute, "fixed")})
    HealthModel.objects.update(active=False)
    HealthModel.objects.create(version=2, weights={"m": 1.0}, active=True)


@pytest.mark.django_db
def test_random_writes_in_any_order_keep_the_flag_on_the_definition(fake_measure: None) -> None:
    rng = random.Random(20261205)
    customers = [make_customer() for _ in range(4)]
    # Few distinct moments, so ties on computed_at are common (the newest pk must win them).
    moments = [T0 + timedelta(days=rng.randint(-40, 5), hours=rng.choice([0, 6])) for _ in range(9)]
    for step in range(80):
        kind = rng.choice(["create", "create", "bulk", "recompute", "delete", "redate", "drop"])
        rows = list(HealthScore.objects.order_by("pk"))
        if kind == "create":
            snapshot(rng.choice(customers), rng.choice(moments))
        elif kind == "bulk":
            HealthScore.objects.bulk_create(
                HealthScore(
                    customer=rng.choice(customers),
                    computed_at=(at := rng.choice(moments)),
                    as_of=at.date(),
                    score=rng.randint(0, 100),
                    grade="healthy",
                    model_version=1,
                    is_latest=True,  # a caller's flag is never taken
                )
                for _ in range(rng.randint(1, 4))
            )
        elif kind == "recompute":  # the services' path, back-dated or not
            at = rng.choice(moments)
            chosen = rng.sample([c.pk for c in customers], rng.randint(1, len(customers)))
            health_recompute(customer_pks=chosen, computed_at=at, as_of=at.date(), publish=False)
        elif kind == "delete" and rows:
            rng.choice(rows).delete()
        elif kind == "redate" and rows:
            picked = rng.sample([r.pk for r in rows], min(2, len(rows)))
            HealthScore.objects.filter(pk__in=picked).update(computed_at=rng.choice(moments))
        elif kind == "drop" and rows:
            HealthScore.objects.filter(customer=rng.choice(customers), score__lt=50).delete()
        assert flagged() == definition(), (step, kind)
    assert HealthScore.objects.count() > 20  # the walk wrote a history, not a few rows


@pytest.mark.django_db
def test_a_tie_on_computed_at_goes_to_the_newest_row() -> None:
    acme = make_customer()
    first = snapshot(acme, T0)
    second = snapshot(acme, T0)
    assert second.is_latest  # the saved instance tells its settled flag
    first.refresh_from_db()
    assert not first.is_latest
    second.delete()
    first.refresh_from_db()
    assert first.is_latest  # the next one by the definition takes the flag


@pytest.mark.django_db
def test_a_back_dated_snapshot_leaves_the_flag_on_the_newer_one() -> None:
    acme = make_customer()
    now = snapshot(acme, T0)
    old = snapshot(acme, T0 - timedelta(days=7), is_latest=True)
    assert not old.is_latest
    assert flagged() == {acme.pk: now.pk}


@pytest.mark.django_db
def test_moving_a_snapshot_to_another_customer_settles_both() -> None:
    acme, globex = make_customer(), make_customer()
    a_old = snapshot(acme, T0 - timedelta(days=1))
    a_new = snapshot(acme, T0)
    g_old = snapshot(globex, T0 - timedelta(days=3))
    a_new.customer = globex
    a_new.save()
    assert flagged() == {acme.pk: a_old.pk, globex.pk: a_new.pk}
    HealthScore.objects.filter(pk=a_new.pk).update(customer=acme)
    assert flagged() == {acme.pk: a_new.pk, globex.pk: g_old.pk}


@pytest.mark.django_db
def test_recompute_flags_its_rows_unless_a_later_snapshot_exists(fake_measure: None) -> None:
    acme, globex = make_customer(), make_customer()
    later = snapshot(acme, T0 + timedelta(days=1))  # acme has one computed after the run
    health_recompute(customer_pks=[acme.pk, globex.pk], computed_at=T0, as_of=T0.date())
    run = dict(HealthScore.objects.filter(computed_at=T0).values_list("customer_id", "pk"))
    assert flagged() == {acme.pk: later.pk, globex.pk: run[globex.pk]}
    # A backfill of past days (oldest first) moves nothing; a later run moves both.
    health_history_seed(customer_pks=None, days=[date(2026, 10, 1), date(2026, 10, 8)])
    assert flagged() == {acme.pk: later.pk, globex.pk: run[globex.pk]}
    at = T0 + timedelta(days=2)
    health_recompute(customer_pks=[acme.pk, globex.pk], computed_at=at, as_of=at.date())
    newest = dict(HealthScore.objects.filter(computed_at=at).values_list("customer_id", "pk"))
    assert flagged() == newest == definition()
    assert len(newest) == 2


@pytest.mark.django_db
def test_recompute_on_a_database_without_update_returning_settles_afterwards(
    fake_measure: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite before 3.35: `make_way` declines and the rows are settled after the insert."""
    acme = make_customer()
    old = snapshot(acme, T0)
    monkeypatch.setattr(latest_flag, "make_way", lambda pks, at: None)
    monkeypatch.setattr("customers.health.services.make_way", lambda pks, at: None)
    at = T0 + timedelta(hours=1)
    health_recompute(customer_pks=[acme.pk], computed_at=at, as_of=at.date())
    new = HealthScore.objects.get(computed_at=at)
    assert flagged() == {acme.pk: new.pk}
    assert new.pk != old.pk


@pytest.mark.django_db
def test_make_way_reports_the_customers_keeping_a_later_snapshot() -> None:
    acme, globex, initech = make_customer(), make_customer(), make_customer()
    snapshot(acme, T0 + timedelta(minutes=1))  # later than the coming write: keeps the flag
    tie = snapshot(globex, T0)  # same moment: the coming row (a newer pk) takes the flag
    kept = make_way([acme.pk, globex.pk, initech.pk], T0)
    assert kept == {acme.pk}
    tie.refresh_from_db()
    assert not tie.is_latest


@pytest.mark.django_db
def test_settle_latest_bounds_its_statements() -> None:
    customers = [make_customer() for _ in range(30)]
    for n, customer in enumerate(customers):
        snapshot(customer, T0 - timedelta(days=n % 3))
        snapshot(customer, T0 - timedelta(days=2 + n % 5))
    HealthScore.objects.update(is_latest=False)  # a raw flag write: settled below
    with CaptureQueriesContext(connection) as ctx:
        settle_latest(c.pk for c in customers)
    lock = 1 if connection.vendor == "postgresql" else 0
    assert len(ctx) == 3 + lock
    assert flagged() == definition()
    assert len(flagged()) == 30


@pytest.mark.django_db
def test_the_migration_backfills_the_latest_of_each_customer() -> None:
    migration = importlib.import_module("customers.migrations.0011_health_latest_flag")
    acme, globex, initech = make_customer(), make_customer(), make_customer()
    snapshot(acme, T0 - timedelta(days=7))
    acme_latest = snapshot(acme, T0)
    snapshot(globex, T0)
    globex_tie = snapshot(globex, T0)  # a tie: the newer pk
    snapshot(globex, T0 - timedelta(days=30))
    HealthScore.objects.update(is_latest=False)
    assert flagged() == {}
    with CaptureQueriesContext(connection) as ctx:
        migration.flag_latest(apps, None)
    assert len(ctx) == 1  # one UPDATE, set-based
    assert flagged() == {acme.pk: acme_latest.pk, globex.pk: globex_tie.pk}
    assert initech.pk not in flagged()


# --- the reads of "now" ----------------------------------------------------------------------


def scored_history() -> dict[str, Customer]:
    """Three customers: acme's latest was written before a back-dated one, globex's latest
    is the newer row of a tie, initech is never scored."""
    acme, globex, initech = (
        make_customer(name="Acme"),
        make_customer(name="Globex"),
        make_customer(name="Initech"),
    )
    snapshot(acme, T0, score=80)
    snapshot(acme, T0 - timedelta(days=30), score=95)  # back-dated, written after
    snapshot(globex, T0 - timedelta(days=1), score=30)
    snapshot(globex, T0 - timedelta(days=1), score=35)  # the tie's newer row
    return {"acme": acme, "globex": globex, "initech": initech}


@pytest.mark.django_db
def test_latest_health_scores_of_now_reads_the_flagged_rows(
    django_assert_num_queries: Any,
) -> None:
    people = scored_history()
    with django_assert_num_queries(1):
        found = read.latest_health_scores(None)
    assert {pk: s.score for pk, s in found.items()} == {
        people["acme"].pk: 80,
        people["globex"].pk: 35,
    }
    with django_assert_num_queries(1):
        one = read.latest_health_scores([people["globex"].pk, people["initech"].pk])
    assert {pk: s.score for pk, s in one.items()} == {people["globex"].pk: 35}


@pytest.mark.django_db
def test_with_health_and_latest_health_read_the_latest(django_assert_num_queries: Any) -> None:
    scored_history()
    with django_assert_num_queries(1):
        rows = {
            row["name"]: (row["health_score"], row["health_change_30d"], row["score_now"])
            for row in read.with_health(Customer.objects.all())
            .annotate(score_now=read.latest_health("score"))
            .values("name", "health_score", "health_change_30d", "score_now")
        }
    # acme: 80 now against 95 thirty days before; globex has no reference ~30 days back.
    assert rows == {"Acme": (80, -15, 80), "Globex": (35, None, 35), "Initech": (None, None, None)}


# --- the admin's snapshot list -------------------------------------------------------------

LIST = "/admin/customers/healthscore/"


@pytest.mark.django_db
def test_the_snapshot_list_shows_the_flagged_rows_newest_first(
    staff: Any, django_assert_max_num_queries: Any
) -> None:
    acme, globex, initech = make_customer(), make_customer(), make_customer()
    snapshot(acme, T0 - timedelta(days=7))
    acme_now = snapshot(acme, T0)
    snapshot(acme, T0 - timedelta(days=14))  # back-dated, written last
    first = snapshot(globex, T0)  # the same moment as acme's: the newer pk is listed first
    globex_now = snapshot(globex, T0)
    initech_now = snapshot(initech, T0 - timedelta(days=1))
    with django_assert_max_num_queries(8):
        page = staff.get(LIST)
    assert page.status_code == 200
    shown = [s.pk for s in page.context["cl"].result_list]
    assert shown == [globex_now.pk, acme_now.pk, initech_now.pk]
    assert first.pk not in shown


@pytest.mark.django_db
def test_the_model_version_filter_offers_the_health_models_and_refuses_a_non_number(
    staff: Any,
) -> None:
    acme = make_customer()
    old = snapshot(acme, T0 - timedelta(days=7), model_version=1)
    new = snapshot(acme, T0, model_version=2)
    HealthModel.objects.get_or_create(version=2, defaults={"active": False})
    page = staff.get(LIST, {"show": "all", "model_version": "1"})
    assert [s.pk for s in page.context["cl"].result_list] == [old.pk]
    page = staff.get(LIST, {"model_version": "2"})
    assert [s.pk for s in page.context["cl"].result_list] == [new.pk]
    versions = {
        choice["display"]
        for spec in page.context["cl"].filter_specs
        if spec.title == "model version"
        for choice in spec.choices(page.context["cl"])
    }
    assert versions == {"All", "1", "2"}
    for bad in ("abc", "\u00b2", "1.5"):
        refused = staff.get(LIST, {"model_version": bad})
        assert refused.status_code == 302, bad
        assert refused["Location"].endswith("?e=1")
