"""`ocpay`: serve, manage stations and id tokens, upgrade the database."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from ocpay.config import Settings
from ocpay.services.container import Services
from ocpay.services.sessions import IdTokenExists
from ocpay.services.stations import StationExists, station_summary

app = typer.Typer(help="ocpay: OCPP central system for chargers with payment terminals.", no_args_is_help=True)
stations_app = typer.Typer(help="Stations allowed to connect.", no_args_is_help=True)
id_tokens_app = typer.Typer(help="Id tokens that drivers and terminals present (RFID, card-session tags).")
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(stations_app, name="stations")
app.add_typer(id_tokens_app, name="id-tokens")
app.add_typer(db_app, name="db")

console = Console()
T = TypeVar("T")

DbOption = Annotated[str | None, typer.Option("--db", help="Database URL (default: OCPAY_DB or ./ocpay.sqlite)")]


def _settings(**overrides: Any) -> Settings:
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


def _with_services(db: str | None, work: Callable[[Services], Awaitable[T]]) -> T:
    async def run() -> T:
        services = await Services.open(_settings(db=db))
        try:
            return await work(services)
        finally:
            await services.close()

    return asyncio.run(run())


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]error:[/red] {message}")
    return typer.Exit(1)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on [OCPAY_HOST]")] = None,
    ocpp_port: Annotated[int | None, typer.Option(help="OCPP WebSocket port [OCPAY_OCPP_PORT, 9000]")] = None,
    http_port: Annotated[int | None, typer.Option(help="REST API port [OCPAY_HTTP_PORT, 8080]")] = None,
    db: DbOption = None,
    open_registration: Annotated[
        bool | None, typer.Option("--open-registration/--closed-registration", help="Accept unknown stations")
    ] = None,
    tls_cert: Annotated[str | None, typer.Option(help="TLS certificate chain (PEM) for wss://")] = None,
    tls_key: Annotated[str | None, typer.Option(help="TLS private key (PEM)")] = None,
    tls_client_ca: Annotated[str | None, typer.Option(help="CA for client certificates (profile 3)")] = None,
) -> None:
    """Serve OCPP-J on /ocpp/{station_id} and the REST API, health and metrics over HTTP."""
    from ocpay.runtime import CentralSystem

    settings = _settings(
        host=host,
        ocpp_port=ocpp_port,
        http_port=http_port,
        db=db,
        open_registration=open_registration,
        tls_cert=tls_cert,
        tls_key=tls_key,
        tls_client_ca=tls_client_ca,
    )
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        asyncio.run(CentralSystem(settings).run_forever())
    except KeyboardInterrupt:
        pass


@stations_app.command("add")
def stations_add(
    station_id: str,
    password: Annotated[str | None, typer.Option(help="Basic auth password, 16-40 characters (profiles 1-2)")] = None,
    integration: Annotated[str | None, typer.Option(help="Catalog entry to bind the station to")] = None,
    db: DbOption = None,
) -> None:
    """Allow a station to connect."""
    if password is not None and not 16 <= len(password) <= 40:
        raise _fail("OCPP station passwords are 16 to 40 characters long")
    try:
        _with_services(db, lambda s: s.stations.add(station_id, password=password, integration=integration))
    except StationExists:
        raise _fail(f"station {station_id} exists already") from None
    console.print(f"station {station_id} added")


@stations_app.command("list")
def stations_list(db: DbOption = None, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List stations with their connection state."""
    stations = _with_services(db, lambda s: s.stations.all(limit=10_000))
    rows = [station_summary(x) for x in stations]
    if as_json:
        print(json.dumps(rows, default=_json_default, indent=2))
        return
    table = Table("station", "vendor", "model", "OCPP", "connected", "last seen")
    for row in rows:
        table.add_row(
            row["id"],
            row["vendor"] or "",
            row["model"] or "",
            row["ocpp_version"] or "",
            "yes" if row["connected"] else "no",
            str(row["last_seen_at"] or ""),
        )
    console.print(table)


@stations_app.command("show")
def stations_show(station_id: str, db: DbOption = None) -> None:
    """Show one station, its connectors and reported settings."""

    async def work(s: Services) -> dict[str, Any] | None:
        station = await s.stations.get(station_id)
        if station is None:
            return None
        detail = station_summary(station)
        detail["connectors"] = [
            {"evse": c.evse_id, "connector": c.connector_id, "status": c.status, "error": c.error_code}
            for c in await s.stations.connectors(station_id)
        ]
        return detail

    detail = _with_services(db, work)
    if detail is None:
        raise _fail(f"no station {station_id}")
    print(json.dumps(detail, default=_json_default, indent=2))


@stations_app.command("remove")
def stations_remove(station_id: str, db: DbOption = None) -> None:
    """Remove a station and everything recorded about it."""
    if not _with_services(db, lambda s: s.stations.remove(station_id)):
        raise _fail(f"no station {station_id}")
    console.print(f"station {station_id} removed")


@id_tokens_app.command("add")
def id_tokens_add(
    value: str,
    type: Annotated[
        str, typer.Option(help="OCPP 2.x IdTokenEnumType (ISO14443, Central, DirectPayment, ...)")
    ] = "Central",
    status: Annotated[str, typer.Option(help="Accepted, Blocked, Expired or Invalid")] = "Accepted",
    expires: Annotated[datetime | None, typer.Option(help="Expiry (ISO 8601, UTC)")] = None,
    note: Annotated[str | None, typer.Option()] = None,
    db: DbOption = None,
) -> None:
    """Add an id token with its authorisation policy."""
    if status not in ("Accepted", "Blocked", "Expired", "Invalid"):
        raise _fail("status is one of Accepted, Blocked, Expired, Invalid")
    if expires is not None and expires.tzinfo is None:
        from datetime import UTC

        expires = expires.replace(tzinfo=UTC)
    try:
        _with_services(
            db,
            lambda s: s.sessions.add_id_token(value, type=type, status=status, expires_at=expires, note=note),
        )
    except IdTokenExists:
        raise _fail(f"id token {value} exists already") from None
    console.print(f"id token {value} added ({status})")


@id_tokens_app.command("list")
def id_tokens_list(db: DbOption = None) -> None:
    """List id tokens."""
    tokens = _with_services(db, lambda s: s.sessions.id_tokens(limit=10_000))
    table = Table("id token", "type", "status", "expires", "note")
    for t in tokens:
        table.add_row(t.value, t.type, t.status, str(t.expires_at or ""), t.note or "")
    console.print(table)


@db_app.command("upgrade")
def db_upgrade(db: DbOption = None) -> None:
    """Apply database migrations (`serve` does this at start too)."""

    async def nothing(_s: Services) -> None:
        return None

    _with_services(db, nothing)
    console.print("database is up to date")


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)


if __name__ == "__main__":
    app()
