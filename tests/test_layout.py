"""Every domain app keeps the one layout written in the README ("Layout"), so a newcomer finds
a write, a read, a measure or an endpoint in the same place in every app."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOMAIN_APPS = ("customers", "product", "operations", "finance", "sales", "marketing", "webhooks")

REQUIRED = ("apps.py", "models.py", "admin.py", "choices.py", "errors.py", "read.py", "api/urls.py")
# Modules a domain app may have at its top level, each with one job (README "Layout").
ALLOWED_MODULES = {
    "__init__",
    "apps",
    "models",
    "admin",
    "choices",
    "errors",
    "read",
    "services",
    "selectors",
    "measures",
    "handlers",
    "tasks",
    "bulk_schema",
}
ALLOWED_PACKAGES = {"api", "migrations", "services", "selectors", "management"}
# Sub-domains with their own services and selectors, named in the README.
CONCEPT_PACKAGES = {
    ("customers", "health"),
    ("operations", "workflows"),
    ("finance", "renewals"),
    ("marketing", "signals"),
    ("marketing", "campaigns"),
    ("marketing", "journey"),
}
# Registry modules: one that lets a lower app read what a higher app offers, and the
# webhooks event catalogue; product's look-back constants, which the settings import (README).
EXTRA_MODULES = {("customers", "facts"), ("webhooks", "catalogue"), ("product", "lookback")}
# A services or selectors module past this becomes a package split along its concepts.
MAX_MODULE_LINES = 400  # the README says ~300: past that, plan the split


@pytest.mark.parametrize("app", DOMAIN_APPS)
def test_each_domain_app_has_the_standard_modules(app: str) -> None:
    missing = [name for name in REQUIRED if not (ROOT / app / name).exists()]
    views = list((ROOT / app / "api").glob("*views.py"))
    assert not missing, f"{app} lacks {missing}"
    assert views, f"{app}/api has no views module"


def outside_the_layout(app: str, app_dir: Path) -> list[str]:
    unexpected = []
    for path in sorted(app_dir.iterdir()):
        if path.name.startswith((".", "__pycache__")):
            continue
        if path.is_dir():
            known = path.name in ALLOWED_PACKAGES or (app, path.name) in CONCEPT_PACKAGES
            if not known:
                unexpected.append(f"{path.name}/")
        elif path.suffix == ".py":
            known = path.stem in ALLOWED_MODULES or (app, path.stem) in EXTRA_MODULES
            if not known:
                unexpected.append(path.name)
    return unexpected


@pytest.mark.parametrize("app", DOMAIN_APPS)
def test_each_domain_app_has_nothing_outside_the_layout(app: str) -> None:
    unexpected = outside_the_layout(app, ROOT / app)
    assert not unexpected, (
        f"{app} has {unexpected}: put the code in the module the README's Layout table names, "
        "or add a concept package there and here"
    )


@pytest.mark.parametrize("app", DOMAIN_APPS)
def test_services_and_selectors_modules_stay_small(app: str) -> None:
    too_long = []
    for name in ("services.py", "selectors.py"):
        for path in (ROOT / app).rglob(name):
            lines = len(path.read_text().splitlines())
            if lines > MAX_MODULE_LINES:
                too_long.append(f"{path.relative_to(ROOT)} ({lines} lines)")
    assert not too_long, f"split into a package along its concepts: {too_long}"


def test_the_layout_check_reports_strays(tmp_path: Path) -> None:
    for name in ("models.py", "utils.py", "helpers/", "api/"):
        target = tmp_path / name.rstrip("/")
        target.mkdir() if name.endswith("/") else target.write_text("")
    assert outside_the_layout("finance", tmp_path) == ["helpers/", "utils.py"]
