"""The operator console: server-rendered pages (Jinja2, autoescaped) under /console, a little JavaScript.

Login takes an API token (checked as the REST API checks it) and keeps a signed, HttpOnly,
SameSite=Strict cookie; read-only tokens see everything and change nothing. Parts of a page marked
`data-live` are refreshed every few seconds: the script asks the same page for that block only
(`?fragment=NAME`), so live updates use the very templates of the first render.
Payment identifiers never reach a page: payment events show kind, status, amount, currency and brand.
"""

from __future__ import annotations

from fastapi import APIRouter

from ocpay.console.pages import catalog, dashboard, inbox, login, requests, sessions, stations

PAGES = (login, dashboard, stations, sessions, catalog, requests, inbox)


def router() -> APIRouter:
    """Every console page under /console, left out of the OpenAPI document."""
    console = APIRouter(prefix="/console", include_in_schema=False)
    for area in PAGES:
        console.include_router(area.router)
    return console
