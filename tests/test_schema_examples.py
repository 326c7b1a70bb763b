"""Every example in the published schema validates against the schema it illustrates.

A generated client's docs show these examples; one that does not match (a list of lists:
drf-spectacular wraps a list response's example in the list itself) misleads its readers.
Read from the schema, so every app's operations are covered, request and response examples
alike (issue 14, finding 3)."""

import functools
from typing import Any

import jsonschema
import pytest

from tests.security.schema_ops import METHODS, schema
from tests.test_schema_responses import FORMATS, to_json_schema


def _examples() -> list[tuple[str, Any, Any]]:
    """(where, example value, the JSON schema it must match) for every example."""
    found = []
    for path, item in schema()["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            bodies = [("request", operation.get("requestBody", {}))]
            bodies += [(status, r) for status, r in operation.get("responses", {}).items()]
            for where, body in bodies:
                for media, content in body.get("content", {}).items():
                    for name, example in content.get("examples", {}).items():
                        if "value" in example and "schema" in content:
                            label = f"{method.upper()} {path} {where} {media} {name}"
                            found.append((label, example["value"], content["schema"]))
    return found


EXAMPLES = _examples()


def test_the_examples_are_found() -> None:
    labels = " ".join(label for label, _, _ in EXAMPLES)
    assert "/api/v1/cs-marketing/segments 200" in labels
    assert "/api/v1/cs-marketing/campaigns 201" in labels
    assert len(EXAMPLES) >= 20


def _partial(node: Any) -> Any:
    """The schema without `required`: an example may leave fields out (spec examples do)."""
    if isinstance(node, list):
        return [_partial(n) for n in node]
    if not isinstance(node, dict):
        return node
    return {
        k: ({n: _partial(s) for n, s in v.items()} if k == "properties" else _partial(v))
        for k, v in node.items()
        if k != "required"
    }


# Marketing's examples are complete (every required field); other apps' may abridge, but
# every value they show must have the declared shape (types, enums, lists, formats).
COMPLETE = ("/api/v1/cs-marketing/",)


@functools.cache
def _components(complete: bool) -> Any:
    """The published components as JSON Schema (without `required` unless complete): the same
    for every example, so converted once, not once per example."""
    components = to_json_schema(schema()["components"])
    return components if complete else _partial(components)


@pytest.mark.parametrize(("label", "value", "body"), EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_an_example_matches_its_schema(label: str, value: Any, body: Any) -> None:
    complete = any(prefix in label for prefix in COMPLETE)
    body = to_json_schema(body)
    root = {"allOf": [body if complete else _partial(body)], "components": _components(complete)}
    validator = jsonschema.Draft4Validator(root, format_checker=FORMATS)
    errors = sorted(
        f"{'/'.join(str(p) for p in e.absolute_path) or '<body>'}: {e.message[:200]}"
        for e in validator.iter_errors(value)
    )
    assert not errors, (label, errors)


def test_a_list_of_lists_example_is_caught() -> None:
    """The check itself: the segment registry's old example (a list, wrapped once more)."""
    body = {"type": "array", "items": {"type": "object", "required": ["name"]}}
    validator = jsonschema.Draft4Validator(body)
    assert list(validator.iter_errors([[{"name": "enterprise"}]]))
    assert not list(validator.iter_errors([{"name": "enterprise"}]))
