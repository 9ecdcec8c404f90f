"""Migrations that change data: what a database of an older version holds is carried over, on both engines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from alembic import command
from sqlalchemy.ext.asyncio import AsyncConnection

from ocpay.store.db import Database, alembic_config
from ocpay.store.models import UtcDateTime

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
ENERGY = "Energy.Active.Import.Register"

STATIONS = sa.table("stations", sa.column("id"), sa.column("connected"), sa.column("registered_at", UtcDateTime()))
SESSIONS = sa.table(
    "sessions",
    *map(sa.column, ("id", "station_id", "transaction_id", "status", "ocpp_version")),
    *map(sa.column, ("meter_start_wh", "meter_stop_wh", "energy_wh")),
    sa.column("started_at", UtcDateTime()),
)
METER_VALUES = sa.table(
    "meter_values",
    *map(sa.column, ("station_id", "session_id", "evse_id", "measurand", "value", "unit", "phase", "context")),
    sa.column("at", UtcDateTime()),
)


async def migrate(db: Database, revision: str, *, down: bool = False) -> None:
    def run(connection: Any) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)

    async with db.engine.begin() as conn:
        await conn.run_sync(run)


def sample(session_id: int | None, minutes: int, value: float, **columns: Any) -> dict[str, Any]:
    row = {"station_id": "CP-OLD", "session_id": session_id, "evse_id": 1, "measurand": ENERGY, "value": value}
    return {"unit": "Wh", "phase": None, "context": None, **row, "at": T0 + timedelta(minutes=minutes), **columns}


async def fill_0005(conn: AsyncConnection) -> None:
    """A 0005 database as the duplicates left it: a 1.6 session and a 2.0.1 session, readings stored twice."""
    await conn.execute(sa.insert(STATIONS), [{"id": "CP-OLD", "connected": False, "registered_at": T0}])
    base = {"station_id": "CP-OLD", "started_at": T0}
    await conn.execute(
        sa.insert(SESSIONS),
        [
            {**base, "id": 1, "transaction_id": "1", "status": "completed", "ocpp_version": "1.6"}
            | {"meter_start_wh": 1000, "meter_stop_wh": 2000, "energy_wh": 1000},
            {**base, "id": 2, "transaction_id": "MO-1", "status": "active", "ocpp_version": "2.0.1"}
            | {"meter_start_wh": 1500, "meter_stop_wh": 1750, "energy_wh": 250},
        ],
    )
    await conn.execute(
        sa.insert(METER_VALUES),
        [
            sample(1, 5, 1500),
            sample(1, 5, 1500),  # a retried MeterValues
            sample(1, 5, 16, measurand="Current.Import", phase="L1"),
            sample(1, 5, 16, measurand="Current.Import", phase="L2"),  # another phase: another reading
            sample(2, 5, 1500, context="Sample.Periodic"),
            sample(2, 5, 1500, context="Sample.Periodic"),  # repeated in the Ended event
            sample(2, 0, 1000, context="Transaction.Begin"),
            sample(None, 9, 700),
            sample(None, 9, 700),  # outside a session, retried
            sample(None, 9, 700, evse_id=2),  # another EVSE: another reading
        ],
    )


async def test_upgrading_to_0006_keeps_each_reading_once_and_marks_16_meter_readings_exact(db_url: str) -> None:
    db = Database(db_url)
    try:
        await migrate(db, "0005")
        async with db.engine.begin() as conn:
            await fill_0005(conn)
        await migrate(db, "0006")

        async with db.engine.connect() as conn:
            kept = (
                await conn.execute(
                    sa.text("SELECT session_id, measurand, phase, context, evse_id FROM meter_values ORDER BY id")
                )
            ).all()
            exact = (
                await conn.execute(sa.text("SELECT id, meter_start_exact, meter_stop_exact FROM sessions ORDER BY id"))
            ).all()
        assert [tuple(r) for r in kept] == [
            (1, ENERGY, None, None, 1),
            (1, "Current.Import", "L1", None, 1),
            (1, "Current.Import", "L2", None, 1),
            (2, ENERGY, None, "Sample.Periodic", 1),
            (2, ENERGY, None, "Transaction.Begin", 1),
            (None, ENERGY, None, None, 1),
            (None, ENERGY, None, None, 2),
        ]
        assert [(i, bool(start), bool(stop)) for i, start, stop in exact] == [(1, True, True), (2, False, False)]

        await migrate(db, "0005", down=True)  # and back
        async with db.engine.connect() as conn:
            assert (await conn.execute(sa.text("SELECT COUNT(*) FROM meter_values"))).scalar() == 7
    finally:
        await db.close()


async def test_upgrading_a_first_version_database_keeps_its_sessions_and_readings(db_url: str) -> None:
    """SQLite rebuilds a table to add a column (batch mode): with foreign keys on, dropping the old table
    would cascade to every row that refers to it. Nothing of an older database may go that way."""
    db = Database(db_url)
    await migrate(db, "0001")
    async with db.engine.begin() as conn:
        await conn.execute(sa.insert(STATIONS), [{"id": "CP-OLD", "connected": False, "registered_at": T0}])
        await conn.execute(
            sa.insert(SESSIONS),
            [{"id": 1, "station_id": "CP-OLD", "transaction_id": "1", "status": "completed", "ocpp_version": "1.6",
              "meter_start_wh": 1000, "meter_stop_wh": 2000, "energy_wh": 1000, "started_at": T0}],
        )  # fmt: skip
        await conn.execute(sa.insert(METER_VALUES), [sample(1, 5, 1500), sample(None, 9, 700)])
    await db.upgrade()
    async with db.engine.connect() as conn:
        sessions = (await conn.execute(sa.text("SELECT id, energy_wh FROM sessions"))).all()
        readings = (await conn.execute(sa.text("SELECT COUNT(*) FROM meter_values"))).scalar()
    await db.close()
    assert [tuple(row) for row in sessions] == [(1, 1000)]
    assert readings == 2
