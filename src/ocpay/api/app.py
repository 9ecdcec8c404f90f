"""REST API (FastAPI): thin handlers over the services; OpenAPI at /openapi.json."""

from __future__ import annotations

import hmac
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field

from ocpay import __version__
from ocpay.api.requests import create_router as requests_router
from ocpay.gateway.server import CallFailed, CallTimeout, Gateway, StationOffline
from ocpay.ocpp.commands import UnsupportedCommand
from ocpay.ocpp.schemas import SchemaViolation
from ocpay.services.catalog import entry_summary
from ocpay.services.commands import Commands, InvalidAnswer
from ocpay.services.container import Services
from ocpay.services.dialects import dialect_summary
from ocpay.services.exports import export_csv, export_sessions
from ocpay.services.sessions import IdTokenExists, session_summary
from ocpay.services.stations import StationExists, UnknownStation, station_summary

_bearer = HTTPBearer(auto_error=False)
Offset = Annotated[int, Query(ge=0)]
Limit = Annotated[int, Query(ge=1, le=1000)]


class Page(BaseModel):
    items: list[dict[str, Any]]
    offset: int
    limit: int


class StationIn(BaseModel):
    id: str = Field(min_length=1, max_length=48, pattern=r"^[^/\s]+$")
    password: str | None = Field(default=None, min_length=16, max_length=40)  # OCPP: 16-40 characters
    integration: str | None = None


class PasswordIn(BaseModel):
    password: str | None = Field(default=None, min_length=16, max_length=40)


class IdTokenIn(BaseModel):
    value: str = Field(min_length=1, max_length=255)
    type: str = "Central"
    status: Literal["Accepted", "Blocked", "Expired", "Invalid"] = "Accepted"
    expires_at: datetime | None = None
    parent_id: str | None = None
    note: str | None = None


class IntegrationIn(BaseModel):
    entry: str = Field(description="catalog entry id")
    params: dict[str, Any] = {}


class PriceIn(BaseModel):
    """The ad hoc price a station shows (OCA cost messages); the terminal charges with the station's tariff."""

    currency: str = Field(pattern=r"^[A-Z]{3}$")
    kwh_price: Decimal = Field(ge=0)
    hour_price: Decimal = Field(default=Decimal(0), ge=0)
    flat_fee: Decimal = Field(default=Decimal(0), ge=0)
    idle_hour_price: Decimal | None = Field(default=None, ge=0)
    idle_grace_minutes: int | None = Field(default=None, ge=0)
    price_text: str | None = Field(default=None, max_length=500)


class CommandIn(BaseModel):
    """Arguments of a command; each command reads the ones it needs."""

    id_token: str | None = None
    evse_id: int | None = None
    connector_id: int = 1
    transaction_id: str | None = None
    hard: bool = False
    key: str | None = None
    value: str | None = None
    keys: list[str] = []
    message: str | None = None
    vendor_id: str | None = None
    message_id: str | None = None
    data: Any = None
    operative: bool = True
    timeout: float | None = Field(default=None, gt=0, le=120)


CommandName = Literal[
    "remote-start",
    "remote-stop",
    "reset",
    "set-configuration",
    "get-configuration",
    "trigger-message",
    "data-transfer",
    "unlock-connector",
    "change-availability",
]


def create_app(services: Services, gateway: Gateway | None = None) -> FastAPI:
    app = FastAPI(title="ocpay", version=__version__, description="OCPP central system for payment-terminal chargers")

    async def require_token(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> None:
        expected = services.settings.api_token
        if not expected:
            return
        if credentials is None or not hmac.compare_digest(credentials.credentials.encode(), expected.encode()):
            raise HTTPException(401, "a valid bearer token is required", headers={"WWW-Authenticate": "Bearer"})

    api = APIRouter(prefix="/api", dependencies=[Depends(require_token)])

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, Any]:
        return {
            "status": "ok",
            "version": __version__,
            "stations_connected": len(gateway.connections) if gateway else 0,
        }

    @app.get("/metrics", tags=["health"], response_class=Response)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    # -- stations ------------------------------------------------------------------------------
    @api.get("/stations", tags=["stations"])
    async def list_stations(offset: Offset = 0, limit: Limit = 100) -> Page:
        stations = await services.stations.all(offset=offset, limit=limit)
        return Page(items=[station_summary(x) for x in stations], offset=offset, limit=limit)

    @api.post("/stations", tags=["stations"], status_code=201)
    async def add_station(body: StationIn) -> dict[str, Any]:
        try:
            station = await services.stations.add(body.id, password=body.password, integration=body.integration)
        except StationExists:
            raise HTTPException(409, f"station {body.id} exists already") from None
        return station_summary(station)

    @api.get("/stations/{station_id}", tags=["stations"])
    async def show_station(station_id: str) -> dict[str, Any]:
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

    @api.put("/stations/{station_id}/integration", tags=["stations"])
    async def bind_integration(station_id: str, body: IntegrationIn) -> dict[str, Any]:
        try:
            binding = await services.payments.bind(station_id, body.entry, body.params)
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

    @api.put("/stations/{station_id}/price", tags=["stations"])
    async def set_price(station_id: str, body: PriceIn) -> dict[str, Any]:
        try:
            await services.payments.set_price(station_id, **body.model_dump())
        except LookupError as exc:
            raise HTTPException(404, str(exc)) from None
        return {"station_id": station_id, **body.model_dump(mode="json")}

    @api.put("/stations/{station_id}/password", tags=["stations"], status_code=204)
    async def set_password(station_id: str, body: PasswordIn) -> None:
        try:
            await services.stations.set_password(station_id, body.password)
        except UnknownStation:
            raise HTTPException(404, f"no station {station_id}") from None

    @api.delete("/stations/{station_id}", tags=["stations"], status_code=204)
    async def remove_station(station_id: str) -> None:
        if not await services.stations.remove(station_id):
            raise HTTPException(404, f"no station {station_id}")

    @api.get("/stations/{station_id}/connectors", tags=["stations"])
    async def list_connectors(station_id: str) -> list[dict[str, Any]]:
        return [_connector(x) for x in await services.stations.connectors(station_id)]

    @api.get("/stations/{station_id}/notices", tags=["stations"])
    async def list_notices(station_id: str, limit: Limit = 50) -> list[dict[str, Any]]:
        return [
            {"kind": x.kind, "status": x.status, "at": x.at, "detail": x.detail}
            for x in await services.stations.notices(station_id, limit)
        ]

    @api.post("/stations/{station_id}/commands/{command}", tags=["commands"])
    async def send_command(station_id: str, command: CommandName, body: CommandIn) -> dict[str, Any]:
        if services.commands is None:
            raise HTTPException(503, "this process holds no station connections")
        try:
            answer = await _run_command(services.commands, station_id, command, body)
        except StationOffline:
            raise HTTPException(409, f"station {station_id} is not connected") from None
        except CallTimeout as exc:
            raise HTTPException(504, str(exc)) from None
        except CallFailed as exc:
            raise HTTPException(502, f"station answered {exc.code}: {exc.description}") from None
        except InvalidAnswer as exc:
            raise HTTPException(502, str(exc)) from None
        except (SchemaViolation, UnsupportedCommand, ValueError) as exc:
            raise HTTPException(422, str(exc)) from None
        return {"station_id": station_id, "command": command, "answer": answer}

    # -- sessions ------------------------------------------------------------------------------
    @api.get("/sessions", tags=["sessions"])
    async def list_sessions(
        station_id: str | None = None,
        status: Literal["active", "completed"] | None = None,
        since: datetime | None = None,
        offset: Offset = 0,
        limit: Limit = 100,
    ) -> Page:
        sessions = await services.sessions.all(
            station_id=station_id, status=status, since=since, offset=offset, limit=limit
        )
        return Page(items=[session_summary(x) for x in sessions], offset=offset, limit=limit)

    @api.get("/sessions/export", tags=["sessions"], response_model=None)
    async def export(
        format: Literal["json", "csv"] = "json",
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Response | dict[str, Any]:
        """Completed sessions, terminal-paid kept apart from those the CSMS bills."""
        exported = await export_sessions(services.db, since=since, until=until)
        if format == "csv":
            return Response(
                export_csv(exported),
                media_type="text/csv",
                headers={"Content-Disposition": 'attachment; filename="sessions.csv"'},
            )
        return exported

    @api.get("/sessions/{session_id}", tags=["sessions"])
    async def show_session(session_id: int) -> dict[str, Any]:
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
        tokens = await services.sessions.id_tokens(offset=offset, limit=limit)
        return Page(items=[_id_token(x) for x in tokens], offset=offset, limit=limit)

    @api.post("/id-tokens", tags=["id tokens"], status_code=201)
    async def add_id_token(body: IdTokenIn) -> dict[str, Any]:
        try:
            token = await services.sessions.add_id_token(**body.model_dump())
        except IdTokenExists:
            raise HTTPException(409, f"id token {body.value} exists already") from None
        return _id_token(token)

    # -- custom messages -----------------------------------------------------------------------
    @api.get("/unrecognised-messages", tags=["custom messages"])
    async def list_unrecognised(station_id: str | None = None, offset: Offset = 0, limit: Limit = 100) -> Page:
        records = await services.custom.unrecognised(station_id=station_id, offset=offset, limit=limit)
        items = [
            {
                "station_id": x.station_id,
                "ocpp_version": x.ocpp_version,
                "vendor_id": x.vendor_id,
                "message_id": x.message_id or None,
                "first_seen_at": x.first_seen_at,
                "last_seen_at": x.last_seen_at,
                "count": x.count,
                "sample": x.sample,
            }
            for x in records
        ]
        return Page(items=items, offset=offset, limit=limit)

    # -- dialects and catalog --------------------------------------------------------------------
    @api.get("/dialects", tags=["dialects"])
    async def list_dialects() -> list[dict[str, Any]]:
        return [dialect_summary(d) for d in services.dialects]

    @api.get("/dialects/{dialect_id}", tags=["dialects"])
    async def show_dialect(dialect_id: str) -> dict[str, Any]:
        dialect = services.dialects.get(dialect_id)
        if dialect is None:
            raise HTTPException(404, f"no dialect {dialect_id}")
        return dialect.model_dump(mode="json", by_alias=True)

    @api.get("/catalog", tags=["catalog"])
    async def list_catalog() -> list[dict[str, Any]]:
        return [entry_summary(e) for e in services.catalog]

    @api.get("/catalog/{entry_id}", tags=["catalog"])
    async def show_catalog_entry(entry_id: str) -> dict[str, Any]:
        entry = services.catalog.get(entry_id)
        if entry is None:
            raise HTTPException(404, f"no catalog entry {entry_id}")
        return {"title": entry.title, **entry.model_dump(mode="json")}

    @app.exception_handler(UnknownStation)
    async def unknown_station(_request: Request, exc: UnknownStation) -> Response:
        return Response(f'{{"detail": "no station {exc}"}}', status_code=404, media_type="application/json")

    api.include_router(requests_router(services))  # integration requests, behind the same token
    app.include_router(api)
    return app


async def _run_command(commands: Commands, station_id: str, command: str, body: CommandIn) -> dict[str, Any]:
    match command:
        case "remote-start":
            return await commands.remote_start(
                station_id, _need(body.id_token, "id_token"), body.evse_id, timeout=body.timeout
            )
        case "remote-stop":
            return await commands.remote_stop(
                station_id, _need(body.transaction_id, "transaction_id"), timeout=body.timeout
            )
        case "reset":
            return await commands.reset(station_id, body.hard, timeout=body.timeout)
        case "set-configuration":
            return await commands.set_configuration(
                station_id, _need(body.key, "key"), _need(body.value, "value"), timeout=body.timeout
            )
        case "get-configuration":
            return await commands.get_configuration(station_id, body.keys, timeout=body.timeout)
        case "trigger-message":
            return await commands.trigger_message(
                station_id, _need(body.message, "message"), body.evse_id, timeout=body.timeout
            )
        case "data-transfer":
            return await commands.data_transfer(
                station_id, _need(body.vendor_id, "vendor_id"), body.message_id, body.data, timeout=body.timeout
            )
        case "unlock-connector":
            return await commands.unlock_connector(
                station_id, _need(body.evse_id, "evse_id"), body.connector_id, timeout=body.timeout
            )
        case "change-availability":
            return await commands.change_availability(
                station_id, body.evse_id or 0, body.operative, timeout=body.timeout
            )
    raise ValueError(f"unknown command {command}")


def _need(value: Any, name: str) -> Any:
    if value is None:
        raise ValueError(f"{name} is required for this command")
    return value


def _connector(x: Any) -> dict[str, Any]:
    return {
        "evse_id": x.evse_id,
        "connector_id": x.connector_id,
        "status": x.status,
        "error_code": x.error_code,
        "info": x.info,
        "updated_at": x.updated_at,
    }


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
