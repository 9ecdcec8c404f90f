"""/api/stations/{id}/commands and /api/commands: send commands to stations and read the command log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Response

from ocpay.api import views
from ocpay.api.auth import ApiPrincipal
from ocpay.api.commands import CommandIn, CommandName
from ocpay.api.commands import send as send_command
from ocpay.api.deps import ServicesDep
from ocpay.api.params import MAX_ID, ErrorOut, Limit, Offset, Page, StationFilter, StationId

router = APIRouter(tags=["commands"])


@router.post(
    "/stations/{station_id}/commands/{command}",
    responses={409: {"model": ErrorOut}, 502: {"model": ErrorOut}, 503: {"model": ErrorOut}},
)
async def send(
    station_id: StationId,
    command: CommandName,
    body: CommandIn,
    response: Response,
    services: ServicesDep,
    principal: ApiPrincipal,
) -> dict[str, Any]:
    """Send a command; the answer is returned and kept in the command log (its URL in `Location`)."""
    result = await send_command(services, station_id, command, body, principal.name)
    command_id = result.pop("command_id", None)
    if command_id is not None:
        response.headers["Location"] = f"/api/commands/{command_id}"
    return result


@router.get("/commands")
async def list_commands(
    services: ServicesDep, station_id: StationFilter = None, offset: Offset = 0, limit: Limit = 100
) -> Page:
    """Commands sent to stations with their results, newest first."""
    records, total = await services.command_log.page(station_id=station_id, offset=offset, limit=limit)
    return Page(items=[views.command_view(x) for x in records], offset=offset, limit=limit, total=total)


@router.get("/commands/{command_id}")
async def show_command(command_id: Annotated[int, Path(ge=1, le=MAX_ID)], services: ServicesDep) -> dict[str, Any]:
    record = await services.command_log.get(command_id)
    if record is None:
        raise HTTPException(404, f"no command {command_id}")
    return views.command_view(record)
