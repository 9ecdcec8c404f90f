"""Queries of the charging domain: stations, sessions, id tokens and the command log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from ocpay.store.models import CommandRecord


async def count(s: AsyncSession, query: Select[Any]) -> int:
    """How many rows `query` selects."""
    return int(await s.scalar(select(func.count()).select_from(query.subquery())) or 0)


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
