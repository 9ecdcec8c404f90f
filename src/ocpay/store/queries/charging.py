"""Queries of the charging domain: stations, sessions, id tokens and the command log."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from ocpay.store.models import (
    Base,
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

Row = TypeVar("Row", bound=Base)


async def count(s: AsyncSession, query: Select[Any]) -> int:
    """How many rows `query` selects."""
    return int(await s.scalar(select(func.count()).select_from(query.subquery())) or 0)


async def insert(s: AsyncSession, row: Row) -> Row:
    """Add a new row and write it at once, so that its generated id is known."""
    s.add(row)
    await s.flush()
    return row


# -- stations ------------------------------------------------------------------------------------
async def station(s: AsyncSession, station_id: str) -> Station | None:
    """The station, or None."""
    return await s.get(Station, station_id)


async def stations(s: AsyncSession, *, offset: int, limit: int) -> list[Station]:
    """One page of the stations, by id."""
    return list(await s.scalars(select(Station).order_by(Station.id).offset(offset).limit(limit)))


async def delete_station(s: AsyncSession, station_id: str) -> bool:
    """Delete the station (its rows go with it); False when there was none."""
    result = await s.execute(delete(Station).where(Station.id == station_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def mark_all_disconnected(s: AsyncSession) -> None:
    """Mark every station as not connected."""
    await s.execute(update(Station).values(connected=False))


async def connectors(s: AsyncSession, station_id: str) -> list[Connector]:
    """The station's connectors in EVSE order, then connector order."""
    query = (
        select(Connector).where(Connector.station_id == station_id).order_by(Connector.evse_id, Connector.connector_id)
    )
    return list(await s.scalars(query))


async def settings(s: AsyncSession, station_id: str) -> list[StationSetting]:
    """The station's reported settings, by key."""
    query = select(StationSetting).where(StationSetting.station_id == station_id).order_by(StationSetting.key)
    return list(await s.scalars(query))


async def settings_of_keys(s: AsyncSession, keys: list[str]) -> list[StationSetting]:
    """The reported settings with these keys of every station bound to an integration."""
    query = (
        select(StationSetting)
        .join(Station, Station.id == StationSetting.station_id)
        .where(Station.integration.is_not(None), StationSetting.key.in_(keys))
    )
    return list(await s.scalars(query))


async def settings_named_like(s: AsyncSession, patterns: list[str]) -> list[StationSetting]:
    """The settings of every station whose key matches one of the SQL LIKE patterns (case-insensitive)."""
    query = select(StationSetting).where(or_(*(func.lower(StationSetting.key).like(p) for p in patterns)))
    return list(await s.scalars(query))


async def setting(s: AsyncSession, station_id: str, key: str) -> StationSetting | None:
    """One reported setting of the station, or None."""
    return await s.get(StationSetting, (station_id, key))


async def boots(s: AsyncSession, station_id: str, limit: int) -> list[BootRecord]:
    """The station's last `limit` boots, newest first."""
    query = select(BootRecord).where(BootRecord.station_id == station_id).order_by(BootRecord.id.desc()).limit(limit)
    return list(await s.scalars(query))


async def notices(s: AsyncSession, station_id: str, limit: int) -> list[StationNoticeRecord]:
    """The station's last `limit` notices, newest first."""
    query = (
        select(StationNoticeRecord)
        .where(StationNoticeRecord.station_id == station_id)
        .order_by(StationNoticeRecord.id.desc())
        .limit(limit)
    )
    return list(await s.scalars(query))


# -- id tokens -----------------------------------------------------------------------------------
async def id_token(s: AsyncSession, value: str) -> IdTokenRecord | None:
    """The id token with this value, or None."""
    return await s.get(IdTokenRecord, value)


async def id_tokens(s: AsyncSession, *, offset: int, limit: int) -> list[IdTokenRecord]:
    """One page of the id tokens, by value."""
    query = select(IdTokenRecord).order_by(IdTokenRecord.value).offset(offset).limit(limit)
    return list(await s.scalars(query))


# -- sessions ------------------------------------------------------------------------------------
async def session(s: AsyncSession, session_id: int) -> ChargingSession | None:
    """The session, or None."""
    return await s.get(ChargingSession, session_id)


async def station_session(s: AsyncSession, station_id: str, session_id: int) -> ChargingSession | None:
    """The session with this id if it is the station's, or None."""
    query = select(ChargingSession).where(ChargingSession.station_id == station_id, ChargingSession.id == session_id)
    return await s.scalar(query)


async def session_started_as(s: AsyncSession, station_id: str, start_key: str) -> ChargingSession | None:
    """The station's 1.6 session whose StartTransaction had this key (a retry finds its first start), or None."""
    query = select(ChargingSession).where(
        ChargingSession.station_id == station_id, ChargingSession.start_key == start_key
    )
    return await s.scalar(query)


async def session_of_transaction(s: AsyncSession, station_id: str, transaction_id: str) -> ChargingSession | None:
    """The station's session with this OCPP transaction id, or None."""
    query = select(ChargingSession).where(
        ChargingSession.station_id == station_id, ChargingSession.transaction_id == transaction_id
    )
    return await s.scalar(query)


async def has_transaction_event(s: AsyncSession, session_id: int, seq_no: int) -> bool:
    """Whether the session already has the transaction event with this sequence number."""
    query = select(TransactionEventRecord.id).where(
        TransactionEventRecord.session_id == session_id, TransactionEventRecord.seq_no == seq_no
    )
    return await s.scalar(query) is not None


def filter_sessions(query: Any, station_id: str | None, status: str | None, since: datetime | None) -> Any:
    """`query` narrowed by the session filters of the API and the console (each one optional)."""
    if station_id:
        query = query.where(ChargingSession.station_id == station_id)
    if status:
        query = query.where(ChargingSession.status == status)
    if since:
        query = query.where(ChargingSession.started_at >= since)
    return query


async def sessions(
    s: AsyncSession,
    *,
    station_id: str | None,
    status: str | None,
    since: datetime | None,
    offset: int,
    limit: int,
) -> list[ChargingSession]:
    """One page of the sessions that pass the filters, newest first."""
    query = filter_sessions(select(ChargingSession), station_id, status, since)
    return list(await s.scalars(query.order_by(ChargingSession.id.desc()).offset(offset).limit(limit)))


async def count_sessions(s: AsyncSession, *, station_id: str | None, status: str | None, since: datetime | None) -> int:
    """How many sessions pass the filters."""
    query = filter_sessions(select(func.count()).select_from(ChargingSession), station_id, status, since)
    return int(await s.scalar(query) or 0)


async def sessions_started_between(
    s: AsyncSession, *, since: datetime | None, until: datetime | None, completed_only: bool
) -> list[ChargingSession]:
    """Sessions started in [since, until) (either bound optional), oldest first; only completed ones if asked."""
    query = select(ChargingSession).order_by(ChargingSession.started_at, ChargingSession.id)
    if since is not None:
        query = query.where(ChargingSession.started_at >= since)
    if until is not None:
        query = query.where(ChargingSession.started_at < until)
    if completed_only:
        query = query.where(ChargingSession.status == "completed")
    return list(await s.scalars(query))


async def add_meter_values(s: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Keep the meter values `rows` hold; one kept already (the same reading, models.SAME_READING) is skipped."""
    if rows:
        insert = postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert
        await s.execute(insert(MeterValueRecord).on_conflict_do_nothing(), rows)


async def meter_values(s: AsyncSession, session_id: int) -> list[MeterValueRecord]:
    """The session's meter values in time order, then in the order they were kept."""
    query = (
        select(MeterValueRecord)
        .where(MeterValueRecord.session_id == session_id)
        .order_by(MeterValueRecord.at, MeterValueRecord.id)
    )
    return list(await s.scalars(query))


# -- command log ---------------------------------------------------------------------------------
async def commands(
    s: AsyncSession, *, station_id: str | None, offset: int, limit: int
) -> tuple[list[CommandRecord], int]:
    """One page of the command log, newest first, and the total it is a page of."""
    query = select(CommandRecord)
    if station_id:
        query = query.where(CommandRecord.station_id == station_id)
    total = await count(s, query.with_only_columns(CommandRecord.id))
    rows = await s.scalars(query.order_by(CommandRecord.id.desc()).offset(offset).limit(limit))
    return list(rows), total


async def command(s: AsyncSession, command_id: int) -> CommandRecord | None:
    """One command record, or None."""
    return await s.get(CommandRecord, command_id)


async def id_tokens_of_length(s: AsyncSession, shortest: int, longest: int) -> list[IdTokenRecord]:
    """Id tokens whose value has between `shortest` and `longest` characters."""
    return list(
        await s.scalars(select(IdTokenRecord).where(func.length(IdTokenRecord.value).between(shortest, longest)))
    )


async def sessions_with_token_of_length(s: AsyncSession, shortest: int, longest: int) -> list[ChargingSession]:
    """Sessions whose id token has between `shortest` and `longest` characters."""
    query = select(ChargingSession).where(func.length(ChargingSession.id_token).between(shortest, longest))
    return list(await s.scalars(query))


async def configuration_commands(s: AsyncSession) -> list[CommandRecord]:
    """The command log's records of configuration commands (set and get)."""
    query = select(CommandRecord).where(CommandRecord.command.in_(("set-configuration", "get-configuration")))
    return list(await s.scalars(query))
