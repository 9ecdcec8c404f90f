"""The dashboard: today's figures, the stations and the latest sessions."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from ocpay.api import views
from ocpay.api.auth import ConsoleReader
from ocpay.api.deps import ServicesDep
from ocpay.app import overview
from ocpay.console.render import page

router = APIRouter()


@router.get("/")
async def dashboard(request: Request, principal: ConsoleReader, services: ServicesDep) -> Response:
    """Today's figures, the first stations and the latest sessions."""
    figures = await overview.dashboard(services)
    stations = [views.station_view(x) for x in await services.stations.all(limit=50)]
    latest = await services.sessions.all(limit=10)
    currencies = await overview.price_currencies(services, latest)
    sessions = [views.session_view(x, currencies.get(x.station_id)) for x in latest]
    return page(request, "dashboard.html", principal, figures=figures, stations=stations, sessions=sessions)
