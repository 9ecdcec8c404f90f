"""The official OCPP JSON schemas (as shipped by the `ocpp` package), compiled once with fastjsonschema.

Compiling turns each schema into Python code, about 15x faster than interpreting it with
`jsonschema`; the compiled validators live for the process.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import fastjsonschema
import ocpp

_PACKAGE_DIRS = {"1.6": "v16", "2.0.1": "v201", "2.1": "v21"}

# fastjsonschema rule -> OCPP error code (2.x spelling; the gateway translates for 1.6).
_RULE_CODES = {
    "type": "TypeConstraintViolation",
    "required": "OccurrenceConstraintViolation",
    "minItems": "OccurrenceConstraintViolation",
    "maxItems": "OccurrenceConstraintViolation",
    "maxLength": "PropertyConstraintViolation",
    "minLength": "PropertyConstraintViolation",
    "enum": "PropertyConstraintViolation",
    "pattern": "PropertyConstraintViolation",
    "format": "PropertyConstraintViolation",
    "minimum": "PropertyConstraintViolation",
    "maximum": "PropertyConstraintViolation",
    "exclusiveMinimum": "PropertyConstraintViolation",
    "exclusiveMaximum": "PropertyConstraintViolation",
    "multipleOf": "PropertyConstraintViolation",
    "additionalProperties": "FormatViolation",
}


def error_code(exc: fastjsonschema.JsonSchemaValueException) -> str:
    """The OCPP error code (2.x spelling) that answers data breaking a schema the way `exc` says."""
    return _RULE_CODES.get(exc.rule or "", "FormatViolation")


class SchemaViolation(Exception):
    """A payload that breaks its schema, with the OCPP error code that answers it.

    A plain exception, not a slotted dataclass: a context manager that re-raises a slotted dataclass
    exception fails with a TypeError instead.
    """

    def __init__(self, code: str, description: str) -> None:
        super().__init__(code, description)
        self.code = code
        self.description = description


Validator = Callable[[Any], Any]

# OCPP's primitive `integer` is 32 bits (31 of them resolution, one the sign), in 1.6 and 2.x alike; the
# official schemas leave it unbounded, so a larger one would reach the database. Bounded here, it is
# refused by the schema check (PropertyConstraintViolation) like any other out-of-range value.
INT32 = (-(2**31), 2**31 - 1)


def bound_integers(schema: Any) -> None:
    """Give every `integer` of a schema the 32-bit range OCPP defines, where it names no narrower bound."""
    if isinstance(schema, dict):
        kind = schema.get("type")
        if kind == "integer" or (isinstance(kind, list) and "integer" in kind):
            schema.setdefault("minimum", INT32[0])
            schema.setdefault("maximum", INT32[1])
        for value in schema.values():
            bound_integers(value)
    elif isinstance(schema, list):
        for item in schema:
            bound_integers(item)


def schema_dir(version: str) -> Path:
    """The directory of the version's official JSON schemas (shipped by the `ocpp` package)."""
    return Path(ocpp.__file__).parent / _PACKAGE_DIRS[version] / "schemas"


def _file_stem(version: str, action: str, response: bool) -> str:
    if version == "1.6":
        return f"{action}Response" if response else action
    return f"{action}{'Response' if response else 'Request'}"


@cache
def actions(version: str) -> frozenset[str]:
    """Every action the version defines, in either direction."""
    names = set()
    for path in schema_dir(version).glob("*.json"):
        stem = path.stem
        if stem.endswith("Response"):
            names.add(stem.removesuffix("Response"))
        elif version != "1.6":
            names.add(stem.removesuffix("Request"))
    return frozenset(names)


class SchemaSet:
    """Compiled validators for the actions of every version, built when the server starts."""

    def __init__(self) -> None:
        self._validators: dict[tuple[str, str, bool], Validator] = {}

    def compile(self, version: str, action: str, response: bool) -> Validator:
        """The compiled validator of one message, compiled on first use and kept."""
        key = (version, action, response)
        validator = self._validators.get(key)
        if validator is None:
            path = schema_dir(version) / f"{_file_stem(version, action, response)}.json"
            schema = json.loads(path.read_text(encoding="utf-8"))
            schema.pop("$id", None)  # urn: ids confuse reference resolution; refs are all local
            bound_integers(schema)
            validator = fastjsonschema.compile(schema, use_formats=True)
            self._validators[key] = validator
        return validator

    def warm(self, pairs: list[tuple[str, str, bool]]) -> None:
        """Compile the given (version, action, is_response) schemas now rather than on first use."""
        for version, action, response in pairs:
            self.compile(version, action, response)

    def validate(self, version: str, action: str, payload: Any, response: bool = False) -> None:
        """Check a payload against its schema; SchemaViolation names the OCPP error code and what is wrong."""
        try:
            self.compile(version, action, response)(payload)
        except fastjsonschema.JsonSchemaValueException as exc:
            code = error_code(exc)
            raise SchemaViolation(code, exc.message) from None


SCHEMAS = SchemaSet()  # the process's one set: validators compiled once, shared by the CSMS and the assessment
