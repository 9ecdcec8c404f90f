"""`ocpay`: serve, manage stations and id tokens, upgrade the database."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markdown import Markdown
from rich.table import Table

from ocpay.app.config import Settings
from ocpay.app.container import Services
from ocpay.app.loop import run as run_loop
from ocpay.charging.exports import export_csv, export_sessions
from ocpay.charging.sessions import IdTokenExists
from ocpay.charging.stations import StationExists, station_summary
from ocpay.cli.api_tokens import register as register_api_tokens
from ocpay.cli.assess import register as register_assessment
from ocpay.cli.common import fail, with_services
from ocpay.cli.requests import register as register_requests
from ocpay.cli.simulate import register_commands as register_simulation
from ocpay.integrations.catalog import Catalog, entry_summary
from ocpay.integrations.dialects import DialectError, DialectSet, dialect_summary, load_dialect

app = typer.Typer(help="ocpay: OCPP central system for chargers with payment terminals.", no_args_is_help=True)
stations_app = typer.Typer(help="Stations allowed to connect.", no_args_is_help=True)
id_tokens_app = typer.Typer(help="Id tokens that drivers and terminals present (RFID, card-session tags).")
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
dialects_app = typer.Typer(help="Payment dialects: declarative custom message sets.", no_args_is_help=True)
catalog_app = typer.Typer(help="Supported charger x terminal pairs and their setup guides.", no_args_is_help=True)
sessions_app = typer.Typer(help="Charging sessions.", no_args_is_help=True)
app.add_typer(stations_app, name="stations")
app.add_typer(id_tokens_app, name="id-tokens")
app.add_typer(sessions_app, name="sessions")
app.add_typer(dialects_app, name="dialects")
app.add_typer(catalog_app, name="catalog")
app.add_typer(db_app, name="db")

console = Console()
T = TypeVar("T")

DbOption = Annotated[str | None, typer.Option("--db", help="Database URL (default: OCPAY_DB or ./ocpay.sqlite)")]


def _settings(**overrides: Any) -> Settings:
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


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
    from ocpay.app.runtime import CentralSystem

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
        run_loop(CentralSystem(settings).run_forever())
    except KeyboardInterrupt:
        pass
    except DialectError as exc:  # refuse to start rather than run half a dialect
        raise fail(str(exc)) from None


@stations_app.command("add")
def stations_add(
    station_id: str,
    password: Annotated[str | None, typer.Option(help="Basic auth password, 16-40 characters (profiles 1-2)")] = None,
    integration: Annotated[str | None, typer.Option(help="Catalog entry to bind the station to")] = None,
    param: Annotated[list[str] | None, typer.Option(help="Dialect parameter NAME=VALUE (repeatable)")] = None,
    db: DbOption = None,
) -> None:
    """Allow a station to connect."""
    if password is not None and not 16 <= len(password) <= 40:
        raise fail("OCPP station passwords are 16 to 40 characters long")
    params = _params(param)

    async def work(s: Services) -> None:
        await s.stations.add(station_id, password=password)
        if integration is not None:
            await s.payments.bind(station_id, integration, params)

    try:
        with_services(db, work)
    except StationExists:
        raise fail(f"station {station_id} exists already") from None
    except (LookupError, ValueError) as exc:
        raise fail(str(exc)) from None
    console.print(f"station {station_id} added" + (f", bound to {integration}" if integration else ""))


@stations_app.command("bind")
def stations_bind(
    station_id: str,
    integration: Annotated[str, typer.Argument(help="Catalog entry id")],
    param: Annotated[list[str] | None, typer.Option(help="Dialect parameter NAME=VALUE (repeatable)")] = None,
    db: DbOption = None,
) -> None:
    """Bind a station to a catalog entry (instead of matching its BootNotification)."""
    try:
        binding = with_services(db, lambda s: s.payments.bind(station_id, integration, _params(param)))
    except (LookupError, ValueError) as exc:
        raise fail(str(exc)) from None
    console.print(f"station {station_id} speaks {binding.dialect.id} with {binding.params}")


@stations_app.command("price")
def stations_price(
    station_id: str,
    kwh: Annotated[Decimal, typer.Option(help="price per kWh")],
    currency: Annotated[str, typer.Option(help="ISO 4217 code")] = "EUR",
    hour: Annotated[Decimal, typer.Option(help="price per hour")] = Decimal(0),
    flat: Annotated[Decimal, typer.Option(help="flat fee per session")] = Decimal(0),
    idle_hour: Annotated[Decimal | None, typer.Option(help="idle fee per hour")] = None,
    idle_grace_minutes: Annotated[int | None, typer.Option(help="minutes before the idle fee starts")] = None,
    text: Annotated[str | None, typer.Option(help="price text shown to the driver")] = None,
    db: DbOption = None,
) -> None:
    """Set the ad hoc price the station shows (OCA cost messages). The terminal charges with the station's tariff."""
    if len(currency) != 3 or not currency.isalpha():
        raise fail("currency is an ISO 4217 code such as EUR")
    values = {
        "currency": currency.upper(), "kwh_price": kwh, "hour_price": hour, "flat_fee": flat,
        "idle_hour_price": idle_hour, "idle_grace_minutes": idle_grace_minutes, "price_text": text,
    }  # fmt: skip
    try:
        with_services(db, lambda s: s.payments.set_price(station_id, **values))
    except LookupError as exc:
        raise fail(str(exc)) from None
    console.print(f"price of {station_id} set")


@stations_app.command("list")
def stations_list(db: DbOption = None, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List stations with their connection state."""
    stations = with_services(db, lambda s: s.stations.all(limit=10_000))
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

    detail = with_services(db, work)
    if detail is None:
        raise fail(f"no station {station_id}")
    print(json.dumps(detail, default=_json_default, indent=2))


@stations_app.command("remove")
def stations_remove(station_id: str, db: DbOption = None) -> None:
    """Remove a station and everything recorded about it."""
    if not with_services(db, lambda s: s.stations.remove(station_id)):
        raise fail(f"no station {station_id}")
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
        raise fail("status is one of Accepted, Blocked, Expired, Invalid")
    expires = _utc(expires)
    try:
        with_services(
            db,
            lambda s: s.sessions.add_id_token(value, type=type, status=status, expires_at=expires, note=note),
        )
    except IdTokenExists:
        raise fail(f"id token {value} exists already") from None
    console.print(f"id token {value} added ({status})")


@id_tokens_app.command("list")
def id_tokens_list(db: DbOption = None) -> None:
    """List id tokens."""
    tokens = with_services(db, lambda s: s.sessions.id_tokens(limit=10_000))
    table = Table("id token", "type", "status", "expires", "note")
    for t in tokens:
        table.add_row(t.value, t.type, t.status, str(t.expires_at or ""), t.note or "")
    console.print(table)


@sessions_app.command("list")
def sessions_list(
    station: Annotated[str | None, typer.Option(help="only this station")] = None,
    limit: Annotated[int, typer.Option()] = 50,
    db: DbOption = None,
) -> None:
    """The latest sessions, with how each is paid."""
    sessions = with_services(db, lambda s: s.sessions.all(station_id=station, limit=limit))
    table = Table("id", "station", "transaction", "status", "started", "kWh", "billing", "payment")
    for x in sessions:
        payment = f"{x.payment_status or ''} {x.final_amount or x.authorized_amount or ''} {x.currency or ''}"
        table.add_row(
            str(x.id), x.station_id, x.transaction_id or "", x.status, x.started_at.isoformat(timespec="seconds"),
            f"{(x.energy_wh or 0) / 1000:.2f}", x.billing, payment.strip() if x.billing == "terminal" else "",
        )  # fmt: skip
    console.print(table)


@sessions_app.command("export")
def sessions_export(
    format: Annotated[str, typer.Option(help="csv or json")] = "csv",
    since: Annotated[datetime | None, typer.Option(help="sessions started at or after (UTC)")] = None,
    until: Annotated[datetime | None, typer.Option(help="sessions started before (UTC)")] = None,
    output: Annotated[Path | None, typer.Option(help="file to write (default: standard output)")] = None,
    db: DbOption = None,
) -> None:
    """Completed sessions: terminal-paid apart from those the CSMS bills (never bill a card session again)."""
    if format not in ("csv", "json"):
        raise fail("format is csv or json")
    exported = with_services(db, lambda s: export_sessions(s.db, since=_utc(since), until=_utc(until)))
    text = export_csv(exported) if format == "csv" else json.dumps(exported, default=_json_default, indent=2)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        console.print(
            f"{len(exported['terminal_paid'])} terminal-paid and {len(exported['csms_billed'])} "
            f"CSMS-billed sessions written to {output}"
        )


@dialects_app.command("list")
def dialects_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every dialect the server loads."""
    dialects = _load_dialects()
    if as_json:
        print(json.dumps([dialect_summary(d) for d in dialects], indent=2))
        return
    table = Table("id", "title", "OCPP", "provenance", "messages")
    for d in dialects:
        table.add_row(d.id, d.title, ", ".join(d.ocpp_versions), d.provenance.kind, str(len(d.messages)))
    console.print(table)


@dialects_app.command("show")
def dialects_show(dialect_id: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """One dialect: provenance, card-session rules, configuration and messages."""
    dialect = _load_dialects().get(dialect_id)
    if dialect is None:
        raise fail(f"no dialect {dialect_id}")
    if as_json:
        print(json.dumps(dialect.model_dump(mode="json", by_alias=True), indent=2))
        return
    console.print(
        f"[bold]{dialect.title}[/bold] ({dialect.id} {dialect.version}), OCPP {', '.join(dialect.ocpp_versions)}"
    )
    console.print(f"provenance: {dialect.provenance.kind}: {dialect.provenance.source}")
    for rule in dialect.card_sessions:
        console.print(f"card sessions: {rule.kind} {rule.value or ''}")
    table = Table("message", "kind", "direction", "vendorId / action", "messageId", "event / when")
    for m in dialect.messages:
        event = m.event or ", ".join(sorted(set(m.event_by_status.values()))) or ""
        when = ", ".join(m.send_on)
        table.add_row(m.name, m.kind, m.direction, m.vendor_id or m.action or "", m.message_id or "", event or when)
    console.print(table)
    for key in dialect.configuration:
        console.print(f"configuration {key.key} = {key.expected or '(station value)'}: {key.description}")


@dialects_app.command("validate")
def dialects_validate(path: Path) -> None:
    """Check a dialect file; errors name the file, the place inside it and the reason."""
    try:
        dialect = load_dialect(path)
    except DialectError as exc:
        console.print(f"[red]{exc}[/red]", highlight=False)
        raise typer.Exit(1) from None
    console.print(f"{path}: valid dialect {dialect.id} with {len(dialect.messages)} messages")


@catalog_app.command("list")
def catalog_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Supported and requested charger x terminal pairs."""
    catalog = _load_catalog()
    if as_json:
        print(json.dumps([entry_summary(e) for e in catalog], indent=2))
        return
    table = Table("id", "charger", "terminal", "dialect", "status")
    for e in catalog:
        table.add_row(
            e.id, f"{e.charger.manufacturer} {', '.join(e.charger.models)}",
            f"{e.terminal.manufacturer} {', '.join(e.terminal.models)}", e.dialect or "-", e.status,
        )  # fmt: skip
    console.print(table)


@catalog_app.command("show")
def catalog_show(entry_id: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """One catalog entry with its setup guide."""
    entry = _load_catalog().get(entry_id)
    if entry is None:
        raise fail(f"no catalog entry {entry_id}")
    if as_json:
        print(json.dumps({"title": entry.title, **entry.model_dump(mode="json")}, indent=2))
        return
    console.print(f"[bold]{entry.title}[/bold]: {entry.status}, dialect {entry.dialect or 'none yet'}")
    console.print(entry.documentation)
    console.print(Markdown(entry.setup_guide))


def _load_dialects() -> DialectSet:
    settings = _settings()
    try:
        return DialectSet.load(Path(d) for d in settings.dialect_dirs)
    except DialectError as exc:
        raise fail(str(exc)) from None


def _load_catalog() -> Catalog:
    settings = _settings()
    try:
        return Catalog.load(_load_dialects(), (Path(d) for d in settings.catalog_dirs))
    except DialectError as exc:
        raise fail(str(exc)) from None


def _params(pairs: list[str] | None) -> dict[str, str]:
    params = {}
    for pair in pairs or ():
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise fail(f"--param takes NAME=VALUE, not {pair!r}")
        params[name] = value
    return params


def _utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


@db_app.command("upgrade")
def db_upgrade(db: DbOption = None) -> None:
    """Apply database migrations (`serve` does this at start too)."""

    async def nothing(_s: Services) -> None:
        return None

    with_services(db, nothing)
    console.print("database is up to date")


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)


# The commands of the later layers, after serve and the station and session groups in `ocpay --help`.
register_simulation(app)
register_assessment(app)
register_requests(app)
register_api_tokens(app)


if __name__ == "__main__":
    app()
