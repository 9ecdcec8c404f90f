"""Queries behind the operator's overview: list totals and the dashboard's figures, across domains."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ocpay.store.models import (
    ChargingSession,
    FeatureRequest,
    IdTokenRecord,
    IntegrationRequest,
    Station,
    UnrecognisedMessage,
)
from ocpay.store.queries.charging import count

OPEN_REQUEST_STATUSES = ("received", "assessed", "needs_development", "no_payment_evidence")


async def count_stations(s: AsyncSession) -> int:
    """How many stations are registered."""
    return await count(s, select(Station.id))


async def count_id_tokens(s: AsyncSession) -> int:
    """How many id tokens are known."""
    return await count(s, select(IdTokenRecord.value))


async def count_unrecognised(s: AsyncSession, station_id: str | None = None) -> int:
    """How many unrecognised messages are kept (of one station, when given)."""
    query = select(UnrecognisedMessage.id)
    if station_id:
        query = query.where(UnrecognisedMessage.station_id == station_id)
    return await count(s, query)


async def count_requests(s: AsyncSession, status: str | None = None) -> int:
    """How many integration requests there are (in one status, when given)."""
    query = select(IntegrationRequest.id)
    if status:
        query = query.where(IntegrationRequest.status == status)
    return await count(s, query)


async def count_feature_requests(s: AsyncSession, status: str | None = None) -> int:
    """How many feature requests there are (in one status, when given)."""
    query = select(FeatureRequest.id)
    if status:
        query = query.where(FeatureRequest.status == status)
    return await count(s, query)


async def dashboard_figures(s: AsyncSession, midnight: datetime) -> dict[str, Any]:
    """Raw dashboard counts; `card_outcomes` maps each payment status of today's card sessions to its count."""
    today = (ChargingSession.billing == "terminal", ChargingSession.started_at >= midnight)
    outcomes = await s.execute(
        select(ChargingSession.payment_status, func.count()).where(*today).group_by(ChargingSession.payment_status)
    )
    return {
        "stations": int(await s.scalar(select(func.count()).select_from(Station)) or 0),
        "stations_online": int(await s.scalar(select(func.count()).where(Station.connected.is_(True))) or 0),
        "sessions_active": int(await s.scalar(select(func.count()).where(ChargingSession.status == "active")) or 0),
        "card_sessions_today": int(await s.scalar(select(func.count()).where(*today)) or 0),
        "card_outcomes": {status: int(n) for status, n in outcomes},
        "unrecognised_messages": int(await s.scalar(select(func.count()).select_from(UnrecognisedMessage)) or 0),
        "open_requests": int(
            await s.scalar(select(func.count()).where(IntegrationRequest.status.in_(OPEN_REQUEST_STATUSES))) or 0
        ),
    }
