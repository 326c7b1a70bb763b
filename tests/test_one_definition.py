"""One definition per concept (issue 10 §2): a second copy of an id or slug pattern, a second
`Opportunity` class, a day-boundary helper outside `integrations/clock.py` or a health measure
missing from the README's formula table fails here."""

import ast
import re
from pathlib import Path

from customers.health.measures import registered_measures
from integrations import ids

ROOT = Path(__file__).resolve().parent.parent
APPS = (
    "integrations",
    "customers",
    "product",
    "operations",
    "finance",
    "sales",
    "marketing",
    "config",
)


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


# The modules that publish a number over "the last N days" (measures, workflow conditions,
# performance metrics, read APIs, feedback): their windows come from integrations.clock.
WINDOWED = (
    "customers/health/engine.py",
    "customers/read.py",
    "product/measures.py",
    "product/read.py",
    "product/services/feedback.py",
    "product/selectors/feedback.py",
    "operations/measures.py",
    "operations/read.py",
    "operations/workflows/conditions.py",
    "operations/selectors/performance/",
    "finance/measures.py",
    "finance/read.py",
    "marketing/signals/",
)


def ad_hoc_windows(path: str, text: str) -> list[str]:
    """`x - timedelta(...)` (a window start computed by hand) and a day taken from a clock
    other than integrations.clock.today (`.date()`, `timezone.localdate()`)."""
    found = []
    for node in ast.walk(ast.parse(text)):
        if (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Sub)
            and isinstance(node.right, ast.Call)
            and getattr(node.right.func, "id", None) == "timedelta"
        ):
            found.append(f"{path}:{node.lineno}: - timedelta")
        method = getattr(node.func, "attr", None) if isinstance(node, ast.Call) else None
        if method in {"date", "localdate"}:
            found.append(f"{path}:{node.lineno}: .{method}()")
    return found


def test_every_window_comes_from_the_one_clock() -> None:
    found = [
        hit
        for path, text in _sources()
        if path.startswith(WINDOWED)
        for hit in ad_hoc_windows(path, text)
    ]
    assert found == []


def test_the_window_check_sees_an_ad_hoc_window() -> None:
    text = "since = as_of - timedelta(days=30)\nday = now.date()\n"
    assert ad_hoc_windows("x.py", text) == ["x.py:1: - timedelta", "x.py:2: .date()"]


# Adoption analytics are being reworked in parallel (issue 11 D4); they move to round_half_up
# there, and this exemption goes with it.
ROUNDING_EXEMPT: tuple[str, ...] = ()


def test_no_half_to_even_rounding_of_published_numbers() -> None:
    """Every published rounding is half-up (integrations.rounding.round_half_up)."""
    calls = [
        f"{path}:{node.lineno}"
        for path, text in _sources()
        if not path.startswith(ROUNDING_EXEMPT)
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "round"
    ]
    assert calls == []
