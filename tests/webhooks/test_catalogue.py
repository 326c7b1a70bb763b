"""The catalogue names every event type the code publishes, and nothing that is never
published: a new `publish("x.y", ...)` without its catalogue entry fails here."""

import ast
import re
from pathlib import Path

from webhooks.catalogue import CATALOGUE, matches, validate_patterns

ROOT = Path(__file__).resolve().parents[2]
APPS = (
    "integrations",
    "customers",
    "product",
    "operations",
    "finance",
    "sales",
    "marketing",
    "webhooks",
)
TYPE_RE = re.compile(r"^[a-z]+(_[a-z]+)*\.[a-z]+(_[a-z]+)*$")


def published_types(source: str) -> set[str]:
    """Event types in a module: the first argument of `publish(...)` (a literal, or a name
    assigned literals: `KIND = "a.b"`, `kind = "a.b" if ok else "a.c"`) and the first item of
    the (type, customer, data) tuples given to publish_many."""
    tree = ast.parse(source)
    names: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    names.setdefault(target.id, set()).update(_literals(node.value))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _name(node.func) == "publish" and node.args:
            first = node.args[0]
            found |= names.get(first.id, set()) if isinstance(first, ast.Name) else _literals(first)
        if isinstance(node, ast.Tuple) and len(node.elts) == 3 and "publish_many" in source:
            first = node.elts[0]
            types = names.get(first.id, set()) if isinstance(first, ast.Name) else _literals(first)
            found |= {t for t in types if TYPE_RE.match(t)}
    return found


def _literals(node: ast.expr) -> set[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _literals(node.body) | _literals(node.orelse)
    return set()


def _name(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def all_published() -> set[str]:
    found: set[str] = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                found |= published_types(path.read_text())
    return found


def test_every_published_type_is_in_the_catalogue_and_vice_versa() -> None:
    published = all_published()
    assert published - set(CATALOGUE) == set(), "add these to webhooks/catalogue.py"
    assert set(CATALOGUE) - published == set(), "published nowhere: remove from the catalogue"


def test_the_scan_sees_each_way_of_publishing() -> None:
    source = (
        "STEP = 'a.step'\n"
        "events.publish('a.one', data={})\n"
        "publish(STEP, data={})\n"
        "kind = 'a.ok' if done else 'a.bad'\n"
        "events.publish(kind, data={})\n"
        "events.publish_many([('a.two', None, {}) for x in y])\n"
        "READY = 'a.four'\n"
        "events.publish_many((READY, cid, {}) for cid in ids)\n"
        "out.append(('a.three', cid, data))\n"
    )
    assert published_types(source) == {
        "a.one",
        "a.step",
        "a.ok",
        "a.bad",
        "a.two",
        "a.three",
        "a.four",
    }


def test_patterns() -> None:
    assert matches(["customer.*"], "customer.health_declined")
    assert not matches(["customer.*"], "customers.x")
    assert not matches(["workflow.*"], "workflow.step_ready")  # internal
    assert matches(["feedback.delivered"], "feedback.delivered")
    assert validate_patterns(["workflow.*", "workflow.*"]) == ["workflow.*"]
