"""Queries of the payments domain: card sessions, payment events, dialect problems."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ocpay.store.models import ChargingSession, PaymentEvent, StationNoticeRecord


async def recent_card_sessions(s: AsyncSession, station_id: str, limit: int) -> list[ChargingSession]:
    """The station's last `limit` sessions paid at the terminal, newest first."""
    query = (
        select(ChargingSession)
        .where(ChargingSession.station_id == station_id, ChargingSession.billing == "terminal")
        .order_by(ChargingSession.id.desc())
        .limit(limit)
    )
    return list(await s.scalars(query))


async def rejected_dialect_messages(s: AsyncSession, station_id: str, since: datetime) -> int:
    """How many of the station's messages the dialect engine rejected since `since`."""
    query = select(func.count()).where(
        StationNoticeRecord.station_id == station_id,
        StationNoticeRecord.kind == "dialect",
        StationNoticeRecord.at >= since,
    )
    return int(await s.scalar(query) or 0)


async def last_rejected_dialect_message(s: AsyncSession, station_id: str) -> StationNoticeRecord | None:
    """The station's newest message the dialect engine rejected, or None."""
    query = (
        select(StationNoticeRecord)
        .where(StationNoticeRecord.station_id == station_id, StationNoticeRecord.kind == "dialect")
        .order_by(StationNoticeRecord.id.desc())
        .limit(1)
    )
    return await s.scalar(query)


async def last_payment_event_at(s: AsyncSession, station_id: str) -> datetime | None:
    """When the station's newest payment event happened, or None."""
    query = select(PaymentEvent.at).where(PaymentEvent.station_id == station_id).order_by(PaymentEvent.id.desc())
    return await s.scalar(query.limit(1))
