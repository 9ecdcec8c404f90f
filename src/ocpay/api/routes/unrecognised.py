"""/api/unrecognised-messages: custom messages no dialect recognised, and their assessment."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from ocpay.api import views
from ocpay.api.deps import ServicesDep
from ocpay.api.params import Limit, Offset, Page, StationFilter, StationQuery
from ocpay.app import overview

router = APIRouter(tags=["custom messages"])


@router.get("/unrecognised-messages")
async def list_unrecognised(
    services: ServicesDep, station_id: StationFilter = None, offset: Offset = 0, limit: Limit = 100
) -> Page:
    records = await services.custom.unrecognised(station_id=station_id, offset=offset, limit=limit)
    total = await overview.count_unrecognised(services, station_id)
    return Page(items=[views.unrecognised_view(x) for x in records], offset=offset, limit=limit, total=total)


@router.post("/unrecognised-messages/assess")
async def assess_unrecognised(
    services: ServicesDep,
    station_id: StationQuery,
    terminal: Annotated[str | None, Query(max_length=200, description='"MAKER MODEL" of the terminal')] = None,
) -> dict[str, Any]:
    """Assess the custom messages recorded for a station: supported, compatible, or needs development."""
    return await overview.assess_recorded(services, station_id, terminal)
