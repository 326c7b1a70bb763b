"""The demo is its own app, installed by the local and test settings only: production settings
do not install it, no domain module imports it, and loading every domain module under
production settings loads no demo code (no registry filled from an AppConfig.ready())."""

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = ["config", "integrations", "customers", "product", "operations", "finance"]

# Under production settings: set Django up, import every module of every domain package, and
# report the installed apps, the management commands and every loaded module named demo*.
PROBE = """
import importlib, json, pkgutil, sys
import django
django.setup()
from django.conf import settings
from django.core.management import get_commands
for package in {packages!r}:
    module = importlib.import_module(package)
    for info in pkgutil.walk_packages(module.__path__, package + "."):
        if ".migrations." not in info.name and not info.name.endswith(".wsgi"):
            importlib.import_module(info.name)
print(json.dumps({{
    "apps": list(settings.INSTALLED_APPS),
    "commands": sorted(get_commands()),
    "demo_modules": sorted(
        m for m in sys.modules if any(p.startswith("demo") for p in m.split("."))
    ),
}}))
"""


def _production_probe() -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "probe-only",
        "DJANGO_ALLOWED_HOSTS": "cs-hub.example.com",
    }
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", PROBE.format(packages=DOMAIN)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_production_installs_no_demo_and_loads_no_demo_code() -> None:
    probe = _production_probe()
    assert not [app for app in probe["apps"] if app.split(".")[0] == "demo"]
    assert "seed_demo" not in probe["commands"]
    assert "demo_access" not in probe["commands"]
    assert probe["demo_modules"] == []


def test_local_and_test_settings_install_the_demo() -> None:
    from django.conf import settings

    assert "demo.apps.DemoConfig" in settings.INSTALLED_APPS
    local = (ROOT / "config/settings/local.py").read_text()
    assert '"demo.apps.DemoConfig"' in local
    for name in ("base.py", "production.py"):
        assert "demo" not in (ROOT / "config/settings" / name).read_text().lower(), name


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            names += [base] + [f"{base}.{alias.name}" for alias in node.names]
    return names


def test_no_domain_module_is_or_imports_demo_code() -> None:
    offenders = []
    for package in DOMAIN:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "demo" in path.stem:
                offenders.append(f"{relative}: a demo module inside a domain app")
            for name in _imports(path):
                if any(part.startswith("demo") for part in name.lstrip(".").split(".")):
                    offenders.append(f"{relative}: imports {name}")
    assert offenders == []
