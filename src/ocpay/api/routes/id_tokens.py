"""/api/id-tokens: what drivers and terminals present to stations (RFID uids, card-session tags), with a policy."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from ocpay.api import views
from ocpay.api.deps import ServicesDep
from ocpay.api.params import ErrorOut, Limit, Offset, Page, UtcTime
from ocpay.app import overview

router = APIRouter(tags=["id tokens"])


class IdTokenIn(BaseModel):
    value: str = Field(min_length=1, max_length=255)
    type: str = Field(default="Central", min_length=1, max_length=20)
    status: Literal["Accepted", "Blocked", "Expired", "Invalid"] = "Accepted"
    expires_at: UtcTime | None = None
    parent_id: str | None = Field(default=None, max_length=255)
    note: str | None = Field(default=None, max_length=255)


@router.get("/id-tokens")
async def list_id_tokens(services: ServicesDep, offset: Offset = 0, limit: Limit = 100) -> Page:
    found = await services.sessions.id_tokens(offset=offset, limit=limit)
    total = await overview.count_id_tokens(services)
    return Page(items=[views.id_token_view(x) for x in found], offset=offset, limit=limit, total=total)


@router.post("/id-tokens", status_code=201, responses={409: {"model": ErrorOut}})
async def add_id_token(body: IdTokenIn, services: ServicesDep) -> dict[str, Any]:
    return views.id_token_view(await services.sessions.add_id_token(**body.model_dump()))
