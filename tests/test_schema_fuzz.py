"""Schemathesis over the whole published schema: no 5xx, and every response matches the
schema (body shape and declared status codes). Later endpoints fall under it automatically."""

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from integrations.models import ApiKey
from integrations.scopes import ALL_SCOPES

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture
def full_scope_key(transactional_db: None) -> str:
    _, raw = ApiKey.objects.create_key(name="fuzz", scopes=list(ALL_SCOPES))
    return raw


def _not_a_server_error(ctx: Any, response: Any, case: Any) -> None:
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text}"


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case: Any, full_scope_key: str) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Api-Key {full_scope_key}"},
        checks=[_not_a_server_error, response_schema_conformance, status_code_conformance],
    )
