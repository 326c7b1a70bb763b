"""Production serves its own static files (WhiteNoise), every page carries a
Content-Security-Policy, and the API docs load nothing from outside."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.test import APIClient

ROOT = Path(__file__).resolve().parents[2]
EXTERNAL_URL = re.compile(rb"""(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}""", re.IGNORECASE)

# Runs under the production settings: collects the static files, then fetches the admin's and
# Swagger UI's stylesheets and scripts the pages link to, through the app itself.
_SERVE_SCRIPT = r"""
import json, re
import django
django.setup()
from django.core.management import call_command
from django.test import Client

call_command("collectstatic", "--noinput", verbosity=0)
client = Client(HTTP_HOST="cs.example.com")
out = {}
pages = {
    "admin": "/admin/login/",
    "docs": "/api/docs/",
    "redoc": "/api/redoc/",
    "api": "/api/v1/customers",
}
for name, url in pages.items():
    response = client.get(url, secure=True)
    csp = response.get("Content-Security-Policy", "")
    out[name] = {"status": response.status_code, "csp": csp}
    if name in ("admin", "docs", "redoc"):
        page = response.content.decode()
        out[name]["assets"] = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
fetched = {}
for name in ("admin", "docs", "redoc"):
    for asset in out[name]["assets"]:
        response = client.get(asset, secure=True, HTTP_ACCEPT_ENCODING="gzip")
        fetched[asset] = {
            "status": response.status_code,
            "encoding": response.get("Content-Encoding", ""),
            "cache": response.get("Cache-Control", ""),
        }
out["fetched"] = fetched
print(json.dumps(out))
"""


def test_production_serves_admin_and_swagger_assets_with_whitenoise(tmp_path: Path) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE"))}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", _SERVE_SCRIPT],
        cwd=ROOT,
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": "k" * 20 + "-a-long-random-production-secret-9f8e7d6c5b4a",
            "DJANGO_ALLOWED_HOSTS": "cs.example.com",
            "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["admin"]["status"] == 200
    assert out["docs"]["status"] == 200
    assert out["redoc"]["status"] == 200
    assert out["api"]["status"] == 401
    for page in ("admin", "docs", "redoc", "api"):
        assert "script-src 'self'" in out[page]["csp"], page

    # The pages link to content-hashed names (manifest storage) ...
    admin_css = [
        a for a in out["admin"]["assets"] if re.search(r"admin/css/base\.[0-9a-f]{12}\.css$", a)
    ]
    swagger_css = [
        a for a in out["docs"]["assets"] if re.search(r"swagger-ui\.[0-9a-f]{12}\.css$", a)
    ]
    swagger_js = [
        a for a in out["docs"]["assets"] if re.search(r"swagger-ui-bundle\.[0-9a-f]{12}\.js$", a)
    ]
    redoc_js = [a for a in out["redoc"]["assets"] if "redoc.standalone." in a]
    for found in (admin_css, swagger_css, swagger_js, redoc_js):
        assert found, out
    # ... which the app serves itself, compressed and cached for good.
    for asset in (*admin_css, *swagger_css, *swagger_js, *redoc_js):
        fetched = out["fetched"][asset]
        assert fetched["status"] == 200, asset
        assert fetched["encoding"] == "gzip", asset
        assert "immutable" in fetched["cache"], asset
    assert all(f["status"] == 200 for f in out["fetched"].values()), out["fetched"]


@pytest.mark.django_db
def test_every_kind_of_page_carries_a_content_security_policy(api: APIClient) -> None:
    staff = get_user_model().objects.create_user("boss", password="pw-123456", is_staff=True)
    signed_in = Client()
    signed_in.force_login(staff)
    responses = {
        "api": api.get("/api/v1/customers"),
        "api error": Client().get("/api/v1/customers"),
        "admin login": Client().get("/admin/login/"),
        "admin": signed_in.get("/admin/"),
        "schema": Client().get("/api/schema/"),
        "swagger": Client().get("/api/docs/"),
        "redoc": Client().get("/api/redoc/"),
    }
    for name, response in responses.items():
        policy = response.get("Content-Security-Policy", "")
        assert "default-src 'self'" in policy, name
        assert "object-src 'none'" in policy, name
        assert "frame-ancestors 'none'" in policy, name
        assert "'unsafe-eval'" not in policy, name
        assert re.search(r"script-src 'self'( 'nonce-[^']+')?;", policy + ";"), (name, policy)
    # ReDoc alone may start its search worker from a blob: URL.
    assert "worker-src 'self' blob:" in responses["redoc"]["Content-Security-Policy"]
    assert "blob:" not in responses["swagger"]["Content-Security-Policy"]


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_docs_load_nothing_from_outside_and_their_inline_scripts_carry_the_nonce(url: str) -> None:
    response = Client().get(url)
    assert response.status_code == 200
    assert EXTERNAL_URL.findall(response.content) == []  # no fonts, no CDN
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])
    assert nonce, response["Content-Security-Policy"]
    inline = re.findall(rb"<script(?![^>]*\bsrc=)([^>]*)>", response.content)
    assert inline, "the page starts its UI with an inline script"
    for attributes in inline:
        assert f'nonce="{nonce.group(1)}"'.encode() in attributes


def test_swagger_ui_sends_nothing_to_the_outside_validator() -> None:
    response = Client().get("/api/docs/")
    assert b'"validatorUrl": null' in response.content
