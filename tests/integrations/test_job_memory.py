"""integrations.job_memory: a whole-population job's work_mem on PostgreSQL, for its block
only; DB_JOB_WORK_MEM read and refused at load."""

from typing import Any
from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction

from config.settings.base import _env_memory
from customers.health import services as health_services
from customers.health.services import health_recompute
from integrations.job_memory import JOB_SIZE, job_memory
from tests.customers.factories import CustomerFactory

pg = pytest.mark.skipif("connection.vendor != 'postgresql'")


def _work_mem() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW work_mem")
        return str(cursor.fetchone()[0])


@pg
@pytest.mark.django_db
def test_a_job_gets_the_memory_for_its_block_only(settings: Any) -> None:
    settings.CS_HUB_JOB_WORK_MEM = "48MB"
    with transaction.atomic():  # a request's transaction around it: not inherited after
        before = _work_mem()
        assert before != "48MB"
        with job_memory(None):
            assert _work_mem() == "48MB"
        assert _work_mem() == before
        with job_memory(JOB_SIZE + 1):
            assert _work_mem() == "48MB"
        assert _work_mem() == before


@pg
@pytest.mark.django_db
def test_small_sets_and_an_empty_setting_change_nothing(
    settings: Any, django_assert_num_queries: Any
) -> None:
    settings.CS_HUB_JOB_WORK_MEM = "48MB"
    before = _work_mem()
    with django_assert_num_queries(0), job_memory(JOB_SIZE):
        pass
    settings.CS_HUB_JOB_WORK_MEM = ""
    with job_memory(None):
        assert _work_mem() == before


@pg
@pytest.mark.django_db
def test_an_error_in_the_block_rolls_the_setting_back(settings: Any) -> None:
    settings.CS_HUB_JOB_WORK_MEM = "48MB"
    with transaction.atomic():
        before = _work_mem()
        inside: list[str] = []

        def failing_job() -> None:
            with job_memory(None):
                inside.append(_work_mem())
                raise ZeroDivisionError

        with pytest.raises(ZeroDivisionError):
            failing_job()
        assert inside == ["48MB"]
        assert _work_mem() == before  # and the outer transaction still works


@pg
@pytest.mark.django_db
def test_the_full_recompute_reads_with_the_job_memory(settings: Any) -> None:
    settings.CS_HUB_JOB_WORK_MEM = "48MB"
    CustomerFactory.create()
    seen: list[str] = []
    real = health_services.compute_health

    def compute(*args: Any) -> Any:
        seen.append(_work_mem())
        return real(*args)

    with mock.patch.object(health_services, "compute_health", compute):
        health_recompute()  # every customer: None
        health_recompute(customer_pks=[CustomerFactory.create().pk])  # one: as before
    assert seen[0] == "48MB"
    assert seen[1] != "48MB"


@pytest.mark.django_db
def test_off_postgresql_nothing_runs(django_assert_num_queries: Any, settings: Any) -> None:
    if connection.vendor == "postgresql":
        pytest.skip("the SQLite side")
    settings.CS_HUB_JOB_WORK_MEM = "48MB"
    with django_assert_num_queries(0), job_memory(None):
        pass


@pytest.mark.parametrize(
    ("value", "read"), [(None, "64MB"), ("128MB", "128MB"), (" 512kB ", "512kB"), ("", "")]
)
def test_the_setting_is_read(monkeypatch: pytest.MonkeyPatch, value: str | None, read: str) -> None:
    if value is None:
        monkeypatch.delenv("DB_JOB_WORK_MEM", raising=False)
    else:
        monkeypatch.setenv("DB_JOB_WORK_MEM", value)
    assert _env_memory("DB_JOB_WORK_MEM", "64MB") == read


@pytest.mark.parametrize("value", ["64", "64mb", "0MB", "-1MB", "1TB", "64 MB", "1e3MB", "abc"])
def test_a_bad_setting_is_refused(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("DB_JOB_WORK_MEM", value)
    with pytest.raises(ImproperlyConfigured) as refused:
        _env_memory("DB_JOB_WORK_MEM", "64MB")
    assert (
        str(refused.value) == f"DB_JOB_WORK_MEM={value!r}: must be a size such as 64MB, or empty."
    )
