"""Lists on an 80-column terminal: the identifier to copy into the next command is whole, the rest wraps;
and every list has --json."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from ocpay.cli.common import _widths, load_catalog, load_dialects
from ocpay.cli.main import app


def _run(*args: str, columns: int = 80) -> str:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize(
    ("command", "ids"),
    [
        (("catalog", "list"), lambda: [e.id for e in load_catalog()]),
        (("dialects", "list"), lambda: [d.id for d in load_dialects()]),
    ],
)
def test_ids_are_never_cut_at_80_columns_and_the_other_columns_wrap(command: tuple[str, ...], ids: Any) -> None:
    text = _run(*command)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in text
    for identifier in ids():
        assert any(line.startswith(identifier + " ") for line in lines), identifier  # whole, and ready to copy


def test_a_wide_terminal_shows_each_row_on_one_line() -> None:
    text = _run("catalog", "list", columns=200)
    row = next(line for line in text.splitlines() if line.startswith("alpitronic-hyc-worldline-valina"))
    assert "Alpitronic HYC 150, HYC 300" in row and "com.alpitronic.onsitepay" in row


def test_the_identifier_keeps_its_width_and_the_others_keep_their_words_while_there_is_room() -> None:
    headers = ("id", "charger", "status")
    rows = [("a-very-long-identifier-of-forty-characters", "Alpitronic HYC 150, HYC 300", "requested")]
    assert _widths(headers, rows, 0, 82) == [None, None, None]  # it fits as it is
    narrow = _widths(headers, rows, 0, 70)
    assert narrow[0] == 42 and narrow[1] is not None and narrow[1] >= len("Alpitronic")
    assert sum(w or 0 for w in narrow) + 2 * 2 <= 70
    tiny = _widths(headers, rows, 0, 30)  # narrower than the id: still whole, the others fold
    assert tiny[0] == 42


def _commands(command: Any, path: str = "") -> list[tuple[str, Any]]:
    found = [(path, command)]
    for name, sub in getattr(command, "commands", {}).items():
        found += _commands(sub, f"{path} {name}".strip())
    return found


def test_every_list_command_has_json() -> None:
    lists = [(path, c) for path, c in _commands(get_command(app)) if path.endswith(" list")]
    assert {path for path, _ in lists} >= {
        "stations list", "id-tokens list", "sessions list", "dialects list", "catalog list", "requests list",
        "api-tokens list",
    }  # fmt: skip
    for path, command in lists:
        assert any("--json" in p.opts for p in command.params), path


def test_the_json_of_a_list_is_complete() -> None:
    entries = json.loads(_run("catalog", "list", "--json"))
    assert [e["id"] for e in entries] == [e.id for e in load_catalog()]
    dialects = json.loads(_run("dialects", "list", "--json"))
    assert {d["id"] for d in dialects} == {d.id for d in load_dialects()}
