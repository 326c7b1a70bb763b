"""Schemathesis over the whole published schema: no 5xx, and every response matches the
schema (body shape and declared status codes). Later endpoints fall under it automatically.

Requests commit as in production (no test transaction around them: on-commit work runs, a
write that needs a transaction must open one). The database is emptied once after the module,
not after each operation: on PostgreSQL each emptying (TRUNCATE of every table, then the
content types and permissions again) cost more than the operation's fuzzing. So an operation
also meets the rows earlier operations' cases created, which its responses must survive too.
"""

from collections.abc import Iterator
from importlib import import_module
from typing import Any

import pytest
import schemathesis
from django.apps import apps
from django.core.management import call_command
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from integrations.models import ApiKey
from integrations.scopes import ALL_SCOPES

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


MIGRATION_SEEDS = (
    ("customers.migrations.0003_default_health_model", "create_default"),
    ("finance.migrations.0007_seed_renewal_prior", "seed_prior"),
    ("marketing.migrations.0002_campaigns_seed_priors", "seed_priors"),
    ("marketing.migrations.0003_journey_defaults", "seed_defaults"),
)


def flush_and_reseed() -> None:
    """Empty the database as a transactional test does, then put back the rows migrations
    seed, which later tests rely on: the default health model, the documented renewal prior
    (the active renewal model), the campaign priors and the journey defaults."""
    call_command("flush", interactive=False)
    for module, seed in MIGRATION_SEEDS:
        getattr(import_module(module), seed)(apps, None)


@pytest.fixture(scope="module")
def full_scope_key(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    """A key holding every scope; the module's cases run with the database open and
    committing (as under `transactional_db`), and it is emptied once at the end."""
    with django_db_blocker.unblock():
        _, raw = ApiKey.objects.create_key(name="fuzz", scopes=list(ALL_SCOPES))
        yield raw
        flush_and_reseed()


def _not_a_server_error(ctx: Any, response: Any, case: Any) -> None:
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text}"


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case: Any, full_scope_key: str) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Api-Key {full_scope_key}"},
        checks=[_not_a_server_error, response_schema_conformance, status_code_conformance],
    )
