"""Shared fixtures: API clients holding scoped keys, and database-kind markers."""

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from integrations.models import ApiKey
from integrations.scopes import ALL_SCOPES

MakeClient = Callable[..., APIClient]


@pytest.fixture
def make_client(db: None) -> MakeClient:
    def make(*scopes: str, **key_fields: object) -> APIClient:
        _, raw = ApiKey.objects.create_key(
            name="test", scopes=list(scopes or ALL_SCOPES), **key_fields
        )
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
        client.raw_key = raw  # type: ignore[attr-defined]
        return client

    return make


@pytest.fixture
def api(make_client: MakeClient) -> APIClient:
    """A client whose key holds every scope."""
    return make_client()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    has_worker_env = bool(settings.CELERY_BROKER_URL) and on_postgres
    skip_worker = pytest.mark.skip(reason="needs PostgreSQL, Redis and CELERY_BROKER_URL")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_pg)
        if "worker" in item.keywords and not has_worker_env:
            item.add_marker(skip_worker)
