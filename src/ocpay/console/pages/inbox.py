"""The inbox of custom messages no dialect recognised, by station, and assessing them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from ocpay.api import views
from ocpay.api.auth import ConsoleReader, ConsoleWriter
from ocpay.api.deps import ServicesDep
from ocpay.app import overview
from ocpay.console.render import page, text

router = APIRouter()


@router.get("/unrecognised")
async def unrecognised(request: Request, principal: ConsoleReader, services: ServicesDep) -> Response:
    """The custom messages no dialect recognised, grouped by station."""
    rows = [views.unrecognised_view(x) for x in await services.custom.unrecognised(limit=200)]
    by_station: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_station.setdefault(row["station_id"], []).append(row)
    return page(request, "unrecognised.html", principal, by_station=by_station, total=len(rows))


@router.post("/unrecognised/assess")
async def assess(request: Request, principal: ConsoleWriter, services: ServicesDep) -> Response:
    """Assess what a station sent that no dialect recognised."""
    form = await request.form()
    station_id = text(form.get("station_id")) or ""
    result = await overview.assess_recorded(services, station_id, text(form.get("terminal")))  # DocumentError: 404
    return page(request, "assessment.html", principal, station_id=station_id, result=result)
