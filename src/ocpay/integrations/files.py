"""Loading the YAML files of the integrations (dialects, catalog entries), shared by both formats.

A file that cannot be used raises DialectError with the file, the place inside it and the reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError


class DialectError(Exception):
    """A dialect or catalog file that cannot be used; the message names file, place and reason."""


M = TypeVar("M", bound=BaseModel)


def describe_validation_error(source: str, exc: ValidationError) -> str:
    """The validation errors of a file, one line each with its place (dotted) and reason, under the file's name."""
    lines = [f"{source}: not a valid file"]
    for error in exc.errors():
        place = ".".join(str(part) for part in error["loc"] if part not in ("function-after",)) or "(top level)"
        lines.append(f"  at {place}: {error['msg']}")
    return "\n".join(lines)


def load_yaml(path: Path) -> Any:
    """The parsed YAML of a file; DialectError (with line and column when known) if unreadable or not YAML."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DialectError(f"{path}: cannot be read: {exc}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise DialectError(f"{path}: not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None


def load_model(path: Path, model: type[M], what: str) -> M:
    """Read a YAML file into a model; any problem becomes a DialectError naming the file and the place."""
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise DialectError(f"{path}: {what}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise DialectError(describe_validation_error(str(path), exc)) from None


def builtin_dir(kind: str) -> Path:
    """The directory of the files of a kind ("dialects", "catalog") shipped inside the package."""
    return Path(str(resources.files("ocpay") / kind))


def yaml_files(kind: str, extra_dirs: Iterable[Path]) -> list[Path]:
    """The built-in files of a kind ("dialects", "catalog"), then those of the operator's directories."""
    paths = sorted(builtin_dir(kind).glob("*.yaml"))
    for directory in extra_dirs:
        if not directory.is_dir():
            raise DialectError(f"{directory}: not a directory of {kind} files")
        paths += sorted(directory.glob("*.yaml"))
    return paths
