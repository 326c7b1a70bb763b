"""bench/run.py's working copy (PostgreSQL only): a run writes into `<prefix>run_<scale>`, a
CREATE DATABASE ... TEMPLATE copy of the shared data set, never into the data set itself; a
session left on the data set is named in a clear exit rather than failing the copy bare."""

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import run

pytestmark = pytest.mark.postgres


def _server() -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"


@pytest.fixture
def source() -> Iterator[tuple[str, str]]:
    """A small stand-in data set: 3 rows in one table. Named after the test database, so
    parallel runs (and other sessions' data sets) are not touched."""
    server = _server()
    name = f"{settings.DATABASES['default']['NAME']}_wcsrc"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(f"{server}/{name}", autocommit=True) as conn:
        conn.execute("CREATE TABLE t (n integer)")
        conn.execute("INSERT INTO t VALUES (1), (2), (3)")
    yield server, name
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'DROP DATABASE IF EXISTS "{name}_run_7" WITH (FORCE)')


def _sum(server: str, name: str) -> int:
    with psycopg.connect(f"{server}/{name}") as conn:
        row = conn.execute("SELECT sum(n) FROM t").fetchone()
    assert row is not None
    return int(row[0])


def _exists(server: str, name: str) -> bool:
    with psycopg.connect(f"{server}/postgres") as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return found.fetchone() is not None


def test_a_run_writes_into_its_copy_and_the_copy_is_dropped(
    source: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    server, name = source
    args = argparse.Namespace(pg=server, db_prefix=f"{name}_", scale=7)
    copy, seconds = run.working_copy(args, name)
    assert copy == f"{name}_run_7"
    assert seconds >= 0
    assert f"bench: {name} is 0.0" in capsys.readouterr().out  # its size, before copying
    assert _sum(server, copy) == 6
    with psycopg.connect(f"{server}/{copy}", autocommit=True) as conn:
        conn.execute("INSERT INTO t VALUES (10)")
    assert (_sum(server, copy), _sum(server, name)) == (16, 6)  # the data set untouched

    # a leftover copy (a run killed by SIGKILL) is replaced: the next run starts from 6 again
    assert run.working_copy(args, name)[0] == copy
    assert _sum(server, copy) == 6

    run.drop_copy(server, copy)
    assert not _exists(server, copy)
    assert _exists(server, name)


def test_a_session_on_the_data_set_is_named_when_it_blocks_the_copy(
    source: tuple[str, str],
) -> None:
    server, name = source
    with psycopg.connect(f"{server}/{name}") as holder:
        holder.execute("SET application_name = 'someone-reading'")
        pid = holder.info.backend_pid
        with (
            psycopg.connect(f"{server}/postgres", autocommit=True) as admin,
            pytest.raises(SystemExit) as exit_,
        ):
            run.create_copy(admin, name, f"{name}_run_7", wait=1.5)
    message = str(exit_.value.code)
    assert f"cannot copy {name}" in message
    assert f"pid {pid} (" in message
    assert "someone-reading" in message
    assert not _exists(server, f"{name}_run_7")
