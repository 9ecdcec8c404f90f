"""Stations: the list, one station's page (connectors, payments, health, command log), and sending commands."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request, Response

from ocpay.api import views
from ocpay.api.auth import ConsoleReader, ConsoleWriter
from ocpay.api.commands import CommandIn, CommandProblem
from ocpay.api.commands import send as send_command
from ocpay.api.deps import GatewayDep, ServicesDep
from ocpay.app import overview
from ocpay.console.render import back, page, text

router = APIRouter()
CONSOLE_COMMANDS = {
    "remote-start": "Remote start",
    "remote-stop": "Remote stop",
    "reset": "Reset",
    "trigger-message": "Trigger message",
}
TRIGGERS = ["StatusNotification", "Heartbeat", "BootNotification", "MeterValues"]


@router.get("/stations")
async def stations(request: Request, principal: ConsoleReader, services: ServicesDep, offset: int = 0) -> Response:
    """The stations, a page of 100."""
    offset = max(offset, 0)
    rows = [views.station_view(x) for x in await services.stations.all(offset=offset, limit=100)]
    total = await overview.count_stations(services)
    return page(request, "stations.html", principal, stations=rows, offset=offset, total=total)


@router.get("/stations/{station_id}")
async def station(
    request: Request,
    station_id: str,
    principal: ConsoleReader,
    services: ServicesDep,
    gateway: GatewayDep,
    command: int | None = None,
) -> Response:
    """One station: connectors, active sessions, integration health, payments, commands, notices."""
    found = await services.stations.get(station_id)
    if found is None:
        raise HTTPException(404, f"no station {station_id}")
    health = await services.health.station(station_id)
    log, _ = await services.command_log.page(station_id=station_id, limit=10)
    active = await services.sessions.all(station_id=station_id, status="active", limit=20)
    connectors = await services.stations.connectors(station_id)
    events = await services.payments.station_events(station_id, 15)
    notices = await services.stations.notices(station_id, 10)
    settings = await services.stations.settings(station_id)
    cards = [*active, *([health["last_card_session"]] if health and health["last_card_session"] else [])]
    currencies = await overview.price_currencies(services, cards)
    online = gateway is not None and station_id in gateway.connections
    return page(
        request,
        "station.html",
        principal,
        station=views.station_view(found),
        connectors=[views.connector_view(x, online) for x in connectors],
        events=[views.payment_event_view(x) for x in events],
        notices=[views.notice_view(x) for x in notices],
        health=None if health is None else views.health_view(health, currencies.get(station_id)),
        commands=[views.command_view(x) for x in log],
        highlight=command,
        active=[views.session_view(x, currencies.get(station_id)) for x in active],
        settings=[views.setting_view(x) for x in settings],
        pending=services.stations.pending(station_id),
        command_names=CONSOLE_COMMANDS,
        triggers=TRIGGERS,
        online=online,
    )


@router.post("/stations/{station_id}/command")
async def command(request: Request, station_id: str, principal: ConsoleWriter, services: ServicesDep) -> Response:
    """Send a command from the station's page, then show the page with its record highlighted."""
    form = await request.form()
    name = str(form.get("command") or "")
    if name not in CONSOLE_COMMANDS:
        raise HTTPException(422, f"command is one of {', '.join(CONSOLE_COMMANDS)}")
    evse = str(form.get("evse_id") or "").strip()
    body = CommandIn(
        id_token=text(form.get("id_token")),
        transaction_id=text(form.get("transaction_id")),
        message=text(form.get("message")),
        evse_id=int(evse) if evse.isdigit() else None,
        hard=form.get("hard") == "on",
        timeout=10,
    )
    where = f"/console/stations/{quote(station_id, safe='')}"
    try:
        result = await send_command(services, station_id, name, body, principal.name)
    except CommandProblem:  # recorded in the log: show the page with that record highlighted
        log, _ = await services.command_log.page(station_id=station_id, limit=1)
        return back(f"{where}?command={log[0].id}" if log else where)
    return back(f"{where}?command={result['command_id']}")
