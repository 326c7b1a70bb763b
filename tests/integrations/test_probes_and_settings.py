import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

ROOT = Path(__file__).resolve().parents[2]


def test_healthz_is_always_ok() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_reports_database_and_skips_an_unconfigured_broker(settings: Any) -> None:
    settings.CELERY_BROKER_URL = ""
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok"}


@pytest.mark.django_db
def test_readyz_is_503_naming_the_broker_when_it_is_unreachable(settings: Any) -> None:
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["broker"]
    assert response.json()["checks"]["database"] == "ok"


def test_unknown_api_path_is_a_json_404() -> None:
    response = Client().get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE"))}
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_fail_fast_without_a_secret_key() -> None:
    result = _manage(
        "check",
        env={
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_ALLOWED_HOSTS": "cs.example.com",
        },
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_settings_pass_the_deploy_check() -> None:
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": "k" * 20 + "-a-long-random-production-secret-9f8e7d6c5b4a",
            "DJANGO_ALLOWED_HOSTS": "cs.example.com",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_docs_are_served_without_a_cdn() -> None:
    for url in ("/api/docs/", "/api/redoc/"):
        response = Client().get(url)
        assert response.status_code == 200
        assert b"drf_spectacular_sidecar" in response.content, url
        assert b"cdn.jsdelivr" not in response.content
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    assert "/api/v1/customers/bulk" in schema.json()["paths"]


def test_api_keeps_serving_when_the_cache_redis_is_down(api: APIClient, settings: Any) -> None:
    from django.core.cache import caches

    if "django_redis" not in settings.CACHES["default"]["BACKEND"]:
        pytest.skip("the cache is Redis only when REDIS_URL is set (CI's Redis run)")
    dead = {
        **settings.CACHES["default"],
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
    }
    settings.CACHES = {"default": dead}
    try:
        response = api.get("/api/v1/customers")
        assert response.status_code == 200  # throttling failed open
    finally:
        caches["default"].close()


_PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "k" * 20 + "-a-long-random-production-secret-9f8e7d6c5b4a",
    "DJANGO_ALLOWED_HOSTS": "cs.example.com",
}


@pytest.mark.parametrize("hosts", ["*", "cs.example.com,*", ".example.com,*.example.org"])
def test_production_refuses_wildcard_allowed_hosts(hosts: str) -> None:
    result = _manage("check", env={**_PRODUCTION, "DJANGO_ALLOWED_HOSTS": hosts})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_ALLOWED_HOSTS may not contain '*'" in result.stderr


@pytest.mark.parametrize(
    ("trusted", "expected"),
    [(None, "None"), ("false", "None"), ("true", "('HTTP_X_FORWARDED_PROTO', 'https')")],
)
def test_production_trusts_x_forwarded_proto_only_behind_a_declared_proxy(
    trusted: str | None, expected: str
) -> None:
    env = {**_PRODUCTION, **({"DJANGO_TRUSTED_PROXY": trusted} if trusted else {})}
    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings as s; print(s.SECURE_PROXY_SSL_HEADER)",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected
