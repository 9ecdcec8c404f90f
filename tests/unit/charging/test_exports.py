"""Session exports: terminal-paid sessions apart from those the CSMS bills, and their CSV rendering."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from ocpay.charging.exports import CSV_COLUMNS, export_csv, export_sessions
from ocpay.charging.stations import Stations
from ocpay.store.db import Database
from ocpay.store.models import ChargingSession

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_csv_has_the_columns_and_no_row_for_an_empty_export() -> None:
    text = export_csv({"terminal_paid": [], "csms_billed": []})
    assert text.splitlines() == [",".join(CSV_COLUMNS)]


def test_terminal_paid_rows_come_first_with_their_payment_flattened() -> None:
    card = {
        "id": 2,
        "station_id": "CP-1",
        "started_at": T0,
        "energy_wh": 1500.0,
        "payment": {"dialect": "d", "status": "settled", "authorized_amount": 20.0, "final_amount": 7.5,
                    "currency": "EUR", "brand": "VISA", "method": "terminal"},
    }  # fmt: skip
    billed = {"id": 1, "station_id": "CP-1", "started_at": T0, "stopped_at": None, "payment": None, "extra": "x"}
    [first, second] = rows(export_csv({"terminal_paid": [card], "csms_billed": [billed]}))
    assert first["billing"] == "terminal" and second["billing"] == "csms"
    assert (first["id"], first["started_at"], first["energy_wh"]) == ("2", "2026-11-25T12:00:00+00:00", "1500.0")
    payment = {k: first[k] for k in ("payment_dialect", "payment_status", "authorized_amount", "final_amount")}
    assert payment == {"payment_dialect": "d", "payment_status": "settled", "authorized_amount": "20.0",
                       "final_amount": "7.5"}  # fmt: skip
    assert (first["currency"], first["card_brand"]) == ("EUR", "VISA")
    assert second["payment_status"] == "" and second["stopped_at"] == ""  # None is an empty cell
    assert "extra" not in second and "payment" not in second  # only the export's columns


async def test_an_export_splits_completed_sessions_by_who_bills_them(db: Database) -> None:
    await Stations(db).add("CP-1")

    def session(minutes: int, status: str = "completed", **columns: Any) -> ChargingSession:
        started = T0.replace(minute=minutes)
        return ChargingSession(station_id="CP-1", status=status, started_at=started, ocpp_version="1.6", **columns)

    async with db.write() as s:
        s.add_all(
            [
                session(30, billing="terminal", payment_status="settled", final_amount=Decimal("7.5")),
                session(10),
                session(20, status="active"),
                session(40, billing="terminal", payment_status="authorized"),
            ]
        )
    export = await export_sessions(db)
    assert [x["started_at"].minute for x in export["terminal_paid"]] == [30, 40]  # oldest first
    assert [x["started_at"].minute for x in export["csms_billed"]] == [10]  # the active one is left out
    assert export["terminal_paid"][0]["payment"]["final_amount"] == 7.5
    window = await export_sessions(db, since=T0.replace(minute=20), until=T0.replace(minute=40), completed_only=False)
    assert [x["started_at"].minute for x in window["csms_billed"] + window["terminal_paid"]] == [20, 30]
