"""Request bodies for validation tables: a known-good body with a few keys changed."""

import copy
from typing import Any


def edited(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of `base` with `changes` applied: "a__b" reaches into nested objects, and
    the value `...` removes the key."""
    out = copy.deepcopy(base)
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        node = out
        for parent in parents:
            node = node[parent]
        if value is ...:
            node.pop(leaf, None)
        else:
            node[leaf] = value
    return out
