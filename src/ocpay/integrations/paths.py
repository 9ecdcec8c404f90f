"""Dotted paths into JSON values ("a.b.0.c"): how dialects name fields of a message's data."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def get_path(value: Any, path: str) -> Any:
    """The value at `path` (list items by index), or None where any step is missing; "" is the value itself."""
    for part in path.split(".") if path else ():
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Set `path` to `value` in place, creating the objects on the way."""
    parts = path.split(".")
    node = data
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[parts[-1]] = value


def drop_paths(value: Any, paths: Iterable[str]) -> Any:
    """A copy of `value` without the given paths (the input is not changed)."""
    if not isinstance(value, dict):
        return value
    result = dict(value)
    for path in paths:
        head, _, rest = path.partition(".")
        if head in result:
            if rest:
                result[head] = drop_paths(result[head], [rest])
            else:
                del result[head]
    return result


def merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """A deep merge: `extra` wins, nested objects are merged key by key (the inputs are not changed)."""
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged
