"""Queries of the assessment domain: what a station sent that no dialect recognised."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ocpay.store.models import Station, UnrecognisedMessage


async def recorded(s: AsyncSession, station_id: str) -> tuple[Station | None, list[UnrecognisedMessage]]:
    """The station (None when unknown) and its unrecognised messages, oldest first."""
    station = await s.get(Station, station_id)
    query = (
        select(UnrecognisedMessage)
        .where(UnrecognisedMessage.station_id == station_id)
        .order_by(UnrecognisedMessage.first_seen_at)
    )
    return station, list(await s.scalars(query))
