"""The read-API rule (DESIGN.md section 2): a higher app reads a lower app only through the
lower app's public read module (`<app>/read.py`), and uses the lower app's models only for
foreign keys and type hints, never to query them (`Model.objects`). Import-linter checks the
imports of internal modules (pyproject, "Public read APIs"); this test checks the queries,
which import-linter cannot see."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Lowest first: an app may use the apps before it (DESIGN.md section 2).
LAYERS = ["customers", "product", "operations", "finance", "sales", "marketing", "webhooks"]
# The demo seeds write lower apps' rows directly; they move to their own app (issue 10 §5).
SKIPPED = ("demo", "migrations")
# Writes that must lock the lower app's row in the caller's transaction (select_for_update):
# a read API cannot hand out a lock. file -> models it may query.
LOCKS = {
    "operations/workflows/steps.py": {"Customer"},
    "operations/handlers.py": {"Customer"},
}


def _lower_models(tree: ast.Module, lower: set[str]) -> dict[str, str]:
    """Local name -> "app.Model" for every model imported from a lower app's models."""
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            app, _, rest = node.module.partition(".")
            if app in lower and rest == "models":
                for alias in node.names:
                    found[alias.asname or alias.name] = f"{app}.{alias.name}"
    return found


def query_violations(source: str, app: str, path: str = "") -> list[str]:
    lower = set(LAYERS[: LAYERS.index(app)])
    tree = ast.parse(source)
    models = _lower_models(tree, lower)
    allowed = LOCKS.get(path, set())
    return [
        f"{path}:{node.lineno} queries {models[node.value.id]}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr in {"objects", "_default_manager"}
        and isinstance(node.value, ast.Name)
        and node.value.id in models
        and node.value.id not in allowed
    ]


def test_higher_apps_query_lower_apps_only_through_their_read_module() -> None:
    violations = []
    for app in LAYERS[1:]:
        for file in sorted((ROOT / app).rglob("*.py")):
            rel = file.relative_to(ROOT).as_posix()
            if any(part in rel for part in SKIPPED) or file.name == "read.py":
                continue
            violations += query_violations(file.read_text(), app, rel)
    assert violations == []


def test_the_check_sees_a_direct_query() -> None:
    source = (
        "from customers.models import Customer, HealthScore\n"
        "def f(c: Customer) -> None:\n"
        "    HealthScore.objects.filter(customer=c)\n"
    )
    assert query_violations(source, "operations", "x.py") == [
        "x.py:3 queries customers.HealthScore"
    ]
    assert query_violations(source, "customers", "x.py") == []  # its own models
