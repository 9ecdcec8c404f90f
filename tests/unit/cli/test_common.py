"""What the CLI's groups share: JSON output, failing with a reason, and the same options everywhere."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
import typer
from typer.main import get_command

from ocpay.cli.common import fail, json_text
from ocpay.cli.main import app


def test_json_output_writes_times_in_iso_8601_and_text_as_is() -> None:
    text = json_text({"at": datetime(2025, 3, 1, 9, 30, tzinfo=UTC), "name": "Zürich"})
    assert json.loads(text) == {"at": "2025-03-01T09:30:00+00:00", "name": "Zürich"}
    assert "Zürich" in text


def test_json_output_refuses_what_it_cannot_say() -> None:
    with pytest.raises(TypeError):
        json_text({"value": object()})


def test_fail_says_why_on_standard_error_and_ends_with_the_code(capsys: pytest.CaptureFixture[str]) -> None:
    exit_ = fail("no station [CP-1]", 2)
    assert isinstance(exit_, typer.Exit) and exit_.exit_code == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "error: no station [CP-1]" in captured.err  # markup in the reason is kept


def _options(command: Any, path: str = "") -> list[tuple[str, Any]]:
    """Every option of every command under `command`, with the command's path (`stations add`)."""
    found = [(path, p) for p in command.params if p.param_type_name == "option"]
    for name, sub in getattr(command, "commands", {}).items():
        found += _options(sub, f"{path} {name}".strip())
    return found


def test_every_command_takes_the_database_and_json_options_the_same_way() -> None:
    options = _options(get_command(app))
    db = {(o.help, o.is_flag) for _, o in options if "--db" in o.opts}
    as_json = {(o.help, o.is_flag) for path, o in options if "--json" in o.opts}
    assert db == {("Database URL (default: OCPAY_DB or ./ocpay.sqlite)", False)}
    assert as_json == {("Print JSON", True)}
    with_db = {path for path, o in options if "--db" in o.opts}
    assert with_db >= {"serve", "demo", "assess", "stations add", "api-tokens list", "requests show", "db upgrade"}
