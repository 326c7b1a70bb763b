"""One definition per concept (issue 10 §2): a second copy of an id or slug pattern, a second
`Opportunity` class, a day-boundary helper outside `integrations/clock.py` or a health measure
missing from the README's formula table fails here."""

import ast
import re
from pathlib import Path

from customers.health.measures import registered_measures
from integrations import ids

ROOT = Path(__file__).resolve().parent.parent
APPS = ("integrations", "customers", "product", "operations", "finance", "config")


def _sources() -> list[tuple[str, str]]:
    return [
        (path.relative_to(ROOT).as_posix(), path.read_text())
        for app in APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts
    ]


def readme_measures(readme: str) -> set[str]:
    """The measure names of the README's formula table (`| measure (owner) | formula |`)."""
    table = readme.split("| measure (owner) | formula |", 1)[1].split("\n\n", 1)[0]
    return set(re.findall(r"^\| `([a-z_]+)` \(", table, flags=re.MULTILINE))


def test_the_readme_formula_table_lists_every_registered_measure_and_nothing_else() -> None:
    assert readme_measures((ROOT / "README.md").read_text()) == set(registered_measures())


def test_the_readme_check_sees_a_missing_measure() -> None:
    readme = "| measure (owner) | formula |\n|---|---|\n| `support` (operations) | ... |\n"
    assert readme_measures(readme) == {"support"}


def test_id_and_slug_patterns_are_written_once() -> None:
    bodies = {p.strip("^$") for p in (ids.KEY_PATTERN, ids.SLUG_PATTERN, ids.NAME_PATTERN)}
    copies = [
        f"{path}: {body}"
        for path, text in _sources()
        if path != "integrations/ids.py"
        for body in bodies
        if body in text
    ]
    assert copies == []


def test_one_opportunity_class_and_one_module_of_day_boundaries() -> None:
    opportunity_classes, day_boundaries = [], []
    for path, text in _sources():
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name == "Opportunity":
                opportunity_classes.append(path)
        domain = path.split("/")[0] in {"customers", "product", "operations", "finance"}
        if domain and "demo" not in path and "datetime.combine(" in text:
            day_boundaries.append(path)
    assert opportunity_classes == ["integrations/rules.py"]
    assert day_boundaries == []


def test_one_step_list_check_and_one_bulk_upsert() -> None:
    """The step-list rule is spelt in the workflow registry only; the lock-diff-insert-update
    upsert loop lives in integrations/upsert.py only (callers use upsert_models/upsert_rows)."""
    step_checks, upsert_loops = [], []
    for path, text in _sources():
        if "Unknown step(s)" in text or "may appear once" in text:
            step_checks.append(path)
        if "locked_by_key(" in text and "bulk_update(" in text:
            upsert_loops.append(path)
    assert step_checks == ["operations/workflows/registry.py"]
    assert upsert_loops == ["integrations/upsert.py"]
