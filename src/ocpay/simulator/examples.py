"""Example data from a dialect message's JSON Schema, with the mapped payment fields filled in."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any


def example(schema: dict[str, Any] | None, rng: random.Random) -> Any:
    """A value that satisfies `schema` (the subset dialects use: objects, arrays, scalars, formats, enums)."""
    if not schema:
        return {}
    if "enum" in schema:
        return rng.choice(schema["enum"])
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "object":
        properties = schema.get("properties", {})
        wanted = set(schema.get("required", [])) | set(properties)
        return {name: example(properties.get(name, {"type": "string"}), rng) for name in sorted(wanted)}
    if kind == "array":
        return [example(schema.get("items", {"type": "string"}), rng)]
    if kind == "integer":
        return rng.randint(int(schema.get("minimum", 1)), int(schema.get("maximum", 9999)))
    if kind == "number":
        return round(rng.uniform(float(schema.get("minimum", 1)), float(schema.get("maximum", 100))), 2)
    if kind == "boolean":
        return True
    if schema.get("format") == "date-time":
        return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    if schema.get("format") == "uri":
        return "https://example.com/receipt"
    length = int(schema.get("maxLength", 12))
    return "SIM" + "".join(rng.choice("0123456789ABCDEF") for _ in range(max(min(length, 12) - 3, 1)))
