"""REST API (FastAPI): thin routes over the services; OpenAPI at /openapi.json.

Authentication: once `OCPAY_API_TOKEN` is set or one API token exists (`ocpay api-tokens add`), every
endpoint but /healthz and /metrics needs `Authorization: Bearer <token>` (the API documents /docs, /redoc
and /openapi.json a console login too); read-only tokens get 403 on every POST, PUT, PATCH and DELETE.
Without any token, only requests addressed to an allowed host name are answered (`api.auth.HostRule`).
Every error is JSON: {"detail": "<reason>"}. Every list is a page: {items, offset, limit, total}.

This module only assembles: the routes are in `ocpay.api.routes` (one module per resource), the token
check in `ocpay.api.auth`, the error answers in `ocpay.api.errors`, the dicts in `ocpay.api.views`.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from ocpay import __version__
from ocpay.access.api_tokens import ApiTokens
from ocpay.api import errors
from ocpay.api.auth import DocsReader, HostRule, api_principal
from ocpay.api.params import ERROR_RESPONSES
from ocpay.api.routes import catalog, commands, dialects, health, id_tokens, requests, sessions, stations, unrecognised
from ocpay.app.container import Services
from ocpay.console.routes import router as console_router
from ocpay.gateway.server import Gateway

# Under /api, behind the API token, in the order of the OpenAPI document.
RESOURCES = (stations, commands, sessions, id_tokens, unrecognised, dialects, catalog, requests)
STATIC = Path(__file__).parent.parent / "console" / "static"


def create_app(services: Services, gateway: Gateway | None = None, bind: str | None = None) -> FastAPI:
    """The HTTP app of one process: health and metrics, the REST API under /api, the console under /console.

    `bind` is the address the HTTP server listens on (default: the settings' `http_host`): a host name
    the app answers to."""
    app = FastAPI(
        title="ocpay",
        version=__version__,
        description="OCPP central system for payment-terminal chargers",
        docs_url=None,  # served below, behind the API's authentication
        redoc_url=None,
        openapi_url=None,
    )
    settings = services.settings
    app.state.services = services
    app.state.tokens = ApiTokens(services.db, settings.api_token)
    app.state.hosts = HostRule.of(settings.allowed_hosts, bind or settings.http_host)
    app.state.gateway = gateway
    errors.install(app)
    app.include_router(health.router)
    api = APIRouter(prefix="/api", dependencies=[Depends(api_principal)], responses=ERROR_RESPONSES)
    for resource in RESOURCES:
        api.include_router(resource.router)
    app.include_router(api)
    app.include_router(console_router())
    app.mount("/console/static", StaticFiles(directory=STATIC), name="static")
    app.add_api_route("/", home, include_in_schema=False)
    app.add_api_route("/openapi.json", openapi_document, include_in_schema=False)
    app.add_api_route("/docs", swagger_ui, include_in_schema=False)
    app.add_api_route("/redoc", redoc, include_in_schema=False)
    return app


async def home() -> Response:
    """The root leads to the console."""
    return RedirectResponse("/console/", status_code=303)


async def openapi_document(request: Request, _reader: DocsReader) -> Response:
    """The OpenAPI document, for those who may use the API."""
    return JSONResponse(request.app.openapi())


async def swagger_ui(_reader: DocsReader) -> HTMLResponse:
    """The API documents to try out (Swagger UI)."""
    return get_swagger_ui_html(openapi_url="/openapi.json", title="ocpay API")


async def redoc(_reader: DocsReader) -> HTMLResponse:
    """The API documents to read (ReDoc)."""
    return get_redoc_html(openapi_url="/openapi.json", title="ocpay API")
