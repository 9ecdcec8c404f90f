"""/api/dialects: the payment dialects the server loaded."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException

from ocpay.api import views
from ocpay.api.deps import ServicesDep
from ocpay.api.params import Limit, Offset, Page, page_of

router = APIRouter(tags=["dialects"])


@router.get("/dialects")
async def list_dialects(services: ServicesDep, offset: Offset = 0, limit: Limit = 100) -> Page:
    return page_of([views.dialect_view(d) for d in services.dialects], offset, limit)


@router.get("/dialects/{dialect_id}")
async def show_dialect(dialect_id: str, services: ServicesDep) -> dict[str, Any]:
    dialect = services.dialects.get(dialect_id)
    if dialect is None:
        raise HTTPException(404, f"no dialect {dialect_id}")
    return views.dialect_detail_view(dialect)
