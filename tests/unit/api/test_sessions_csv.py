"""The sessions export as CSV: one row per session, terminal-paid first, the payment flattened."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from ocpay.api.views import SESSIONS_CSV_COLUMNS as CSV_COLUMNS
from ocpay.api.views import sessions_csv as export_csv

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
