"""Queries of the payments domain: bindings, prices, card sessions, payment events, unrecognised messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ocpay.store.models import (
    ChargingSession,
    PaymentEvent,
    Station,
    StationNoticeRecord,
    StationPrice,
    StationSetting,
    UnrecognisedMessage,
)
from ocpay.store.queries.access import secret as secret  # shared with other domains: one copy each
from ocpay.store.queries.charging import session as session
from ocpay.store.queries.charging import session_of_transaction as session_of_transaction
from ocpay.store.queries.charging import station as station


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


async def bound_stations(s: AsyncSession) -> list[Station]:
    """Every station with an integration (a catalog entry) set."""
    return list(await s.scalars(select(Station).where(Station.integration.is_not(None))))


async def station_price(s: AsyncSession, station_id: str) -> StationPrice | None:
    """The station's ad hoc price, or None while none is set."""
    return await s.get(StationPrice, station_id)


async def station_setting(s: AsyncSession, station_id: str, key: str) -> StationSetting | None:
    """The value of one configuration key as the station last reported it, or None."""
    return await s.get(StationSetting, (station_id, key))


async def newest_session_by_token(s: AsyncSession, station_id: str, id_token: str) -> ChargingSession | None:
    """The station's newest session started with this id token (a reference hash), as _PAYMENT_SESSION finds it."""
    query = select(ChargingSession).where(
        ChargingSession.station_id == station_id, ChargingSession.id_token == id_token
    )
    return await s.scalar(query.order_by(ChargingSession.id.desc()).limit(1))


async def unlinked_issued_tokens(s: AsyncSession, since: datetime) -> list[tuple[str, str | None, str, datetime]]:
    """(station, issued token, dialect, at) of the id tokens issued since `since` that no session took up yet."""
    query = select(PaymentEvent.station_id, PaymentEvent.issued_token, PaymentEvent.dialect, PaymentEvent.at).where(
        PaymentEvent.issued_token.is_not(None),
        PaymentEvent.session_id.is_(None),
        PaymentEvent.at > since,
    )
    return [(row.station_id, row.issued_token, row.dialect, row.at) for row in await s.execute(query)]


async def unlinked_events_of_token(s: AsyncSession, station_id: str, issued_token: str) -> list[PaymentEvent]:
    """The station's payment events recorded with this issued id token that belong to no session yet."""
    query = select(PaymentEvent).where(
        PaymentEvent.station_id == station_id,
        PaymentEvent.issued_token == issued_token,
        PaymentEvent.session_id.is_(None),
    )
    return list(await s.scalars(query))


async def session_events(s: AsyncSession, session_id: int) -> list[PaymentEvent]:
    """The session's payment events, oldest first."""
    query = select(PaymentEvent).where(PaymentEvent.session_id == session_id).order_by(PaymentEvent.id)
    return list(await s.scalars(query))


async def station_events(s: AsyncSession, station_id: str, limit: int) -> list[PaymentEvent]:
    """The station's last `limit` payment events, newest first."""
    query = (
        select(PaymentEvent).where(PaymentEvent.station_id == station_id).order_by(PaymentEvent.id.desc()).limit(limit)
    )
    return list(await s.scalars(query))


async def unrecognised_kinds(s: AsyncSession, station_id: str) -> set[tuple[str, str]]:
    """The (vendorId, messageId) pairs no dialect recognised that are recorded for this station."""
    query = select(UnrecognisedMessage.vendor_id, UnrecognisedMessage.message_id).where(
        UnrecognisedMessage.station_id == station_id
    )
    return {(vendor_id, message_id) for vendor_id, message_id in await s.execute(query)}


async def unrecognised_messages(
    s: AsyncSession, *, station_id: str | None, offset: int, limit: int
) -> list[UnrecognisedMessage]:
    """One page of unrecognised messages, last seen first, of one station or of all."""
    query: Any = select(UnrecognisedMessage).order_by(UnrecognisedMessage.last_seen_at.desc())
    if station_id:
        query = query.where(UnrecognisedMessage.station_id == station_id)
    return list(await s.scalars(query.offset(offset).limit(limit)))
