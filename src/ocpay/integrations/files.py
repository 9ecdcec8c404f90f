"""Loading the YAML files of the integrations (dialects, catalog entries), shared by both formats.

A file that cannot be used raises DialectError with the file, the place inside it and the reason.
YAML is read within bounds: aliases may share a node, but the document they expand to may hold at
most `MAX_YAML_NODES` nodes and nest at most `MAX_YAML_DEPTH` levels (an "alias bomb" of a few hundred
bytes would otherwise expand to billions of values in whatever walks it next), and none may contain
itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

MAX_YAML_NODES = 20_000  # values the document expands to, aliases counted each time they are used
MAX_YAML_DEPTH = 64


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
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_expansion(path, node)
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise DialectError(f"{path}: not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    except RecursionError:
        raise DialectError(f"{path}: nests deeper than {MAX_YAML_DEPTH} levels") from None
    finally:
        loader.dispose()


def _check_expansion(path: Path, root: yaml.Node) -> None:
    """DialectError when the document, its aliases expanded, exceeds MAX_YAML_NODES or MAX_YAML_DEPTH.

    Each distinct node is visited once (its expanded size and depth are remembered), so the check is
    linear in the size of the file however many times an alias is used.
    """
    sizes: dict[int, tuple[int, int]] = {}  # id(node) -> (expanded nodes, depth)
    entered: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        if not children_done and id(node) in entered:
            raise DialectError(f"{path}: an alias refers to a value that contains it (a cycle)")
        children = _children(node)
        if not children_done:
            entered.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in children if id(child) not in sizes)
            continue
        measured = [sizes[id(child)] for child in children]
        size = 1 + sum(m[0] for m in measured)
        depth = 1 + max((m[1] for m in measured), default=0)
        sizes[id(node)] = (min(size, MAX_YAML_NODES + 1), depth)
        if size > MAX_YAML_NODES:
            raise DialectError(
                f"{path}: expands to more than {MAX_YAML_NODES} values (aliases counted each time they are used)"
            )
        if depth > MAX_YAML_DEPTH:
            raise DialectError(f"{path}: nests deeper than {MAX_YAML_DEPTH} levels")


def _children(node: yaml.Node) -> list[yaml.Node]:
    """The nodes directly inside a sequence or mapping node (keys and values); none for a scalar."""
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


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
