"""Session exports: terminal-paid sessions apart from those the CSMS bills."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from ocpay.charging.exports import export_sessions
from ocpay.charging.stations import Stations
from ocpay.store.db import Database
from ocpay.store.models import ChargingSession

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


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
    assert [x.started_at.minute for x in export["terminal_paid"]] == [30, 40]  # oldest first
    assert [x.started_at.minute for x in export["csms_billed"]] == [10]  # the active one is left out
    assert export["terminal_paid"][0].final_amount == Decimal("7.5")
    window = await export_sessions(db, since=T0.replace(minute=20), until=T0.replace(minute=40), completed_only=False)
    assert [x.started_at.minute for x in window["csms_billed"] + window["terminal_paid"]] == [20, 30]
