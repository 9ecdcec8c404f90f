"""Inference from examples: the narrowest JSON Schema they satisfy, and the events their status values report."""

from __future__ import annotations

import re
from typing import Any

from ocpay.assessment.vocabulary import StatusEvent, status_event

_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
_URI = re.compile(r"^[a-z][a-z0-9+.-]*://\S+$", re.IGNORECASE)
_MISSING = object()
_TYPE_ORDER = ("object", "array", "string", "number", "integer", "boolean", "null")


def json_type(value: Any) -> str:
    """The JSON Schema type name of a parsed JSON value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def infer_schema(examples: list[Any]) -> dict[str, Any]:
    """A JSON Schema every example satisfies: types, required (present in all), nested objects, formats."""
    if not examples:
        return {}
    types = {json_type(v) for v in examples}
    if types == {"integer", "number"} or ("number" in types and "integer" in types):
        types.discard("integer")
    schema: dict[str, Any] = {}
    ordered = [t for t in _TYPE_ORDER if t in types]
    schema["type"] = ordered[0] if len(ordered) == 1 else ordered
    objects = [v for v in examples if isinstance(v, dict)]
    if objects:
        _infer_object(schema, objects)
    arrays = [v for v in examples if isinstance(v, list)]
    if arrays:
        items = [item for array in arrays for item in array]
        if items:
            schema["items"] = infer_schema(items)
    strings = [v for v in examples if isinstance(v, str)]
    if strings and types == {"string"}:
        if all(_DATE_TIME.match(s) for s in strings):
            schema["format"] = "date-time"
        elif all(_URI.match(s) for s in strings):
            schema["format"] = "uri"
    return schema


def _infer_object(schema: dict[str, Any], objects: list[dict[str, Any]]) -> None:
    """Properties in the order first seen; required: the keys every example has."""
    keys: dict[str, None] = {}
    for obj in objects:
        for key in obj:
            keys.setdefault(key, None)
    schema["properties"] = {k: infer_schema([o[k] for o in objects if k in o]) for k in keys}
    required = [k for k in keys if all(k in o for o in objects)]
    if required:
        schema["required"] = required


def values_at(examples: list[Any], path: str) -> list[Any]:
    """The values the examples hold at a dotted path, in order (examples without it are skipped)."""
    found = []
    for example in examples:
        value: Any = example
        for key in path.split("."):
            value = value.get(key, _MISSING) if isinstance(value, dict) else _MISSING
        if value is not _MISSING:
            found.append(value)
    return found


def status_events(values: list[Any], positive: StatusEvent = "authorized") -> dict[str, StatusEvent]:
    """Each distinct status value seen -> the payment event it reports (`vocabulary.STATUS_WORDS`).

    Values the table does not know (`Pending`, numbers) are left out; a word that only says it went
    well (`OK`) reports `positive`, the event of the message itself.
    """
    events: dict[str, StatusEvent] = {}
    for value in values:
        event = status_event(value, positive)
        if event is not None and isinstance(value, str):
            events.setdefault(value, event)
    return events
