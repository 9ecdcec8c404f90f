"""What every resource of the REST API shares: ids and paging in the URL, times, the page and the error body."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import HTTPException, Path, Query
from pydantic import AfterValidator, BaseModel, Field

from ocpay.api.times import utc
from ocpay.charging import identity

MAX_ID = 2**31 - 1
Offset = Annotated[int, Query(ge=0, le=MAX_ID)]
Limit = Annotated[int, Query(ge=1, le=1000)]
# A station id anywhere in the API follows the one rule of charging/identity.py (what OCPP allows).
_LEN, _PATTERN, _RULE = identity.MAX_LENGTH, identity.PATTERN, f"station identity: {identity.RULE}"
StationId = Annotated[str, Path(min_length=1, max_length=_LEN, pattern=_PATTERN, description=_RULE)]
StationFilter = Annotated[str | None, Query(min_length=1, max_length=_LEN, pattern=_PATTERN, description=_RULE)]
StationQuery = Annotated[str, Query(min_length=1, max_length=_LEN, pattern=_PATTERN, description=_RULE)]
StationIdField = Annotated[str, Field(min_length=1, max_length=_LEN, pattern=_PATTERN, description=_RULE)]
SessionId = Annotated[int, Path(ge=1, le=2**63 - 1)]
UtcTime = Annotated[datetime, AfterValidator(utc)]


class ErrorOut(BaseModel):
    detail: str = Field(description="why the request failed")


class Page(BaseModel):
    items: list[dict[str, Any]]
    offset: int
    limit: int
    total: int


def page_of(every: list[dict[str, Any]], offset: int, limit: int) -> Page:
    """One page of a list that is held in memory whole (dialects, catalog entries)."""
    return Page(items=every[offset : offset + limit], offset=offset, limit=limit, total=len(every))


# The answers every /api operation may give besides its own.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "no valid API token"},
    403: {"model": ErrorOut, "description": "a read-only token cannot change anything"},
    404: {"model": ErrorOut, "description": "not found"},
    422: {"model": ErrorOut, "description": "invalid input"},
}


def query_time(value: datetime | None, name: str) -> datetime | None:
    """A time from the query string in UTC; 422 naming the parameter when it is out of range."""
    try:
        return utc(value)
    except ValueError:
        raise HTTPException(422, f"{name}: the time is out of range") from None
