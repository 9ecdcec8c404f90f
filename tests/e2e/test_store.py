"""The store: group commit keeps each write's fate its own; times are kept in UTC on both databases."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from ocpp.v16 import call as call16
from sqlalchemy import func, select

from ocpay.store.db import Database
from ocpay.store.journal import Write
from ocpay.store.models import Station
from ocpay.store.statements import TOUCH_STATION
from tests.helpers import Running, station


async def test_a_time_with_an_offset_is_stored_as_the_same_instant(server: Running) -> None:
    async with station(server, "CP-TZ", "1.6") as cp:
        await cp.call(call16.BootNotification(charge_point_vendor="V", charge_point_model="M"))
        await cp.call(
            call16.StartTransaction(connector_id=1, id_tag="T", meter_start=0, timestamp="2026-11-25T14:00:00+02:00")
        )
    async with server.http() as api:
        session = (await api.get("/api/sessions", params={"station_id": "CP-TZ"})).json()["items"][0]
    assert datetime.fromisoformat(session["started_at"]) == datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


async def _database(url: str) -> Database:
    db = Database(url)
    await db.upgrade()
    async with db.write() as s:
        s.add_all(Station(id=f"S{i}", registered_at=datetime.now(UTC), connected=False) for i in range(3))
    return db


async def test_a_failing_write_in_a_batch_fails_alone(db_url: str) -> None:
    db = await _database(db_url)
    try:

        async def rename(station_id: str, vendor: str) -> None:
            async with db.write() as s:
                (await s.get(Station, station_id)).vendor = vendor  # type: ignore[union-attr]
                if vendor == "boom":
                    raise RuntimeError("this write fails")

        results = await asyncio.gather(
            rename("S0", "first"), rename("S1", "boom"), rename("S2", "third"), return_exceptions=True
        )
        assert isinstance(results[1], RuntimeError) and results[0] is None and results[2] is None
        async with db.read() as s:
            vendors = dict((await s.execute(select(Station.id, Station.vendor))).all())
        assert vendors == {"S0": "first", "S1": None, "S2": "third"}
    finally:
        await db.close()


async def test_a_failing_journal_write_fails_alone(db_url: str) -> None:
    db = await _database(db_url)
    try:
        moment = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
        good = db.journal.write(Write(TOUCH_STATION, {"station_id": "S0", "at": moment}))
        bad = db.journal.write(Write("UPDATE no_such_table SET x = 1", {}))
        also_good = db.journal.write(Write(TOUCH_STATION, {"station_id": "S2", "at": moment}))
        results = await asyncio.gather(good, bad, also_good, return_exceptions=True)
        assert results[0] is None and results[2] is None
        assert isinstance(results[1], Exception)
        async with db.read() as s:
            touched = await s.scalar(select(func.count()).where(Station.last_seen_at == moment))
        assert touched == 2
    finally:
        await db.close()


def test_only_sqlite_and_postgresql_urls_are_accepted() -> None:
    with pytest.raises(ValueError, match="unsupported database URL 'mysql://x/y'"):
        Database("mysql://x/y")
