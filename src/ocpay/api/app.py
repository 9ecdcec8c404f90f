"""REST API (FastAPI): thin handlers over the services; OpenAPI at /openapi.json.

Authentication: once `OCPAY_API_TOKEN` is set or one API token exists (`ocpay api-tokens add`), every
endpoint but /healthz and /metrics needs `Authorization: Bearer <token>`; read-only tokens get 403 on
every POST, PUT, PATCH and DELETE. Every error is JSON: {"detail": "<reason>"}. Every list is a page:
{items, offset, limit, total}.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path as FilePath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import AfterValidator, BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from ocpay import __version__
from ocpay.access.api_tokens import OPEN, ApiTokens, Principal
from ocpay.api.commands import CommandIn, CommandName, CommandProblem
from ocpay.api.commands import send as send_command
from ocpay.api.origin import cross_site
from ocpay.api.requests import create_router as requests_router
from ocpay.app import overview
from ocpay.app.container import Services
from ocpay.assessment import DocumentError
from ocpay.charging.exports import export_csv, export_sessions
from ocpay.charging.sessions import IdTokenExists, session_summary
from ocpay.charging.stations import StationExists, UnknownStation, station_summary
from ocpay.console.routes import LoginRequired, console_error, login_redirect
from ocpay.console.routes import create_router as console_router
from ocpay.gateway.server import Gateway
from ocpay.integrations.catalog import entry_summary
from ocpay.integrations.dialects import dialect_summary

_bearer = HTTPBearer(auto_error=False)
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_ID = 2**31 - 1
Offset = Annotated[int, Query(ge=0, le=MAX_ID)]
Limit = Annotated[int, Query(ge=1, le=1000)]
StationId = Annotated[str, Path(min_length=1, max_length=48)]
SessionId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def _utc(value: datetime | None) -> datetime | None:
    """Times without an offset are UTC; every time is stored in UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("the time is out of range") from None


UtcTime = Annotated[datetime, AfterValidator(_utc)]


class ErrorOut(BaseModel):
    detail: str = Field(description="why the request failed")


class Page(BaseModel):
    items: list[dict[str, Any]]
    offset: int
    limit: int
    total: int


class StationIn(BaseModel):
    id: str = Field(min_length=1, max_length=48, pattern=r"^[^/\s]+$")
    password: str | None = Field(default=None, min_length=16, max_length=40)  # OCPP: 16-40 characters
    integration: str | None = Field(default=None, max_length=100)


class StationPatch(BaseModel):
    """Change what is given: `password` (null removes it), or the catalog `integration` with its `params`."""

    password: str | None = Field(default=None, min_length=16, max_length=40)
    integration: str | None = Field(default=None, min_length=1, max_length=100, description="catalog entry id")
    params: dict[str, Any] | None = None


class PasswordIn(BaseModel):
    password: str | None = Field(default=None, min_length=16, max_length=40)


class IdTokenIn(BaseModel):
    value: str = Field(min_length=1, max_length=255)
    type: str = Field(default="Central", min_length=1, max_length=20)
    status: Literal["Accepted", "Blocked", "Expired", "Invalid"] = "Accepted"
    expires_at: UtcTime | None = None
    parent_id: str | None = Field(default=None, max_length=255)
    note: str | None = Field(default=None, max_length=255)


class IntegrationIn(BaseModel):
    entry: str = Field(description="catalog entry id", max_length=100)
    params: dict[str, Any] = {}


class PriceIn(BaseModel):
    """The ad hoc price a station shows (OCA cost messages); the terminal charges with the station's tariff."""

    currency: str = Field(pattern=r"^[A-Z]{3}$")
    kwh_price: Decimal = Field(ge=0, lt=1_000_000, decimal_places=4)
    hour_price: Decimal = Field(default=Decimal(0), ge=0, lt=1_000_000, decimal_places=4)
    flat_fee: Decimal = Field(default=Decimal(0), ge=0, lt=1_000_000, decimal_places=4)
    idle_hour_price: Decimal | None = Field(default=None, ge=0, lt=1_000_000, decimal_places=4)
    idle_grace_minutes: int | None = Field(default=None, ge=0, le=100_000)
    price_text: str | None = Field(default=None, max_length=500)


_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "no valid API token"},
    403: {"model": ErrorOut, "description": "a read-only token cannot change anything"},
    404: {"model": ErrorOut, "description": "not found"},
    422: {"model": ErrorOut, "description": "invalid input"},
}


def create_app(services: Services, gateway: Gateway | None = None) -> FastAPI:
    app = FastAPI(title="ocpay", version=__version__, description="OCPP central system for payment-terminal chargers")
    tokens = ApiTokens(services.db, services.settings.api_token)
    app.state.services = services
    app.state.tokens = tokens
    app.state.gateway = gateway

    async def principal(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        if not await tokens.auth_required():
            who = OPEN
        else:
            found = await tokens.check(credentials.credentials) if credentials is not None else None
            if found is None:
                raise HTTPException(401, "a valid bearer token is required", headers={"WWW-Authenticate": "Bearer"})
            who = found
        if request.method in WRITES:
            if cross_site(request):  # a browser posting another site's form, most of all in open mode
                raise HTTPException(403, "a write from another site's page")
            if not who.can_write:
                raise HTTPException(403, f"API token {who.name} is read-only")
        request.state.principal = who
        return who

    api = APIRouter(prefix="/api", dependencies=[Depends(principal)], responses=_ERRORS)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if request.url.path.startswith("/console") and not request.query_params.get("fragment"):
            return await console_error(request, exc.status_code, detail)
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        if request.url.path.startswith("/console"):
            return await console_error(request, 422, _reason(exc))
        return JSONResponse({"detail": _reason(exc)}, status_code=422)

    app.add_exception_handler(LoginRequired, login_redirect)

    @app.exception_handler(UnknownStation)
    async def unknown_station(_request: Request, exc: UnknownStation) -> Response:
        return JSONResponse({"detail": f"no station {exc}"}, status_code=404)

    @app.exception_handler(CommandProblem)
    async def command_problem(_request: Request, exc: CommandProblem) -> Response:
        return JSONResponse({"detail": exc.reason}, status_code=exc.status)

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, Any]:
        return {
            "status": "ok",
            "version": __version__,
            "stations_connected": len(gateway.connections) if gateway else 0,
        }

    @app.get("/metrics", tags=["health"], response_class=Response)
    async def metrics() -> Response:
        """Prometheus metrics: counts and timings only, no identifiers; open like /healthz for scrapers."""
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    # -- stations ------------------------------------------------------------------------------
    @api.get("/stations", tags=["stations"])
    async def list_stations(offset: Offset = 0, limit: Limit = 100) -> Page:
        stations = await services.stations.all(offset=offset, limit=limit)
        total = await overview.count_stations(services)
        return Page(items=[station_summary(x) for x in stations], offset=offset, limit=limit, total=total)

    @api.post("/stations", tags=["stations"], status_code=201, responses={409: {"model": ErrorOut}})
    async def add_station(body: StationIn) -> dict[str, Any]:
        if body.integration is not None:
            _check_integration(services, body.integration)  # before anything is stored
        try:
            station = await services.stations.add(body.id, password=body.password)
        except StationExists:
            raise HTTPException(409, f"station {body.id} exists already") from None
        if body.integration is not None:
            await services.payments.bind(body.id, body.integration)
            station.integration = body.integration
        return station_summary(station)

    @api.get("/stations/{station_id}", tags=["stations"])
    async def show_station(station_id: StationId) -> dict[str, Any]:
        return await _station_detail(services, station_id)

    @api.patch("/stations/{station_id}", tags=["stations"])
    async def update_station(station_id: StationId, body: StationPatch) -> dict[str, Any]:
        """Change the station's password (null removes it) and/or bind it to a catalog entry."""
        if await services.stations.get(station_id) is None:
            raise HTTPException(404, f"no station {station_id}")
        given = body.model_fields_set
        if not given & {"password", "integration", "params"}:
            raise HTTPException(422, "give password, integration or params")
        if "params" in given and "integration" not in given:
            raise HTTPException(422, "params go with integration")
        if "integration" in given:
            if body.integration is None:
                raise HTTPException(422, "integration is a catalog entry id")
            await _bind(services, station_id, body.integration, body.params or {})
        if "password" in given:
            await services.stations.set_password(station_id, body.password)
        return await _station_detail(services, station_id)

    @api.post("/stations/{station_id}/credentials", tags=["stations"])
    async def new_credentials(station_id: StationId) -> dict[str, Any]:
        """Generate a new Basic-auth password for the station (security profiles 1-2); shown once, stored hashed."""
        password = secrets.token_urlsafe(24)[:32]
        try:
            await services.stations.set_password(station_id, password)
        except UnknownStation:
            raise HTTPException(404, f"no station {station_id}") from None
        return {"station_id": station_id, "username": station_id, "password": password}

    @api.get("/stations/{station_id}/health", tags=["stations"])
    async def station_health(
        station_id: StationId,
        window: Annotated[int, Query(ge=1, le=1000, description="card sessions to consider")] = 20,
    ) -> dict[str, Any]:
        """Integration health: configuration as expected, last card session, failure rate."""
        health = await services.health.station(station_id, window)
        if health is None:
            raise HTTPException(404, f"no station {station_id}")
        return health

    @api.put("/stations/{station_id}/integration", tags=["stations"])
    async def bind_integration(station_id: StationId, body: IntegrationIn) -> dict[str, Any]:
        return await _bind(services, station_id, body.entry, body.params)

    @api.put("/stations/{station_id}/price", tags=["stations"])
    async def set_price(station_id: StationId, body: PriceIn) -> dict[str, Any]:
        try:
            await services.payments.set_price(station_id, **body.model_dump())
        except LookupError as exc:
            raise HTTPException(404, str(exc)) from None
        return {"station_id": station_id, **body.model_dump(mode="json")}

    @api.put("/stations/{station_id}/password", tags=["stations"], status_code=204)
    async def set_password(station_id: StationId, body: PasswordIn) -> None:
        try:
            await services.stations.set_password(station_id, body.password)
        except UnknownStation:
            raise HTTPException(404, f"no station {station_id}") from None

    @api.delete("/stations/{station_id}", tags=["stations"], status_code=204)
    async def remove_station(station_id: StationId) -> None:
        if not await services.stations.remove(station_id):
            raise HTTPException(404, f"no station {station_id}")
        if gateway is not None:
            await gateway.disconnect(station_id, "station removed")

    @api.get("/stations/{station_id}/connectors", tags=["stations"])
    async def list_connectors(station_id: StationId) -> list[dict[str, Any]]:
        """Every connector of the station (a handful: not paged)."""
        return [_connector(x) for x in await services.stations.connectors(station_id)]

    @api.get("/stations/{station_id}/boots", tags=["stations"])
    async def list_boots(station_id: StationId, limit: Limit = 50) -> list[dict[str, Any]]:
        """The station's boot history, newest first: firmware, model and OCPP version over time."""
        return [
            {"at": x.at, "ocpp_version": x.ocpp_version, "vendor": x.vendor, "model": x.model, "serial": x.serial,
             "firmware": x.firmware, "reason": x.reason}
            for x in await services.stations.boots(station_id, limit)
        ]  # fmt: skip

    @api.get("/stations/{station_id}/notices", tags=["stations"])
    async def list_notices(station_id: StationId, limit: Limit = 50) -> list[dict[str, Any]]:
        """The latest notices, newest first (firmware, security, rejected dialect messages, ...)."""
        return [
            {"kind": x.kind, "status": x.status, "at": x.at, "detail": x.detail}
            for x in await services.stations.notices(station_id, limit)
        ]

    # -- commands ------------------------------------------------------------------------------
    @api.post(
        "/stations/{station_id}/commands/{command}",
        tags=["commands"],
        responses={409: {"model": ErrorOut}, 502: {"model": ErrorOut}, 503: {"model": ErrorOut}},
    )
    async def send(
        station_id: StationId, command: CommandName, body: CommandIn, request: Request, response: Response
    ) -> dict[str, Any]:
        """Send a command; the answer is returned and kept in the command log (its URL in `Location`)."""
        result = await send_command(services, station_id, command, body, request.state.principal.name)
        command_id = result.pop("command_id", None)
        if command_id is not None:
            response.headers["Location"] = f"/api/commands/{command_id}"
        return result

    @api.get("/commands", tags=["commands"])
    async def list_commands(
        station_id: Annotated[str | None, Query(max_length=48)] = None, offset: Offset = 0, limit: Limit = 100
    ) -> Page:
        """Commands sent to stations with their results, newest first."""
        items, total = await services.command_log.page(station_id=station_id, offset=offset, limit=limit)
        return Page(items=items, offset=offset, limit=limit, total=total)

    @api.get("/commands/{command_id}", tags=["commands"])
    async def show_command(command_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> dict[str, Any]:
        found = await services.command_log.get(command_id)
        if found is None:
            raise HTTPException(404, f"no command {command_id}")
        return found

    # -- sessions ------------------------------------------------------------------------------
    @api.get("/sessions", tags=["sessions"])
    async def list_sessions(
        station_id: Annotated[str | None, Query(max_length=48)] = None,
        status: Literal["active", "completed"] | None = None,
        since: Annotated[datetime | None, Query(description="started at or after (ISO 8601; UTC if no offset)")] = None,
        offset: Offset = 0,
        limit: Limit = 100,
    ) -> Page:
        since = _query_time(since, "since")
        sessions = await services.sessions.all(
            station_id=station_id, status=status, since=since, offset=offset, limit=limit
        )
        total = await overview.count_sessions(services, station_id=station_id, status=status, since=since)
        return Page(items=[session_summary(x) for x in sessions], offset=offset, limit=limit, total=total)

    @api.get("/sessions/export", tags=["sessions"], response_model=None)
    async def export(
        format: Literal["json", "csv"] = "json",
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Response | dict[str, Any]:
        """Completed sessions, terminal-paid kept apart from those the CSMS bills."""
        exported = await export_sessions(
            services.db, since=_query_time(since, "since"), until=_query_time(until, "until")
        )
        if format == "csv":
            return Response(
                export_csv(exported),
                media_type="text/csv",
                headers={"Content-Disposition": 'attachment; filename="sessions.csv"'},
            )
        return exported

    @api.get("/sessions/{session_id}", tags=["sessions"])
    async def show_session(session_id: SessionId) -> dict[str, Any]:
        session = await services.sessions.get(session_id)
        if session is None:
            raise HTTPException(404, f"no session {session_id}")
        detail = session_summary(session)
        detail["meter_values"] = [
            {"at": x.at, "measurand": x.measurand, "value": x.value, "unit": x.unit, "phase": x.phase}
            for x in await services.sessions.meter_values_of(session_id)
        ]
        detail["payment_events"] = [_event(x) for x in await services.payments.events(session_id)]
        return detail

    # -- id tokens -----------------------------------------------------------------------------
    @api.get("/id-tokens", tags=["id tokens"])
    async def list_id_tokens(offset: Offset = 0, limit: Limit = 100) -> Page:
        found = await services.sessions.id_tokens(offset=offset, limit=limit)
        total = await overview.count_id_tokens(services)
        return Page(items=[_id_token(x) for x in found], offset=offset, limit=limit, total=total)

    @api.post("/id-tokens", tags=["id tokens"], status_code=201, responses={409: {"model": ErrorOut}})
    async def add_id_token(body: IdTokenIn) -> dict[str, Any]:
        try:
            token = await services.sessions.add_id_token(**body.model_dump())
        except IdTokenExists:
            raise HTTPException(409, f"id token {body.value} exists already") from None
        return _id_token(token)

    # -- custom messages -----------------------------------------------------------------------
    @api.get("/unrecognised-messages", tags=["custom messages"])
    async def list_unrecognised(
        station_id: Annotated[str | None, Query(max_length=48)] = None, offset: Offset = 0, limit: Limit = 100
    ) -> Page:
        records = await services.custom.unrecognised(station_id=station_id, offset=offset, limit=limit)
        total = await overview.count_unrecognised(services, station_id)
        return Page(items=[unrecognised_summary(x) for x in records], offset=offset, limit=limit, total=total)

    @api.post("/unrecognised-messages/assess", tags=["custom messages"])
    async def assess_unrecognised(
        station_id: Annotated[str, Query(min_length=1, max_length=48)],
        terminal: Annotated[str | None, Query(max_length=200, description='"MAKER MODEL" of the terminal')] = None,
    ) -> dict[str, Any]:
        """Assess the custom messages recorded for a station: supported, compatible, or needs development."""
        try:
            return await overview.assess_recorded(services, station_id, terminal)
        except DocumentError as exc:
            raise HTTPException(404, str(exc)) from None

    # -- dialects and catalog --------------------------------------------------------------------
    @api.get("/dialects", tags=["dialects"])
    async def list_dialects(offset: Offset = 0, limit: Limit = 100) -> Page:
        every = [dialect_summary(d) for d in services.dialects]
        return Page(items=every[offset : offset + limit], offset=offset, limit=limit, total=len(every))

    @api.get("/dialects/{dialect_id}", tags=["dialects"])
    async def show_dialect(dialect_id: str) -> dict[str, Any]:
        dialect = services.dialects.get(dialect_id)
        if dialect is None:
            raise HTTPException(404, f"no dialect {dialect_id}")
        return dialect.model_dump(mode="json", by_alias=True)

    @api.get("/catalog", tags=["catalog"])
    async def list_catalog(offset: Offset = 0, limit: Limit = 100) -> Page:
        every = [entry_summary(e) for e in services.catalog]
        return Page(items=every[offset : offset + limit], offset=offset, limit=limit, total=len(every))

    @api.get("/catalog/{entry_id}", tags=["catalog"])
    async def show_catalog_entry(entry_id: str) -> dict[str, Any]:
        entry = services.catalog.get(entry_id)
        if entry is None:
            raise HTTPException(404, f"no catalog entry {entry_id}")
        return {"title": entry.title, **entry.model_dump(mode="json")}

    api.include_router(requests_router(services))  # integration requests, behind the same token
    app.include_router(api)

    app.include_router(console_router(services, tokens, gateway))
    app.mount(
        "/console/static", StaticFiles(directory=FilePath(__file__).parent.parent / "console" / "static"), name="static"
    )

    @app.get("/", include_in_schema=False)
    async def home() -> Response:
        return RedirectResponse("/console/", status_code=303)

    return app


async def _station_detail(services: Services, station_id: str) -> dict[str, Any]:
    station = await services.stations.get(station_id)
    if station is None:
        raise HTTPException(404, f"no station {station_id}")
    detail = station_summary(station)
    detail["connectors"] = [_connector(x) for x in await services.stations.connectors(station_id)]
    detail["settings"] = {x.key: x.value for x in await services.stations.settings(station_id)}
    binding = services.payments.binding(station_id)
    detail["dialect"] = binding.dialect.id if binding else None
    detail["integration_params"] = binding.params if binding else {}
    detail["payment_events"] = [_event(x) for x in await services.payments.station_events(station_id, 20)]
    return detail


async def _bind(services: Services, station_id: str, entry: str, params: dict[str, Any]) -> dict[str, Any]:
    try:
        binding = await services.payments.bind(station_id, entry, params)
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from None
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    return {
        "station_id": station_id,
        "entry": binding.entry_id,
        "dialect": binding.dialect.id,
        "params": binding.params,
    }


def _query_time(value: datetime | None, name: str) -> datetime | None:
    try:
        return _utc(value)
    except ValueError:
        raise HTTPException(422, f"{name}: the time is out of range") from None


def _reason(exc: RequestValidationError) -> str:
    """FastAPI's list of validation errors, said in one line: `body.password: too short; query.limit: ...`."""
    parts = []
    for error in exc.errors()[:5]:
        where = ".".join(str(x) for x in error.get("loc", ()) if x != "body" or len(error.get("loc", ())) == 1)
        parts.append(f"{where}: {error.get('msg', 'invalid')}" if where else str(error.get("msg", "invalid")))
    return "; ".join(parts) or "invalid request"


def unrecognised_summary(x: Any) -> dict[str, Any]:
    return {
        "id": x.id,
        "station_id": x.station_id,
        "ocpp_version": x.ocpp_version,
        "vendor_id": x.vendor_id,
        "message_id": x.message_id or None,
        "first_seen_at": x.first_seen_at,
        "last_seen_at": x.last_seen_at,
        "count": x.count,
        "sample": x.sample,
    }


def _connector(x: Any) -> dict[str, Any]:
    return {
        "evse_id": x.evse_id,
        "connector_id": x.connector_id,
        "status": x.status,
        "error_code": x.error_code,
        "info": x.info,
        "updated_at": x.updated_at,
    }


def _check_integration(services: Services, entry_id: str) -> None:
    entry = services.catalog.get(entry_id)
    if entry is None:
        raise HTTPException(422, f"no catalog entry {entry_id!r}")
    if entry.dialect is None:
        raise HTTPException(422, f"catalog entry {entry_id} has no dialect yet (status {entry.status})")


def _event(x: Any) -> dict[str, Any]:
    return {
        "id": x.id,
        "session_id": x.session_id,
        "dialect": x.dialect,
        "message": x.message,
        "kind": x.kind,
        "at": x.at,
        "status": x.status,
        "amount": None if x.amount is None else float(x.amount),
        "currency": x.currency,
        "brand": x.brand,
        "transaction_id": x.transaction_ref,
        "terminal_id": x.terminal_id,
        "receipt_url": x.receipt_url,
    }


def _id_token(x: Any) -> dict[str, Any]:
    return {
        "value": x.value,
        "type": x.type,
        "status": x.status,
        "expires_at": x.expires_at,
        "parent_id": x.parent_id,
        "note": x.note,
    }
