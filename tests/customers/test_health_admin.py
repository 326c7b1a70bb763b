"""Health in the admin (issue 15): the snapshot list (latest per customer, read-only, no ids
in titles), its detail (components and reasons), the "Recompute health now" action, the
`recompute_health` command and the rescore offered after saving a health model."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from customers.models import Customer, HealthModel, HealthRecomputeRun, HealthScore
from tests.admin_forms import admin_form_data
from tests.customers.factories import CustomerFactory
from tests.operations.factories import SupportTicketFactory

LIST = "/admin/customers/healthscore/"
M = "\u2212"


def snapshot(customer: Customer, day: int, score: int, grade: str, **components: Any) -> Any:
    return HealthScore.objects.create(
        customer=customer,
        computed_at=datetime(2026, 11, day, 23, 0, tzinfo=UTC),
        as_of=datetime(2026, 11, day).date(),
        score=score,
        grade=grade,
        components=components,
        model_version=1,
    )


def make_customer(**fields: Any) -> Customer:
    return cast(Customer, CustomerFactory(**fields))


SUPPORT_3_URGENT = {
    "score": 40.0,
    "weight": 1.0,
    "effective_weight": 1.0,
    "inputs": {"open_high_tickets": 0, "open_urgent_tickets": 3, "trend_penalty": 0.0},
    "reason": None,
}


def two_weeks_of(count: int) -> list[Customer]:
    """`count` customers with an old and a newer snapshot each."""
    customers = []
    for n in range(count):
        customer = make_customer(name=f"Account {n:03d}")
        snapshot(customer, 1, 90, "healthy")
        snapshot(customer, 8, 40, "critical", support=SUPPORT_3_URGENT)
        customers.append(customer)
    return customers


@pytest.mark.django_db
def test_the_list_shows_the_latest_snapshot_per_customer_by_default(staff: Any) -> None:
    acme = make_customer(name="Acme Corp", customer_id="acme")
    snapshot(acme, 1, 90, "healthy")
    latest = snapshot(acme, 8, 40, "critical")
    other = make_customer(name="Beta Ltd", customer_id="beta")
    snapshot(other, 8, 80, "healthy")

    page = staff.get(LIST)
    assert page.status_code == 200
    shown = list(page.context["cl"].result_list)
    assert sorted(s.pk for s in shown) == sorted([latest.pk, other.health_scores.get().pk])
    text = page.content.decode()
    assert "Latest per customer" in text
    assert "All snapshots" in text
    assert "Acme Corp" in text
    assert "acme" in text
    assert ">critical</span>" in text

    recovered = make_customer(name="Gamma Inc")
    snapshot(recovered, 1, 30, "critical")
    snapshot(recovered, 8, 85, "healthy")
    critical = staff.get(LIST, {"grade": "critical"})
    assert [s.customer.name for s in critical.context["cl"].result_list] == ["Acme Corp"]

    every = staff.get(LIST, {"show": "all"})
    assert len(every.context["cl"].result_list) == 5  # history still reachable
    assert staff.get(LIST, {"show": "nonsense"}).status_code == 200


@pytest.mark.django_db
def test_snapshots_are_read_only_and_titled_without_ids(staff: Any) -> None:
    acme = make_customer(name="Acme Corp")
    row = snapshot(acme, 8, 40, "critical", support=SUPPORT_3_URGENT)
    assert staff.get(f"{LIST}add/").status_code == 403
    detail = staff.get(f"{LIST}{row.pk}/change/")
    assert detail.status_code == 200
    text = detail.content.decode()
    assert "Acme Corp — 40 (critical) on 2026-11-08" in text
    assert f"#{row.pk}" not in text
    assert f"({row.pk})" not in text
    # components as a table and the reason in words: 1.0 × (100 − 40) = 60 points
    assert "<th>measure</th>" in text
    assert "effective weight" in text
    assert f"support: 3 urgent tickets open ({M}60)" in text
    assert 'name="_save"' not in text  # nothing to save
    before = HealthScore.objects.count()
    staff.post(f"{LIST}{row.pk}/change/", {"score": 99})
    staff.post(f"{LIST}{row.pk}/delete/", {"post": "yes"})
    staff.post(LIST, {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"})
    assert HealthScore.objects.count() == before
    assert HealthScore.objects.get(pk=row.pk).score == 40
    assert staff.get(f"{LIST}999999/change/").status_code in (302, 404)


@pytest.mark.django_db
@pytest.mark.parametrize("size", [3, 30])
def test_snapshot_pages_have_bounded_queries(
    staff: Any, django_assert_max_num_queries: Callable[..., Any], size: int
) -> None:
    customers = two_weeks_of(size)
    # session, user, the page's rows, the filter's and date hierarchy's reads: the same at
    # 3 and 30 customers
    with django_assert_max_num_queries(7):
        page = staff.get(LIST)
    assert len(page.context["cl"].result_list) == size
    with django_assert_max_num_queries(7):
        assert staff.get(LIST, {"show": "all"}).status_code == 200
    row = latest(customers[-1])
    with django_assert_max_num_queries(5):
        assert staff.get(f"{LIST}{row.pk}/change/").status_code == 200
    HealthRecomputeRun.objects.create(model_version=1, total=size, done=size)
    with django_assert_max_num_queries(6):  # the health models and the latest rescore
        assert staff.get("/admin/customers/healthmodel/").status_code == 200
    with django_assert_max_num_queries(5):
        assert staff.get("/admin/customers/healthmodel/rescore/").status_code == 200


@pytest.mark.django_db
def test_no_add_on_events_and_idempotency_records(staff: Any) -> None:
    for model in ("event", "idempotencyrecord", "healthscore"):
        assert staff.get(f"/admin/integrations/{model}/add/").status_code in (403, 404)
        listing = staff.get(
            f"/admin/{'customers' if model == 'healthscore' else 'integrations'}/{model}/"
        )
        assert listing.status_code == 200
        assert f"/{model}/add/" not in listing.content.decode()


# --- recompute -----------------------------------------------------------------------------


@pytest.fixture
def support_only() -> HealthModel:
    """The support measure alone: 3 urgent open tickets opened 70 days ago (no growth in the
    30-day windows) give 100 − min(60, 3 × 25) = 40, critical; no ticket gives 100."""
    HealthModel.objects.update(active=False)
    return HealthModel.objects.create(
        version=50, weights={"support": 1.0}, critical_below=50, at_risk_below=75, active=True
    )


def urgent_tickets(customer: Customer, count: int) -> None:
    for _ in range(count):
        SupportTicketFactory(
            customer=customer,
            priority="urgent",
            status="open",
            opened_at=timezone.now() - timedelta(days=70),
        )


def fleet() -> dict[str, Customer]:
    """worse: healthy 100 before, now 3 urgent tickets (40, critical); better: at risk 60
    before, now 100 healthy; new: never scored (100); gone: churned (skipped)."""
    worse = make_customer(customer_id="worse")
    urgent_tickets(worse, 3)
    snapshot(worse, 1, 100, "healthy")
    better = make_customer(customer_id="better")
    snapshot(better, 1, 60, "at_risk")
    new = make_customer(customer_id="new")
    gone = make_customer(customer_id="gone", status="churned", churned_at=timezone.now())
    return {"worse": worse, "better": better, "new": new, "gone": gone}


def latest(customer: Customer) -> HealthScore:
    return customer.health_scores.order_by("-computed_at", "-pk")[0]


@pytest.mark.django_db
def test_recompute_action_reports_what_changed(staff: Any, support_only: HealthModel) -> None:
    people = fleet()
    response = staff.post(
        "/admin/customers/customer/",
        {"action": "recompute_health", "_selected_action": [c.pk for c in people.values()]},
        follow=True,
    )
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert messages == [
        "Recomputed 3 customers: 2 changed grade (1 worse, 1 better), 2 changed score, "
        "1 scored for the first time, 1 churned skipped (not scored)."
    ]
    assert (latest(people["worse"]).score, latest(people["worse"]).grade) == (40, "critical")
    assert (latest(people["better"]).score, latest(people["better"]).grade) == (100, "healthy")
    assert latest(people["new"]).model_version == 50
    assert not people["gone"].health_scores.exists()


@pytest.mark.django_db
def test_recompute_command_scores_active_customers(
    support_only: HealthModel, capsys: pytest.CaptureFixture[str]
) -> None:
    people = fleet()
    call_command("recompute_health")
    out, err = capsys.readouterr()
    assert out.strip() == (
        "Recomputed 3 customers: 2 changed grade (1 worse, 1 better), 2 changed score, "
        "1 scored for the first time."
    )
    assert "3/3" in err
    assert "customers" in err
    assert not people["gone"].health_scores.exists()

    call_command("recompute_health", "--customer", "worse", "--customer", "gone")
    out, _ = capsys.readouterr()
    assert out.strip() == (
        "Recomputed 1 customer: 0 changed grade (0 worse, 0 better), 0 changed score, "
        "1 churned skipped (not scored)."
    )
    with pytest.raises(CommandError, match="No customer with customer_id nope, nada"):
        call_command(
            "recompute_health", "--customer", "nope", "--customer", "worse", "--customer", "nada"
        )


# --- rescore everyone after a model change ------------------------------------------------


@pytest.mark.django_db
def test_saving_a_model_offers_a_rescore_that_runs_in_the_background(
    staff: Any,
    support_only: HealthModel,
    django_capture_on_commit_callbacks: Any,
    eager_tasks: None,
) -> None:
    people = fleet()
    extra = [make_customer() for _ in range(3)]
    HealthScore.objects.create(
        customer=people["new"],
        computed_at=timezone.now() - timedelta(days=1),
        as_of=timezone.localdate(),
        score=100,
        grade="healthy",
        model_version=50,
    )  # version 50 has scored: the change below becomes version 51
    url = f"/admin/customers/healthmodel/{support_only.pk}/change/"
    saved = staff.post(
        url,
        {**admin_form_data(staff, url), "critical_below": 45, "active": "on"},
        follow=True,
    )
    new = HealthModel.objects.get(active=True)
    assert new.version == 51
    text = saved.content.decode()
    assert "Rescore every customer now" in text
    assert "/admin/customers/healthmodel/rescore/" in text

    confirm = staff.get("/admin/customers/healthmodel/rescore/")
    assert confirm.status_code == 200
    assert "Score all 6 active customers now" in confirm.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        started = staff.post("/admin/customers/healthmodel/rescore/")
    run = HealthRecomputeRun.objects.get()
    assert started.status_code == 302
    assert started["Location"] == f"/admin/customers/healthmodel/rescore/{run.pk}/"
    active = Customer.objects.filter(status="active")
    assert (run.total, run.done, run.model_version) == (6, 6, 51)
    assert run.finished_at is not None
    assert run.requested_by == "admin"
    assert not run.error
    for customer in active:
        assert latest(customer).model_version == 51
    assert latest(people["worse"]).grade == "critical"  # 40 < 45
    assert not people["gone"].health_scores.exists()
    assert len(extra) == 3

    progress = staff.get(started["Location"])
    text = progress.content.decode()
    assert "Rescored: 6 / 6" in text
    assert 'http-equiv="refresh"' not in text
    # times as the dashboard shows them ("9:47 p.m.." read badly)
    when = timezone.localtime(run.finished_at).strftime("%Y-%m-%d %H:%M")
    assert f"finished at {when}." in text
    listing = staff.get("/admin/customers/healthmodel/").content.decode()
    assert "Rescored: 6 / 6" in listing


@pytest.mark.django_db
def test_rescore_pages_refuse_bad_input(
    staff: Any, client: Any, support_only: HealthModel, django_user_model: Any
) -> None:
    assert staff.get("/admin/customers/healthmodel/rescore/999999/").status_code == 404
    assert staff.get("/admin/customers/healthmodel/rescore/abc/").status_code in (302, 404)
    running = HealthRecomputeRun.objects.create(model_version=50, total=10, done=4)
    page = staff.get(f"/admin/customers/healthmodel/rescore/{running.pk}/").content.decode()
    assert "Rescore queued: 4 / 10" in page
    assert 'http-equiv="refresh"' in page
    again = staff.post("/admin/customers/healthmodel/rescore/")  # one at a time
    assert again["Location"] == f"/admin/customers/healthmodel/rescore/{running.pk}/"
    assert HealthRecomputeRun.objects.count() == 1

    clerk = django_user_model.objects.create_user("clerk", password="pw", is_staff=True)
    client.force_login(clerk)
    assert client.post("/admin/customers/healthmodel/rescore/").status_code == 403
    assert client.get(f"/admin/customers/healthmodel/rescore/{running.pk}/").status_code == 403


@pytest.mark.django_db
def test_a_failing_rescore_is_shown_not_a_500(
    staff: Any,
    support_only: HealthModel,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
    eager_tasks: None,
) -> None:
    from customers.health import rescore

    make_customer()

    def broken(**_: Any) -> None:
        raise RuntimeError("measure exploded")

    monkeypatch.setattr(rescore, "health_recompute", broken)
    with django_capture_on_commit_callbacks(execute=True):
        started = staff.post("/admin/customers/healthmodel/rescore/")
    assert started.status_code == 302
    run = HealthRecomputeRun.objects.get()
    assert run.finished_at is not None
    assert run.error == "RuntimeError: measure exploded"
    page = staff.get(started["Location"]).content.decode()
    assert "Rescore failed: 0 / 1" in page
    assert "measure exploded" in page


@pytest.mark.django_db
def test_recompute_action_needs_the_change_permission(
    client: Any, support_only: HealthModel, django_user_model: Any
) -> None:
    from django.contrib.auth.models import Permission

    people = fleet()
    viewer = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_customer"))
    client.force_login(viewer)
    page = client.get("/admin/customers/customer/")
    assert page.status_code == 200
    assert "recompute_health" not in page.content.decode()
    client.post(
        "/admin/customers/customer/",
        {"action": "recompute_health", "_selected_action": [people["new"].pk]},
    )
    assert not people["new"].health_scores.exists()
