"""The `ocpay` command line: stations, id tokens and database upgrades, as an operator types them."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from ocpay.cli.main import app

PASSWORD = "a-secret-of-16-to-40-chars"


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'x.sqlite'}"


Ocpay = Callable[..., Result]


@pytest.fixture
def ocpay(db: str) -> Ocpay:
    """Run `ocpay <args> --db <db>` and return the result."""
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(app, [*args, "--db", db])

    return run


def test_stations_add_list_show_remove(ocpay: Ocpay) -> None:
    added = ocpay("stations", "add", "CP-0001")
    assert added.exit_code == 0, added.output
    assert "station CP-0001 added" in added.output
    assert ocpay("stations", "add", "CP-0002", "--password", PASSWORD).exit_code == 0

    listed = ocpay("stations", "list")
    assert listed.exit_code == 0, listed.output
    assert "CP-0001" in listed.output and "CP-0002" in listed.output

    as_json = ocpay("stations", "list", "--json")
    assert as_json.exit_code == 0, as_json.output
    rows = {row["id"]: row for row in json.loads(as_json.output)}
    assert set(rows) == {"CP-0001", "CP-0002"}
    assert rows["CP-0001"]["has_password"] is False
    assert rows["CP-0002"]["has_password"] is True
    assert rows["CP-0001"]["connected"] is False
    assert PASSWORD not in as_json.output

    shown = ocpay("stations", "show", "CP-0002")
    assert shown.exit_code == 0, shown.output
    detail = json.loads(shown.output)
    assert detail["id"] == "CP-0002"
    assert detail["has_password"] is True
    assert detail["connectors"] == []

    removed = ocpay("stations", "remove", "CP-0001")
    assert removed.exit_code == 0, removed.output
    assert "station CP-0001 removed" in removed.output
    assert [row["id"] for row in json.loads(ocpay("stations", "list", "--json").output)] == ["CP-0002"]


def test_adding_a_station_twice_fails(ocpay: Ocpay) -> None:
    assert ocpay("stations", "add", "CP-0001").exit_code == 0
    again = ocpay("stations", "add", "CP-0001")
    assert again.exit_code == 1
    assert "CP-0001 exists already" in again.output


@pytest.mark.parametrize("password", ["too-short", "x" * 41])
def test_a_station_password_outside_16_to_40_characters_fails(ocpay: Ocpay, password: str) -> None:
    result = ocpay("stations", "add", "CP-0001", "--password", password)
    assert result.exit_code == 1
    assert "16 to 40" in result.output
    assert json.loads(ocpay("stations", "list", "--json").output) == []


def test_removing_or_showing_an_unknown_station_fails(ocpay: Ocpay) -> None:
    removed = ocpay("stations", "remove", "CP-NOBODY")
    assert removed.exit_code == 1
    assert "no station CP-NOBODY" in removed.output
    shown = ocpay("stations", "show", "CP-NOBODY")
    assert shown.exit_code == 1
    assert "no station CP-NOBODY" in shown.output


def test_id_tokens_add_and_list(ocpay: Ocpay) -> None:
    added = ocpay("id-tokens", "add", "04A2B3C4D5", "--type", "ISO14443")
    assert added.exit_code == 0, added.output
    assert "id token 04A2B3C4D5 added (Accepted)" in added.output
    blocked = ocpay("id-tokens", "add", "DEADBEEF", "--status", "Blocked", "--note", "stolen card")
    assert blocked.exit_code == 0, blocked.output

    listed = ocpay("id-tokens", "list")
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    row = next(line for line in lines if "04A2B3C4D5" in line)
    assert "ISO14443" in row and "Accepted" in row
    row = next(line for line in lines if "DEADBEEF" in line)
    assert "Blocked" in row and "stolen card" in row


def test_id_token_errors(ocpay: Ocpay) -> None:
    assert ocpay("id-tokens", "add", "04A2B3C4D5").exit_code == 0
    again = ocpay("id-tokens", "add", "04A2B3C4D5")
    assert again.exit_code == 1
    assert "04A2B3C4D5 exists already" in again.output
    bad_status = ocpay("id-tokens", "add", "CAFE", "--status", "Maybe")
    assert bad_status.exit_code == 1
    assert "CAFE" not in ocpay("id-tokens", "list").output


def test_an_id_token_with_an_expiry_is_stored_in_utc(ocpay: Ocpay) -> None:
    added = ocpay("id-tokens", "add", "EXPIRING", "--expires", "2030-01-31T12:00:00")
    assert added.exit_code == 0, added.output
    row = next(line for line in ocpay("id-tokens", "list").output.splitlines() if "EXPIRING" in line)
    assert "2030-01-31T12:00:00+00:00" in row


def test_lists_at_80_columns_show_the_whole_id_and_as_json_every_field(ocpay: Ocpay, db: str) -> None:
    long_id = "CP-" + "0123456789" * 4 + "-ABCD"  # 48 characters, the most OCPP allows
    assert ocpay("stations", "add", long_id).exit_code == 0
    assert ocpay("id-tokens", "add", "04A2B3C4D5E6F7A8B9C0D1E2F3", "--note", "a card with a long note").exit_code == 0
    runner = CliRunner()
    for command, identifier in (("stations", long_id), ("id-tokens", "04A2B3C4D5E6F7A8B9C0D1E2F3")):
        listed = runner.invoke(app, [command, "list", "--db", db], env={"COLUMNS": "80"})
        assert listed.exit_code == 0, listed.output
        assert any(line.startswith(identifier + " ") for line in listed.stdout.splitlines()), listed.stdout
        assert max(len(line) for line in listed.stdout.splitlines()) <= 80
    (station,) = json.loads(ocpay("stations", "list", "--json").stdout)
    assert station["id"] == long_id and {"connected", "last_seen_at", "ocpp_version"} <= set(station)
    (token,) = json.loads(ocpay("id-tokens", "list", "--json").stdout)
    assert token["value"] == "04A2B3C4D5E6F7A8B9C0D1E2F3" and token["note"] == "a card with a long note"
    assert json.loads(ocpay("sessions", "list", "--json").stdout) == []


def test_db_upgrade_creates_the_schema(ocpay: Ocpay, tmp_path: Path) -> None:
    database = tmp_path / "x.sqlite"
    assert not database.exists()
    result = ocpay("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert "database is up to date" in result.output
    with sqlite3.connect(database) as conn:
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "alembic_version" in tables
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    assert revision is not None

    again = ocpay("db", "upgrade")  # idempotent
    assert again.exit_code == 0, again.output
    assert ocpay("stations", "list", "--json").output.strip() == "[]"


def test_stations_added_by_the_cli_are_what_the_server_admits(ocpay: Ocpay, db: str) -> None:
    assert ocpay("stations", "add", "CP-0001", "--password", PASSWORD).exit_code == 0

    import asyncio

    from ocpay.app.config import Settings
    from ocpay.app.container import Services

    async def admissions() -> list[int]:
        services = await Services.open(Settings(db=db))
        try:
            return [
                (await services.stations.admit("CP-0001", PASSWORD, None)).status,
                (await services.stations.admit("CP-0001", "wrong-password-123", None)).status,
                (await services.stations.admit("CP-0002", None, None)).status,
            ]
        finally:
            await services.close()

    assert asyncio.run(admissions()) == [101, 401, 404]
