"""`ocpay stations`: the stations allowed to connect, their binding to a catalog entry and their price."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

import typer

from ocpay.api.views import connector_brief_view, station_view
from ocpay.app.container import Services
from ocpay.charging import identity
from ocpay.charging.stations import StationExists
from ocpay.cli.common import DbOption, JsonOption, console, fail, listing, print_json, when, with_services

group = typer.Typer(help="Stations allowed to connect.", no_args_is_help=True)


def _identity(value: str) -> str:
    """The station id as given, when OCPP allows it (charging/identity.py); a usage error otherwise."""
    reason = identity.problem(value)
    if reason is not None:
        raise typer.BadParameter(reason)
    return value


StationArg = Annotated[str, typer.Argument(help=f"station identity: {identity.RULE}", callback=_identity)]
ParamOption = Annotated[list[str] | None, typer.Option(help="Dialect parameter NAME=VALUE (repeatable)")]


@group.command("add")
def add(
    station_id: StationArg,
    password: Annotated[str | None, typer.Option(help="Basic auth password, 16-40 characters (profiles 1-2)")] = None,
    integration: Annotated[str | None, typer.Option(help="Catalog entry to bind the station to")] = None,
    param: ParamOption = None,
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


@group.command("bind")
def bind(
    station_id: StationArg,
    integration: Annotated[str, typer.Argument(help="Catalog entry id")],
    param: ParamOption = None,
    db: DbOption = None,
) -> None:
    """Bind a station to a catalog entry (instead of matching its BootNotification)."""
    try:
        binding = with_services(db, lambda s: s.payments.bind(station_id, integration, _params(param)))
    except (LookupError, ValueError) as exc:
        raise fail(str(exc)) from None
    console.print(f"station {station_id} speaks {binding.dialect.id} with {binding.params}")


@group.command("price")
def price(
    station_id: StationArg,
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


@group.command("list")
def list_stations(db: DbOption = None, as_json: JsonOption = False) -> None:
    """List stations with their connection state."""
    rows = [station_view(x) for x in with_services(db, lambda s: s.stations.all(limit=10_000))]
    if as_json:
        print_json(rows)
        return
    cells = [
        (
            row["id"], row["vendor"] or "", row["model"] or "", row["ocpp_version"] or "",
            "yes" if row["connected"] else "no", when(row["last_seen_at"]),
        )
        for row in rows
    ]  # fmt: skip
    console.print(listing(("station", "vendor", "model", "OCPP", "connected", "last seen"), cells))


@group.command("show")
def show(station_id: StationArg, db: DbOption = None) -> None:
    """Show one station, its connectors and reported settings."""

    async def work(s: Services) -> dict[str, Any] | None:
        station = await s.stations.get(station_id)
        if station is None:
            return None
        detail = station_view(station)
        connectors = await s.stations.connectors(station_id)
        detail["connectors"] = [connector_brief_view(x, station.connected) for x in connectors]
        return detail

    detail = with_services(db, work)
    if detail is None:
        raise fail(f"no station {station_id}")
    print_json(detail)


@group.command("remove")
def remove(station_id: StationArg, db: DbOption = None) -> None:
    """Remove a station and everything recorded about it."""
    if not with_services(db, lambda s: s.stations.remove(station_id)):
        raise fail(f"no station {station_id}")
    console.print(f"station {station_id} removed")


def _params(pairs: list[str] | None) -> dict[str, str]:
    params = {}
    for pair in pairs or ():
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise fail(f"--param takes NAME=VALUE, not {pair!r}")
        params[name] = value
    return params
