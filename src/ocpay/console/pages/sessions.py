"""Sessions: the list with its filters, and one session's timeline of payment events."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response

from ocpay.api import views
from ocpay.api.auth import ConsoleReader
from ocpay.api.deps import ServicesDep
from ocpay.app import overview
from ocpay.console.render import money, page
from ocpay.store.models import ChargingSession, PaymentEvent

router = APIRouter()


@router.get("/sessions")
async def sessions(
    request: Request,
    principal: ConsoleReader,
    services: ServicesDep,
    station_id: str | None = None,
    status: str | None = None,
    offset: int = 0,
) -> Response:
    """The sessions, filtered by station and status, a page of 100."""
    status = status if status in ("active", "completed") else None
    offset = max(offset, 0)
    rows = await services.sessions.all(station_id=station_id or None, status=status, offset=offset, limit=100)
    total = await overview.count_sessions(services, station_id=station_id or None, status=status)
    currencies = await overview.price_currencies(services, rows)
    return page(
        request,
        "sessions.html",
        principal,
        sessions=[views.session_view(x, currencies.get(x.station_id)) for x in rows],
        station_id=station_id or "",
        status=status or "",
        offset=offset,
        total=total,
    )


@router.get("/sessions/{session_id}")
async def session(request: Request, session_id: int, principal: ConsoleReader, services: ServicesDep) -> Response:
    """One session with the timeline of its payment events."""
    found = await services.sessions.get(session_id) if 0 < session_id < 2**63 else None
    if found is None:
        raise HTTPException(404, f"no session {session_id}")
    events = await services.payments.events(session_id)
    meter = await services.sessions.meter_values_of(session_id)
    summary = views.session_view(found, (await overview.price_currencies(services, [found])).get(found.station_id))
    return page(
        request, "session.html", principal, session=summary, timeline=timeline(found, events), meter_values=len(meter)
    )


def timeline(session: ChargingSession, events: list[PaymentEvent]) -> list[dict[str, Any]]:
    """What happened to the session, in time order: start, each payment event, end."""
    items: list[dict[str, Any]] = [{"at": session.started_at, "what": "session started", "kind": "session"}]
    for x in events:
        items.append(
            {
                "at": x.at,
                "what": x.kind.replace("_", " "),
                "kind": x.kind,
                "status": x.status,
                "amount": money(x.amount, x.currency),
                "brand": x.brand,
                "message": f"{x.dialect}: {x.message}",
            }
        )
    if session.stopped_at is not None:
        items.append(
            {"at": session.stopped_at, "what": f"session ended ({session.stop_reason or ''})", "kind": "session"}
        )
    items.sort(key=lambda item: item["at"])
    return items
