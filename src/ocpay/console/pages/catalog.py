"""The catalog of charger x terminal pairs and the payment dialects, with their setup guides and messages."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response

from ocpay.api import views
from ocpay.api.auth import ConsoleReader
from ocpay.api.deps import ServicesDep
from ocpay.console.render import page

router = APIRouter()


@router.get("/catalog")
async def catalog(request: Request, principal: ConsoleReader, services: ServicesDep) -> Response:
    """Every catalog entry with its status and dialect."""
    return page(request, "catalog.html", principal, entries=list(services.catalog))


@router.get("/catalog/{entry_id}")
async def catalog_entry(request: Request, entry_id: str, principal: ConsoleReader, services: ServicesDep) -> Response:
    """One catalog entry with its setup guide (Markdown, raw HTML escaped)."""
    entry = services.catalog.get(entry_id)
    if entry is None:
        raise HTTPException(404, f"no catalog entry {entry_id}")
    return page(request, "catalog_entry.html", principal, entry=entry)


@router.get("/dialects")
async def dialects(request: Request, principal: ConsoleReader, services: ServicesDep) -> Response:
    """Every dialect the server loaded."""
    rows = [views.dialect_view(d) for d in services.dialects]
    return page(request, "dialects.html", principal, dialects=rows)


@router.get("/dialects/{dialect_id}")
async def dialect(request: Request, dialect_id: str, principal: ConsoleReader, services: ServicesDep) -> Response:
    """One dialect: provenance, card-session rules, configuration and messages."""
    found = services.dialects.get(dialect_id)
    if found is None:
        raise HTTPException(404, f"no dialect {dialect_id}")
    return page(request, "dialect.html", principal, dialect=found)
