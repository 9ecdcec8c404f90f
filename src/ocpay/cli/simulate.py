"""`ocpay simulate` and `ocpay demo`: simulated chargers with terminals, built from the dialect files."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ocpay.config import Settings
from ocpay.services.catalog import Catalog
from ocpay.services.dialects import DialectError, DialectSet
from ocpay.simulator.run import Summary, profiles, register, simulate
from ocpay.simulator.station import FAULTS, Options

console = Console()


def register_commands(app: typer.Typer) -> None:
    app.command("simulate")(simulate_command)
    app.command("demo")(demo_command)


def simulate_command(
    url: Annotated[
        str, typer.Option(help="OCPP endpoint, e.g. ws://127.0.0.1:9000/ocpp/")
    ] = "ws://127.0.0.1:9000/ocpp/",
    integration: Annotated[str | None, typer.Option(help="catalog entry to simulate")] = None,
    dialect: Annotated[str | None, typer.Option(help="dialect to simulate (without a catalog entry)")] = None,
    stations: Annotated[int, typer.Option(min=1, help="stations per catalog entry")] = 2,
    sessions: Annotated[int, typer.Option(min=1, help="sessions per station")] = 3,
    ocpp_version: Annotated[str | None, typer.Option(help="1.6, 2.0.1 or 2.1 (default: the entry's)")] = None,
    card_ratio: Annotated[float, typer.Option(min=0, max=1, help="share of card sessions")] = 0.5,
    decline_ratio: Annotated[float, typer.Option(min=0, max=1, help="share of cards the terminal declines")] = 0.1,
    fault: Annotated[list[str] | None, typer.Option(help=f"inject faults: {', '.join(FAULTS)} (repeatable)")] = None,
    fault_ratio: Annotated[float, typer.Option(min=0, max=1, help="share of sessions with each fault")] = 0.2,
    api: Annotated[str | None, typer.Option(help="REST API to register stations, bindings, id tokens")] = None,
    api_token: Annotated[str | None, typer.Option(envvar="OCPAY_API_TOKEN", help="bearer token for --api")] = None,
    seed: Annotated[int, typer.Option(help="random seed: the same seed plays the same fleet")] = 1,
) -> None:
    """Play stations with their payment terminals against a CSMS; exit 1 when a session failed unexpectedly."""
    faults = tuple(fault or ())
    unknown = set(faults) - set(FAULTS)
    if unknown:
        console.print(f"[red]error:[/red] unknown faults {sorted(unknown)}; choose from {', '.join(FAULTS)}")
        raise typer.Exit(2)
    try:
        dialects = DialectSet.load()
        fleet = profiles(
            Catalog.load(dialects), dialects, stations=stations, entry_id=integration, dialect_id=dialect,
            version=ocpp_version,
        )  # fmt: skip
    except (DialectError, LookupError, ValueError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    options = Options(card_ratio=card_ratio, decline_ratio=decline_ratio, faults=faults, fault_ratio=fault_ratio)

    async def run() -> Summary:
        if api:
            await register(api, api_token, fleet, rfid_tokens=sessions + 1)
        with Progress(
            TextColumn("sessions"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
        ) as progress:
            task = progress.add_task("sessions", total=len(fleet) * sessions)
            return await simulate(
                url, fleet, sessions=sessions, options=options, seed=seed,
                on_session=lambda _o: progress.advance(task),
            )  # fmt: skip

    summary = asyncio.run(run())
    print_summary(summary)
    if summary.unexpected_failures or summary.errors:
        raise typer.Exit(1)


def print_summary(summary: Summary) -> None:
    table = Table("session", "outcome", "count", title="simulated sessions")
    for kind, result, count in summary.table():
        style = "red" if result == "failed" else ""
        table.add_row(kind, f"[{style}]{result}[/{style}]" if style else result, str(count))
    console.print(table)
    injected = sum(len(o.injected) for o in summary.outcomes)
    if injected:
        console.print(f"{injected} faults injected; a session that failed because of one still counts as failed")
    if summary.received:
        console.print("received from the CSMS: " + ", ".join(f"{k} x{v}" for k, v in sorted(summary.received.items())))
    for outcome in summary.unexpected_failures[:20]:
        console.print(f"[red]failed[/red] {outcome.station_id} {outcome.kind}: {outcome.reason}")
    for error in summary.errors[:20]:
        console.print(f"[red]did not boot[/red] {error}")


def demo_command(
    stations: Annotated[int, typer.Option(min=1, help="simulated stations per catalog entry")] = 2,
    db: Annotated[str | None, typer.Option("--db", help="database URL (default ./ocpay.sqlite)")] = None,
    ocpp_port: Annotated[int | None, typer.Option(help="OCPP port")] = None,
    http_port: Annotated[int | None, typer.Option(help="HTTP port")] = None,
    pause: Annotated[float, typer.Option(help="seconds between a station's messages")] = 2.0,
) -> None:
    """`ocpay serve` on the embedded SQLite default with a demo fleet charging continuously."""
    from ocpay.runtime import CentralSystem

    settings = Settings(open_registration=True, authorize_unknown=False)
    settings.db = db or settings.db
    settings.ocpp_port = settings.ocpp_port if ocpp_port is None else ocpp_port
    settings.http_port = settings.http_port if http_port is None else http_port
    logging.basicConfig(level="WARNING", format="%(asctime)s %(levelname)s %(name)s %(message)s")

    async def run() -> None:
        system = CentralSystem(settings)
        await system.start()
        assert system.gateway is not None and system.services is not None
        host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
        http = f"http://{host}:{system.http_port}"
        url = f"ws://{host}:{system.gateway.port}/ocpp/"
        dialects = system.services.dialects
        fleet = profiles(system.services.catalog, dialects, stations=stations, prefix="DEMO")
        fleet += profiles(
            system.services.catalog, dialects, stations=stations, dialect_id="ocpp21.direct-payment", prefix="DEMO"
        )
        await register(http, settings.api_token, fleet, rfid_tokens=1000)
        console.print(f"ocpay is running: OCPP {url}{{station_id}}, API {http}/api, docs {http}/docs")
        console.print(f"console: {http}/  ({len(fleet)} simulated stations charging; Ctrl-C stops)")
        options = Options(card_ratio=0.6, pause=pause)
        try:
            await simulate(url, fleet, sessions=0, options=options, forever=True)
        finally:
            await system.stop()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass
