"""/api/catalog: the charger x terminal pairs the server knows, with their dialect and setup guide."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException

from ocpay.api import views
from ocpay.api.deps import ServicesDep
from ocpay.api.params import Limit, Offset, Page, page_of

router = APIRouter(tags=["catalog"])


@router.get("/catalog")
async def list_catalog(services: ServicesDep, offset: Offset = 0, limit: Limit = 100) -> Page:
    return page_of([views.catalog_entry_view(e) for e in services.catalog], offset, limit)


@router.get("/catalog/{entry_id}")
async def show_catalog_entry(entry_id: str, services: ServicesDep) -> dict[str, Any]:
    entry = services.catalog.get(entry_id)
    if entry is None:
        raise HTTPException(404, f"no catalog entry {entry_id}")
    return views.catalog_entry_detail_view(entry)
