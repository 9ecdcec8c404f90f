"""/api/stations: the stations allowed to connect, their credentials, binding, price, connectors and history."""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from ocpay.api import views
from ocpay.api.deps import GatewayDep, ServicesDep
from ocpay.api.params import ErrorOut, Limit, Offset, Page, StationId, StationIdField
from ocpay.app import overview
from ocpay.app.container import Services

router = APIRouter(tags=["stations"])


class StationIn(BaseModel):
    id: StationIdField
    password: str | None = Field(default=None, min_length=16, max_length=40)  # OCPP: 16-40 characters
    integration: str | None = Field(default=None, max_length=100)


class StationPatch(BaseModel):
    """Change what is given: `password` (null removes it), or the catalog `integration` with its `params`."""

    password: str | None = Field(default=None, min_length=16, max_length=40)
    integration: str | None = Field(default=None, min_length=1, max_length=100, description="catalog entry id")
    params: dict[str, Any] | None = None


class PasswordIn(BaseModel):
    password: str | None = Field(default=None, min_length=16, max_length=40)


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


@router.get("/stations")
async def list_stations(services: ServicesDep, offset: Offset = 0, limit: Limit = 100) -> Page:
    stations = await services.stations.all(offset=offset, limit=limit)
    total = await overview.count_stations(services)
    return Page(items=[views.station_view(x) for x in stations], offset=offset, limit=limit, total=total)


@router.post("/stations", status_code=201, responses={409: {"model": ErrorOut}})
async def add_station(body: StationIn, services: ServicesDep) -> dict[str, Any]:
    if body.integration is not None:
        _check_integration(services, body.integration)  # before anything is stored
    station = await services.stations.add(body.id, password=body.password)
    if body.integration is not None:
        await services.payments.bind(body.id, body.integration)
        station.integration = body.integration
    return views.station_view(station)


@router.get("/stations/{station_id}")
async def show_station(station_id: StationId, services: ServicesDep) -> dict[str, Any]:
    return await _station_detail(services, station_id)


@router.patch("/stations/{station_id}")
async def update_station(station_id: StationId, body: StationPatch, services: ServicesDep) -> dict[str, Any]:
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


@router.post("/stations/{station_id}/credentials")
async def new_credentials(station_id: StationId, services: ServicesDep) -> dict[str, Any]:
    """Generate a new Basic-auth password for the station (security profiles 1-2); shown once, stored hashed."""
    password = secrets.token_urlsafe(24)[:32]
    await services.stations.set_password(station_id, password)
    return {"station_id": station_id, "username": station_id, "password": password}


@router.get("/stations/{station_id}/health")
async def station_health(
    station_id: StationId,
    services: ServicesDep,
    window: Annotated[int, Query(ge=1, le=1000, description="card sessions to consider")] = 20,
) -> dict[str, Any]:
    """Integration health: configuration as expected, last card session, failure rate."""
    health = await services.health.station(station_id, window)
    if health is None:
        raise HTTPException(404, f"no station {station_id}")
    last = health["last_card_session"]
    currencies = await overview.price_currencies(services, [last] if last else [])
    return views.health_view(health, currencies.get(station_id))


@router.put("/stations/{station_id}/integration")
async def bind_integration(station_id: StationId, body: IntegrationIn, services: ServicesDep) -> dict[str, Any]:
    return await _bind(services, station_id, body.entry, body.params)


@router.put("/stations/{station_id}/price")
async def set_price(station_id: StationId, body: PriceIn, services: ServicesDep) -> dict[str, Any]:
    try:
        await services.payments.set_price(station_id, **body.model_dump())
    except LookupError as exc:  # no such station
        raise HTTPException(404, str(exc)) from None
    return {"station_id": station_id, **body.model_dump(mode="json")}


@router.put("/stations/{station_id}/password", status_code=204)
async def set_password(station_id: StationId, body: PasswordIn, services: ServicesDep) -> None:
    await services.stations.set_password(station_id, body.password)


@router.delete("/stations/{station_id}", status_code=204)
async def remove_station(station_id: StationId, services: ServicesDep, gateway: GatewayDep) -> None:
    if not await services.stations.remove(station_id):
        raise HTTPException(404, f"no station {station_id}")
    if gateway is not None:
        await gateway.disconnect(station_id, "station removed")


@router.get("/stations/{station_id}/connectors")
async def list_connectors(station_id: StationId, services: ServicesDep) -> list[dict[str, Any]]:
    """Every connector of the station (a handful: not paged); `Unknown` while the station is offline."""
    station = await services.stations.get(station_id)
    if station is None:
        raise HTTPException(404, f"no station {station_id}")
    return [views.connector_view(x, station.connected) for x in await services.stations.connectors(station_id)]


@router.get("/stations/{station_id}/boots")
async def list_boots(station_id: StationId, services: ServicesDep, limit: Limit = 50) -> list[dict[str, Any]]:
    """The station's boot history, newest first: firmware, model and OCPP version over time."""
    return [views.boot_view(x) for x in await services.stations.boots(station_id, limit)]


@router.get("/stations/{station_id}/notices")
async def list_notices(station_id: StationId, services: ServicesDep, limit: Limit = 50) -> list[dict[str, Any]]:
    """The latest notices, newest first (firmware, security, rejected dialect messages, ...)."""
    return [views.notice_view(x) for x in await services.stations.notices(station_id, limit)]


async def _station_detail(services: Services, station_id: str) -> dict[str, Any]:
    station = await services.stations.get(station_id)
    if station is None:
        raise HTTPException(404, f"no station {station_id}")
    detail = views.station_view(station)
    connectors = await services.stations.connectors(station_id)
    detail["connectors"] = [views.connector_view(x, station.connected) for x in connectors]
    detail["settings"] = {x.key: x.value for x in await services.stations.settings(station_id)}
    detail["pending_settings"] = services.stations.pending(station_id)  # accepted, in effect after a reboot
    binding = services.payments.binding(station_id)
    detail["dialect"] = binding.dialect.id if binding else None
    detail["integration_params"] = binding.params if binding else {}
    detail["payment_events"] = [
        views.payment_event_view(x) for x in await services.payments.station_events(station_id, 20)
    ]
    return detail


async def _bind(services: Services, station_id: str, entry: str, params: dict[str, Any]) -> dict[str, Any]:
    try:
        binding = await services.payments.bind(station_id, entry, params)
    except LookupError as exc:  # no such station or catalog entry
        raise HTTPException(404, str(exc)) from None
    except ValueError as exc:  # an entry without a dialect, parameters the dialect does not have
        raise HTTPException(422, str(exc)) from None
    return {
        "station_id": station_id,
        "entry": binding.entry_id,
        "dialect": binding.dialect.id,
        "params": binding.params,
    }


def _check_integration(services: Services, entry_id: str) -> None:
    entry = services.catalog.get(entry_id)
    if entry is None:
        raise HTTPException(422, f"no catalog entry {entry_id!r}")
    if entry.dialect is None:
        raise HTTPException(422, f"catalog entry {entry_id} has no dialect yet (status {entry.status})")
