"""Read models for the REST API and the console: list totals, dashboard figures, integration health, command log.

They read the store directly and change nothing but the command log (an operator's audit trail);
everything that touches stations or payments goes through the services.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.sql import Select

from ocpay.ocpp.model import now
from ocpay.services.assessment import assess
from ocpay.services.container import Services
from ocpay.services.documents import recorded_documentation
from ocpay.services.redaction import mask
from ocpay.services.sessions import session_summary
from ocpay.store.models import (
    ChargingSession,
    CommandRecord,
    FeatureRequest,
    IdTokenRecord,
    IntegrationRequest,
    PaymentEvent,
    Station,
    StationNoticeRecord,
    StationSetting,
    UnrecognisedMessage,
)

FAILED_PAYMENTS = ("failed", "declined")


async def _count(services: Services, query: Select[Any]) -> int:
    async with services.db.read() as s:
        return int(await s.scalar(select(func.count()).select_from(query.subquery())) or 0)


async def count_stations(services: Services) -> int:
    return await _count(services, select(Station.id))


async def count_sessions(
    services: Services, *, station_id: str | None = None, status: str | None = None, since: datetime | None = None
) -> int:
    return await services.sessions.count(station_id=station_id, status=status, since=since)


async def count_id_tokens(services: Services) -> int:
    return await _count(services, select(IdTokenRecord.value))


async def count_unrecognised(services: Services, station_id: str | None = None) -> int:
    query = select(UnrecognisedMessage.id)
    if station_id:
        query = query.where(UnrecognisedMessage.station_id == station_id)
    return await _count(services, query)


async def count_requests(services: Services, status: str | None = None) -> int:
    query = select(IntegrationRequest.id)
    if status:
        query = query.where(IntegrationRequest.status == status)
    return await _count(services, query)


async def count_feature_requests(services: Services, status: str | None = None) -> int:
    query = select(FeatureRequest.id)
    if status:
        query = query.where(FeatureRequest.status == status)
    return await _count(services, query)


# -- dashboard -----------------------------------------------------------------------------------------------
async def dashboard(services: Services) -> dict[str, Any]:
    """Stations online, sessions now, card sessions today, payment success rate, unrecognised messages."""
    midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    async with services.db.read() as s:
        stations = int(await s.scalar(select(func.count()).select_from(Station)) or 0)
        online = int(await s.scalar(select(func.count()).where(Station.connected.is_(True))) or 0)
        active = int(await s.scalar(select(func.count()).where(ChargingSession.status == "active")) or 0)
        today = (ChargingSession.billing == "terminal", ChargingSession.started_at >= midnight)
        card_today = int(await s.scalar(select(func.count()).where(*today)) or 0)
        outcomes = dict(
            (status, int(n))
            for status, n in await s.execute(
                select(ChargingSession.payment_status, func.count())
                .where(*today)
                .group_by(ChargingSession.payment_status)
            )
        )
        unrecognised = int(await s.scalar(select(func.count()).select_from(UnrecognisedMessage)) or 0)
        open_requests = int(
            await s.scalar(
                select(func.count()).where(IntegrationRequest.status.in_(("received", "assessed", "needs_development")))
            )
            or 0
        )
    failed = sum(n for status, n in outcomes.items() if status in FAILED_PAYMENTS)
    succeeded = sum(n for status, n in outcomes.items() if status in ("settled", "authorized"))
    decided = failed + succeeded
    return {
        "stations": stations,
        "stations_online": online,
        "sessions_active": active,
        "card_sessions_today": card_today,
        "payment_success_rate": None if decided == 0 else round(succeeded / decided, 4),
        "payments_failed_today": failed,
        "unrecognised_messages": unrecognised,
        "open_requests": open_requests,
    }


# -- integration health -----------------------------------------------------------------------------------------
async def station_health(services: Services, station_id: str, window: int = 20) -> dict[str, Any] | None:
    """Is the station's payment integration set up and working?

    - configuration: each key the dialect and the catalog entry need, compared with what the station last
      reported (GetConfiguration / GetVariables / NotifyReport): ok, mismatch, or unknown (never reported);
    - the last card session;
    - failure rate: card sessions failed or declined among the last `window`, and the dialect messages
      the engine rejected (station notices of kind "dialect") over the last 24 hours.
    """
    station = await services.stations.get(station_id)
    if station is None:
        return None
    binding = services.payments.binding(station_id)
    entry = services.catalog.get(binding.entry_id) if binding and binding.entry_id else None
    settings = {x.key: x for x in await services.stations.settings(station_id)}
    version = station.ocpp_version
    configuration: list[dict[str, Any]] = []
    if binding is not None:
        keys = [*binding.dialect.configuration, *(entry.configuration if entry else [])]
        seen: set[str] = set()
        for key in keys:
            if key.key in seen or (version and version not in key.ocpp_versions):
                continue
            seen.add(key.key)
            expected = binding.dialect.resolve(key.expected, binding.params) if key.expected else None
            reported: StationSetting | None = settings.get(key.key)
            if reported is None:
                state = "unknown"
            elif expected is None or (reported.value or "") == expected:
                state = "ok"
            else:
                state = "mismatch"
            configuration.append(
                {
                    "key": key.key,
                    "expected": expected,
                    "reported": None if reported is None else reported.value,
                    "reported_at": None if reported is None else reported.updated_at,
                    "state": state,
                    "description": key.description,
                }
            )
    day_ago = now() - timedelta(hours=24)
    async with services.db.read() as s:
        recent = list(
            await s.scalars(
                select(ChargingSession)
                .where(ChargingSession.station_id == station_id, ChargingSession.billing == "terminal")
                .order_by(ChargingSession.id.desc())
                .limit(window)
            )
        )
        rejected = int(
            await s.scalar(
                select(func.count()).where(
                    StationNoticeRecord.station_id == station_id,
                    StationNoticeRecord.kind == "dialect",
                    StationNoticeRecord.at >= day_ago,
                )
            )
            or 0
        )
        last_rejected = await s.scalar(
            select(StationNoticeRecord)
            .where(StationNoticeRecord.station_id == station_id, StationNoticeRecord.kind == "dialect")
            .order_by(StationNoticeRecord.id.desc())
            .limit(1)
        )
        last_event = await s.scalar(
            select(PaymentEvent.at).where(PaymentEvent.station_id == station_id).order_by(PaymentEvent.id.desc())
        )
    failed = sum(1 for x in recent if x.payment_status in FAILED_PAYMENTS)
    mismatches = [c["key"] for c in configuration if c["state"] == "mismatch"]
    unknowns = [c["key"] for c in configuration if c["state"] == "unknown"]
    failure_rate = None if not recent else round(failed / len(recent), 4)
    if binding is None:
        status = "unbound"
    elif mismatches or rejected or (failure_rate or 0) > 0.2:
        status = "attention"
    elif unknowns:
        status = "unverified"
    else:
        status = "ok"
    return {
        "station_id": station_id,
        "status": status,
        "connected": station.connected,
        "integration": binding.entry_id if binding else station.integration,
        "dialect": binding.dialect.id if binding else None,
        "configuration": configuration,
        "mismatches": mismatches,
        "unknowns": unknowns,
        "last_card_session": session_summary(recent[0]) if recent else None,
        "last_payment_event_at": last_event,
        "card_sessions_considered": len(recent),
        "card_sessions_failed": failed,
        "failure_rate": failure_rate,
        "rejected_dialect_messages_24h": rejected,
        "last_rejected_dialect_message": None
        if last_rejected is None
        else {"at": last_rejected.at, "status": last_rejected.status, "detail": last_rejected.detail},
    }


# -- command log ---------------------------------------------------------------------------------------------
async def record_command(
    services: Services,
    station_id: str,
    command: str,
    arguments: dict[str, Any],
    outcome: str,
    *,
    answer: dict[str, Any] | None = None,
    error: str | None = None,
    actor: str,
) -> dict[str, Any] | None:
    """Keep what was sent and what came back (masked); a station that does not exist leaves no record."""
    if await services.stations.get(station_id) is None:
        return None
    async with services.db.write() as s:
        record = CommandRecord(
            station_id=station_id,
            command=command,
            arguments=mask({k: v for k, v in arguments.items() if v not in (None, [], {})}),
            outcome=outcome,
            answer=None if answer is None else mask(answer),
            error=None if error is None else error[:500],
            actor=actor[:100],
            at=now(),
        )
        s.add(record)
        await s.flush()
    return command_summary(record)


async def commands(
    services: Services, *, station_id: str | None = None, offset: int = 0, limit: int = 100
) -> tuple[list[dict[str, Any]], int]:
    query = select(CommandRecord)
    if station_id:
        query = query.where(CommandRecord.station_id == station_id)
    total = await _count(services, query.with_only_columns(CommandRecord.id))
    async with services.db.read() as s:
        rows = list(await s.scalars(query.order_by(CommandRecord.id.desc()).offset(offset).limit(limit)))
    return [command_summary(x) for x in rows], total


async def command(services: Services, command_id: int) -> dict[str, Any] | None:
    async with services.db.read() as s:
        row = await s.get(CommandRecord, command_id)
    return None if row is None else command_summary(row)


def command_summary(x: CommandRecord) -> dict[str, Any]:
    return {
        "id": x.id,
        "station_id": x.station_id,
        "command": x.command,
        "arguments": x.arguments,
        "outcome": x.outcome,
        "answer": x.answer,
        "error": x.error,
        "actor": x.actor,
        "at": x.at,
    }


async def assess_recorded(services: Services, station_id: str, terminal: str | None = None) -> dict[str, Any]:
    """The assessment of what a station sent that no dialect recognised (masked samples only).

    Raises DocumentError when nothing was recorded for the station.
    """
    doc = await recorded_documentation(services.db, station_id)
    result = await asyncio.to_thread(assess, doc, services.dialects, services.catalog, terminal=terminal)
    return {"station_id": station_id, **result.to_json()}
