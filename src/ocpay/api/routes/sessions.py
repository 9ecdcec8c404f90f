"""/api/sessions: charging sessions with their meter values and payment events, and the billing export."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Response

from ocpay.api import views
from ocpay.api.deps import ServicesDep
from ocpay.api.params import Limit, Offset, Page, SessionId, StationFilter, query_time
from ocpay.app import overview
from ocpay.charging.exports import export_sessions

router = APIRouter(tags=["sessions"])


@router.get("/sessions")
async def list_sessions(
    services: ServicesDep,
    station_id: StationFilter = None,
    status: Literal["active", "completed"] | None = None,
    since: Annotated[datetime | None, Query(description="started at or after (ISO 8601; UTC if no offset)")] = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> Page:
    since = query_time(since, "since")
    sessions = await services.sessions.all(
        station_id=station_id, status=status, since=since, offset=offset, limit=limit
    )
    total = await overview.count_sessions(services, station_id=station_id, status=status, since=since)
    currencies = await overview.price_currencies(services, sessions)
    items = [views.session_view(x, currencies.get(x.station_id)) for x in sessions]
    return Page(items=items, offset=offset, limit=limit, total=total)


@router.get("/sessions/export", response_model=None)
async def export(
    services: ServicesDep,
    format: Literal["json", "csv"] = "json",
    since: datetime | None = None,
    until: datetime | None = None,
) -> Response | dict[str, Any]:
    """Completed sessions, terminal-paid kept apart from those the CSMS bills."""
    exported = await export_sessions(services.db, since=query_time(since, "since"), until=query_time(until, "until"))
    rows = views.sessions_export_view(exported, await overview.price_currencies(services, exported["terminal_paid"]))
    if format == "csv":
        return Response(
            views.sessions_csv(rows),
            media_type="text/csv",
            headers={"Content-Disposition": 'attachment; filename="sessions.csv"'},
        )
    return rows


@router.get("/sessions/{session_id}")
async def show_session(session_id: SessionId, services: ServicesDep) -> dict[str, Any]:
    session = await services.sessions.get(session_id)
    if session is None:
        raise HTTPException(404, f"no session {session_id}")
    currencies = await overview.price_currencies(services, [session])
    detail = views.session_view(session, currencies.get(session.station_id))
    detail["meter_values"] = [views.meter_value_view(x) for x in await services.sessions.meter_values_of(session_id)]
    detail["payment_events"] = [views.payment_event_view(x) for x in await services.payments.events(session_id)]
    return detail
