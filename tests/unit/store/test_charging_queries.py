"""The charging queries against a real SQLite database: what each one finds, in which order, and what it leaves out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from ocpay.store.db import Database
from ocpay.store.models import (
    BootRecord,
    ChargingSession,
    CommandRecord,
    Connector,
    IdTokenRecord,
    MeterValueRecord,
    Station,
    StationNoticeRecord,
    StationSetting,
    TransactionEventRecord,
)
from ocpay.store.queries import charging as queries

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def station(station_id: str, connected: bool = False) -> Station:
    return Station(id=station_id, registered_at=T0, connected=connected)


def session(station_id: str, minutes: int, status: str = "completed", **columns: Any) -> ChargingSession:
    return ChargingSession(station_id=station_id, status=status, started_at=at(minutes), ocpp_version="1.6", **columns)


async def add(db: Database, *rows: Any) -> None:
    async with db.write() as s:
        s.add_all(rows)


# -- stations ------------------------------------------------------------------------------------------


async def test_a_station_is_found_by_id_and_pages_are_in_id_order(db: Database) -> None:
    await add(db, station("CP-B"), station("CP-A"), station("CP-C"))
    async with db.read() as s:
        assert (await queries.station(s, "CP-B")) is not None
        assert await queries.station(s, "CP-X") is None
        assert [x.id for x in await queries.stations(s, offset=0, limit=2)] == ["CP-A", "CP-B"]
        assert [x.id for x in await queries.stations(s, offset=2, limit=2)] == ["CP-C"]


async def test_deleting_a_station_says_whether_there_was_one_and_takes_its_rows_along(db: Database) -> None:
    await add(db, station("CP-1"))
    await add(db, Connector(station_id="CP-1", evse_id=1, connector_id=1, status="Available", updated_at=T0))
    async with db.write() as s:
        assert await queries.delete_station(s, "CP-1") is True
        assert await queries.delete_station(s, "CP-1") is False
    async with db.read() as s:
        assert await queries.station(s, "CP-1") is None
        assert await queries.connectors(s, "CP-1") == []


async def test_marking_all_disconnected_clears_every_station(db: Database) -> None:
    await add(db, station("CP-1", connected=True), station("CP-2", connected=True))
    async with db.write() as s:
        await queries.mark_all_disconnected(s)
    async with db.read() as s:
        assert [x.connected for x in await queries.stations(s, offset=0, limit=10)] == [False, False]


async def test_connectors_come_in_evse_then_connector_order_and_only_the_stations(db: Database) -> None:
    await add(db, station("CP-1"), station("CP-2"))
    await add(
        db,
        *(
            Connector(station_id=sid, evse_id=evse, connector_id=conn, status="Available", updated_at=T0)
            for sid, evse, conn in [("CP-1", 2, 1), ("CP-1", 1, 2), ("CP-1", 1, 1), ("CP-2", 1, 1)]
        ),
    )
    async with db.read() as s:
        found = [(x.evse_id, x.connector_id) for x in await queries.connectors(s, "CP-1")]
    assert found == [(1, 1), (1, 2), (2, 1)]


async def test_settings_come_by_key_and_one_is_found_by_station_and_key(db: Database) -> None:
    await add(db, station("CP-1"), station("CP-2"))
    await add(
        db,
        StationSetting(station_id="CP-1", key="b", value="2", updated_at=T0),
        StationSetting(station_id="CP-1", key="a", value="1", updated_at=T0),
        StationSetting(station_id="CP-2", key="a", value="other", updated_at=T0),
    )
    async with db.read() as s:
        assert [x.key for x in await queries.settings(s, "CP-1")] == ["a", "b"]
        one = await queries.setting(s, "CP-2", "a")
        assert one is not None and one.value == "other"
        assert await queries.setting(s, "CP-2", "b") is None


async def test_boots_and_notices_are_the_newest_first_up_to_the_limit(db: Database) -> None:
    await add(db, station("CP-1"))
    await add(
        db,
        *(BootRecord(station_id="CP-1", at=at(i), ocpp_version="1.6", vendor="V", model=f"M{i}") for i in range(3)),
        *(StationNoticeRecord(station_id="CP-1", kind="x", status=f"S{i}", at=at(i), detail={}) for i in range(3)),
    )
    async with db.read() as s:
        assert [x.model for x in await queries.boots(s, "CP-1", 2)] == ["M2", "M1"]
        assert [x.status for x in await queries.notices(s, "CP-1", 2)] == ["S2", "S1"]


# -- id tokens -----------------------------------------------------------------------------------------


async def test_id_tokens_are_found_by_value_and_paged_by_value(db: Database) -> None:
    await add(db, *(IdTokenRecord(value=v, created_at=T0) for v in ("TAG-C", "TAG-A", "TAG-B")))
    async with db.read() as s:
        assert (await queries.id_token(s, "TAG-B")) is not None
        assert await queries.id_token(s, "TAG-X") is None
        assert [x.value for x in await queries.id_tokens(s, offset=1, limit=5)] == ["TAG-B", "TAG-C"]


# -- sessions ------------------------------------------------------------------------------------------


async def test_insert_gives_the_new_row_its_id_before_the_commit(db: Database) -> None:
    await add(db, station("CP-1"))
    async with db.write() as s:
        row = await queries.insert(s, session("CP-1", 0))
        assert row.id is not None
        assert await queries.session(s, row.id) is row


async def test_a_session_is_found_by_id_only_on_its_own_station(db: Database) -> None:
    await add(db, station("CP-1"), station("CP-2"))
    row = session("CP-1", 0)
    await add(db, row)
    async with db.read() as s:
        assert (await queries.station_session(s, "CP-1", row.id)) is not None
        assert await queries.station_session(s, "CP-2", row.id) is None


async def test_a_session_is_found_by_its_start_key_or_transaction_id_on_its_station(db: Database) -> None:
    await add(db, station("CP-1"), station("CP-2"))
    await add(db, session("CP-1", 0, start_key="1|TAG|t|0"), session("CP-1", 1, transaction_id="tx-9"))
    async with db.read() as s:
        assert (await queries.session_started_as(s, "CP-1", "1|TAG|t|0")) is not None
        assert await queries.session_started_as(s, "CP-2", "1|TAG|t|0") is None
        found = await queries.session_of_transaction(s, "CP-1", "tx-9")
        assert found is not None and found.started_at == at(1)
        assert await queries.session_of_transaction(s, "CP-2", "tx-9") is None


async def test_a_transaction_event_is_known_by_its_session_and_sequence_number(db: Database) -> None:
    await add(db, station("CP-1"))
    first, second = session("CP-1", 0), session("CP-1", 1)
    await add(db, first, second)
    await add(
        db, TransactionEventRecord(session_id=first.id, seq_no=0, event_type="Started", trigger_reason="x", at=T0)
    )
    async with db.read() as s:
        assert await queries.has_transaction_event(s, first.id, 0) is True
        assert await queries.has_transaction_event(s, first.id, 1) is False
        assert await queries.has_transaction_event(s, second.id, 0) is False


async def test_the_session_filters_narrow_the_page_and_the_count_alike(db: Database) -> None:
    await add(db, station("CP-1"), station("CP-2"))
    await add(
        db,
        session("CP-1", 0, id=1),
        session("CP-1", 10, "active", id=2),
        session("CP-2", 20, id=3),
        session("CP-1", 30, id=4),
    )
    cases: list[tuple[dict[str, Any], list[int]]] = [
        ({}, [4, 3, 2, 1]),  # newest first
        ({"station_id": "CP-1"}, [4, 2, 1]),
        ({"status": "completed"}, [4, 3, 1]),
        ({"since": at(10)}, [4, 3, 2]),  # since is inclusive
        ({"station_id": "CP-1", "status": "completed", "since": at(5)}, [4]),
    ]
    async with db.read() as s:
        for given, expected in cases:
            filters = {"station_id": None, "status": None, "since": None, **given}
            assert [x.id for x in await queries.sessions(s, **filters, offset=0, limit=10)] == expected, given
            assert await queries.count_sessions(s, **filters) == len(expected), given
        page = await queries.sessions(s, station_id=None, status=None, since=None, offset=1, limit=2)
        assert [x.id for x in page] == [3, 2]


async def test_sessions_to_export_are_started_in_the_half_open_range_oldest_first(db: Database) -> None:
    await add(db, station("CP-1"))
    await add(db, session("CP-1", 20, id=1), session("CP-1", 0, id=2), session("CP-1", 10, "active", id=3))

    async def ids(**options: Any) -> list[int]:
        async with db.read() as s:
            return [x.id for x in await queries.sessions_started_between(s, **options)]

    assert await ids(since=None, until=None, completed_only=True) == [2, 1]
    assert await ids(since=None, until=None, completed_only=False) == [2, 3, 1]
    assert await ids(since=at(10), until=at(20), completed_only=False) == [3]  # until is exclusive


async def test_meter_values_of_a_session_come_in_time_order(db: Database) -> None:
    await add(db, station("CP-1"))
    mine, other = session("CP-1", 0), session("CP-1", 1)
    await add(db, mine, other)
    values = [(mine.id, 5, 50.0), (mine.id, 1, 10.0), (other.id, 2, 99.0), (mine.id, 3, 30.0)]
    await add(
        db,
        *(
            MeterValueRecord(station_id="CP-1", session_id=sid, at=at(m), measurand="Energy", value=v)
            for sid, m, v in values
        ),
    )
    async with db.read() as s:
        assert [x.value for x in await queries.meter_values(s, mine.id)] == [10.0, 30.0, 50.0]


# -- command log -----------------------------------------------------------------------------------------


async def test_the_command_log_pages_newest_first_with_the_total_of_its_filter(db: Database) -> None:
    await add(db, station("CP-1"), station("CP-2"))
    await add(
        db,
        *(
            CommandRecord(station_id=sid, command=f"c{i}", arguments={}, outcome="answered", actor="t", at=at(i))
            for i, sid in enumerate(["CP-1", "CP-2", "CP-1", "CP-1"])
        ),
    )
    async with db.read() as s:
        rows, total = await queries.commands(s, station_id="CP-1", offset=0, limit=2)
        assert ([x.command for x in rows], total) == (["c3", "c2"], 3)
        rows, total = await queries.commands(s, station_id=None, offset=3, limit=2)
        assert ([x.command for x in rows], total) == (["c0"], 4)
        assert (await queries.command(s, rows[0].id)) is rows[0]
        assert await queries.command(s, 999) is None


async def test_count_counts_the_rows_a_query_selects(db: Database) -> None:
    await add(db, station("CP-1"), station("CP-2", connected=True))
    async with db.read() as s:
        assert await queries.count(s, select(Station.id)) == 2
        assert await queries.count(s, select(Station.id).where(Station.connected.is_(True))) == 1
