"""Renewal-model fits racing each other (and an admin activation) on PostgreSQL: every fit gets
its own version number, exactly one version is active afterwards, and none fails."""

import threading
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from django.db import connection

from finance.models import RenewalModelVersion
from finance.renewals import services
from finance.renewals.prior import PRIOR_INTERCEPT, PRIOR_TERMS
from finance.renewals.services import FitReport, renewal_model_activate, renewal_model_fit
from tests.concurrency.test_concurrent_writes import race
from tests.finance.renewals.outcomes import FIT_DAY, build_outcomes

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 4


def reports(results: list[object]) -> list[FitReport]:
    for result in results:
        assert isinstance(result, FitReport), repr(result)
    return [r for r in results if isinstance(r, FitReport)]


def active_versions() -> list[int]:
    return list(
        RenewalModelVersion.objects.filter(is_active=True).values_list("version", flat=True)
    )


@pytest.fixture
def outcomes() -> None:
    # A transactional test starts from an empty database (the seeded prior was flushed by an
    # earlier one): seed it again as migration 0007 does.
    if not RenewalModelVersion.objects.filter(version=1).exists():
        RenewalModelVersion.objects.create(
            version=1,
            kind="prior",
            is_active=not RenewalModelVersion.objects.filter(is_active=True).exists(),
            intercept=PRIOR_INTERCEPT,
            terms=[dict(t) for t in PRIOR_TERMS],
        )
    build_outcomes(221)


@pytest.mark.usefixtures("outcomes")
def test_concurrent_fits_take_distinct_versions_and_leave_one_active() -> None:
    fit = partial(renewal_model_fit, as_of=FIT_DAY, activate="always")
    seen: set[int] = set()
    for _ in range(ROUNDS):
        found = reports(race(fit, fit))
        versions = [r.new_version for r in found]
        assert None not in versions
        assert len(set(versions)) == 2, versions
        assert seen.isdisjoint(versions)
        seen.update(v for v in versions if v is not None)
        assert all(r.activated for r in found)
        assert active_versions() == [max(v for v in versions if v is not None)]
    assert sorted(seen) == list(range(2, 2 + 2 * ROUNDS))


@pytest.mark.usefixtures("outcomes")
def test_if_better_compares_with_the_version_a_racing_fit_activated() -> None:
    fit = partial(renewal_model_fit, as_of=FIT_DAY, activate="if_better")
    found = reports(race(fit, fit))
    # Both fits are the same model: the first beats the prior, the second only ties with it.
    assert sorted(r.activated for r in found) == [False, True]
    winner = next(r for r in found if r.activated)
    loser = next(r for r in found if not r.activated)
    assert active_versions() == [winner.new_version]
    assert loser.active_version == winner.new_version
    assert [s.role for s in loser.scores][-1] == "active"
    assert loser.scores[-1].version == winner.new_version


@pytest.mark.usefixtures("outcomes")
def test_a_fit_racing_an_admin_activation_leaves_one_active() -> None:
    renewal_model_fit(as_of=FIT_DAY, activate="never")  # v2, inactive
    for _ in range(ROUNDS):
        renewal_model_activate(version=1)
        results = race(
            partial(renewal_model_fit, as_of=FIT_DAY, activate="always"),
            partial(renewal_model_activate, version=2),
        )
        assert not any(isinstance(r, BaseException) for r in results), results
        assert len(active_versions()) == 1


@pytest.mark.usefixtures("outcomes")
def test_an_activation_between_reading_and_locking_the_active_version(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The fit has read v1 as active; an admin makes v2 active before the fit locks v1. The fit
    must notice (v1 is no longer active once locked), score v2 too and replace it, not
    activate beside it (a unique violation)."""
    renewal_model_fit(as_of=FIT_DAY, activate="never")  # v2, inactive
    read, done = threading.Event(), threading.Event()
    real_lock = services.lock

    def paused_lock(instance: Any, *, missing: Exception) -> Any:
        if threading.current_thread().name == "fit" and not read.is_set():
            read.set()  # the fit has read the active version; let the admin act now
            assert done.wait(timeout=30)
        return real_lock(instance, missing=missing)

    monkeypatch.setattr(services, "lock", paused_lock)
    results: dict[str, Any] = {}

    def run(name: str, call: Callable[[], Any]) -> None:
        try:
            results[name] = call()
        except Exception as exc:  # asserted below
            results[name] = exc
        finally:
            if name == "admin":
                done.set()
            connection.close()

    def admin() -> Any:
        assert read.wait(timeout=30)
        return renewal_model_activate(version=2)

    fit = partial(renewal_model_fit, as_of=FIT_DAY, activate="always")
    threads = [
        threading.Thread(target=run, args=("fit", fit), name="fit"),
        threading.Thread(target=run, args=("admin", admin), name="admin"),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    report = results["fit"]
    assert isinstance(report, FitReport), repr(report)
    assert results["admin"].version == 2
    assert [(s.version, s.role) for s in report.scores] == [(3, "new"), (1, "prior"), (2, "active")]
    assert (report.activated, report.active_version) == (True, 3)
    assert active_versions() == [3]
