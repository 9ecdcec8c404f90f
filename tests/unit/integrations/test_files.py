"""Loading integration files: a file that cannot be used is refused with its name, the place and the reason."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict

from ocpay.integrations.files import (
    MAX_YAML_DEPTH,
    MAX_YAML_NODES,
    DialectError,
    builtin_dir,
    load_model,
    load_yaml,
    yaml_files,
)


class Pair(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    sizes: list[int] = []


def refusal(path: Path) -> str:
    with pytest.raises(DialectError) as refused:
        load_model(path, Pair, "a pair is a mapping (name, sizes)")
    return str(refused.value)


def test_a_good_file_loads_into_its_model(tmp_path: Path) -> None:
    path = tmp_path / "pair.yaml"
    path.write_text("name: p\nsizes: [1, 2]\n", encoding="utf-8")
    assert load_model(path, Pair, "a pair") == Pair(name="p", sizes=[1, 2])


def test_a_missing_or_undecodable_file_cannot_be_read(tmp_path: Path) -> None:
    with pytest.raises(DialectError, match=r"missing\.yaml: cannot be read"):
        load_yaml(tmp_path / "missing.yaml")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(DialectError, match=r"latin\.yaml: cannot be read"):
        load_yaml(latin)


def test_broken_yaml_is_refused_with_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("name: p\nsizes: [1, 2\n", encoding="utf-8")
    with pytest.raises(DialectError, match=r"broken\.yaml: not valid YAML at line 3, column 1"):
        load_yaml(path)


def test_a_file_that_is_not_a_mapping_is_refused_saying_what_it_should_be(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- name: p\n", encoding="utf-8")
    assert refusal(path) == f"{path}: a pair is a mapping (name, sizes)"


def test_each_validation_error_is_listed_with_its_place(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("sizes: [1, two]\ncolour: blue\n", encoding="utf-8")
    lines = refusal(path).splitlines()
    assert lines[0] == f"{path}: not a valid file"
    assert "  at name: Field required" in lines
    assert any(line.startswith("  at sizes.1: ") for line in lines)
    assert "  at colour: Extra inputs are not permitted" in lines


def test_the_builtin_files_come_first_then_each_directory_sorted(tmp_path: Path) -> None:
    for name in ("b.yaml", "a.yaml", "notes.txt"):
        (tmp_path / name).write_text("{}", encoding="utf-8")
    paths = yaml_files("dialects", [tmp_path])
    builtin = sorted(builtin_dir("dialects").glob("*.yaml"))
    assert builtin and paths == [*builtin, tmp_path / "a.yaml", tmp_path / "b.yaml"]


def test_an_extra_directory_that_is_not_one_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DialectError, match="nowhere: not a directory of catalog files"):
        yaml_files("catalog", [tmp_path / "nowhere"])


# -- YAML within bounds ------------------------------------------------------------------------------------
def yaml_refusal(tmp_path: Path, text: str) -> str:
    path = tmp_path / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DialectError) as refused:
        load_yaml(path)
    return str(refused.value)


def test_an_alias_bomb_is_refused_before_it_is_expanded(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]" for n in range(1, 12)]  # 9^12 values
    started = time.perf_counter()
    reason = yaml_refusal(tmp_path, "\n".join(lines))
    assert time.perf_counter() - started < 1
    assert reason.endswith(f"expands to more than {MAX_YAML_NODES} values (aliases counted each time they are used)")
    assert reason.startswith(str(tmp_path / "hostile.yaml"))


def test_aliases_that_stay_small_load_as_shared_values(tmp_path: Path) -> None:
    path = tmp_path / "shared.yaml"
    path.write_text("base: &base {type: string}\nfields: {a: *base, b: *base}\n", encoding="utf-8")
    assert load_yaml(path) == {"base": {"type": "string"}, "fields": {"a": {"type": "string"}, "b": {"type": "string"}}}


def test_a_cycle_and_deep_nesting_are_refused(tmp_path: Path) -> None:
    assert yaml_refusal(tmp_path, "a: &a [1, *a]\n").endswith("an alias refers to a value that contains it (a cycle)")
    assert yaml_refusal(tmp_path, "[" * 70 + "]" * 70).endswith(f"nests deeper than {MAX_YAML_DEPTH} levels")
    assert yaml_refusal(tmp_path, "[" * 5000).endswith(f"nests deeper than {MAX_YAML_DEPTH} levels")
