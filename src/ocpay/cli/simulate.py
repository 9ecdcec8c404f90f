"""`ocpay simulate` and `ocpay bench`: simulated chargers with terminals, built from the dialect files, and load."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ocpay.app.loop import run as run_loop
from ocpay.cli.common import JsonOption, console
from ocpay.integrations.catalog import Catalog
from ocpay.integrations.dialects import DialectError, DialectSet
from ocpay.simulator.run import Summary, profiles, register, simulate
from ocpay.simulator.station import FAULTS, Options


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

    summary = run_loop(run())
    print_summary(summary)
    if summary.unexpected_failures or summary.errors:
        raise typer.Exit(1)


def print_summary(summary: Summary) -> None:
    """The table of simulated sessions by outcome, then what failed and why."""
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


def bench_command(
    url: Annotated[str, typer.Option(help="OCPP endpoint")] = "ws://127.0.0.1:9000/ocpp/",
    stations: Annotated[int, typer.Option(min=1)] = 100,
    calls: Annotated[int, typer.Option(min=1, help="calls per station")] = 200,
    ocpp_version: Annotated[str, typer.Option(help="1.6, 2.0.1 or 2.1")] = "1.6",
    mix: Annotated[str | None, typer.Option(help="e.g. Heartbeat=0.25,StatusNotification=0.2,...")] = None,
    rate: Annotated[
        float | None, typer.Option(help="calls per second per station (default: as fast as answered)")
    ] = None,
    metrics: Annotated[str | None, typer.Option(help="the server's /metrics URL, to read its resident memory")] = None,
    server_pid: Annotated[int | None, typer.Option(help="the server's pid, to read its resident memory")] = None,
    no_boot: Annotated[bool, typer.Option("--no-boot", help="skip BootNotification/StartTransaction")] = False,
    seed: Annotated[int, typer.Option()] = 1,
    as_json: JsonOption = False,
) -> None:
    """A reproducible load against any OCPP-J server: calls/s, latency percentiles, errors, server memory."""
    from ocpay.simulator.load import DEFAULT_MIX, KINDS, run_load

    chosen = DEFAULT_MIX
    if mix:
        try:
            chosen = {k: float(v) for k, v in (part.split("=") for part in mix.split(","))}
        except ValueError:
            console.print("[red]error:[/red] --mix is NAME=WEIGHT,NAME=WEIGHT")
            raise typer.Exit(2) from None
        unknown = set(chosen) - set(KINDS)
        if unknown:
            console.print(f"[red]error:[/red] unknown kinds {sorted(unknown)}; choose from {', '.join(KINDS)}")
            raise typer.Exit(2)
    result = run_loop(
        run_load(url, stations=stations, calls=calls, version=ocpp_version, mix=chosen, seed=seed,
                 boot=not no_boot, rate_per_station=rate)
    )  # fmt: skip
    rss = _server_rss(metrics, server_pid)
    figures = {
        "stations": stations, "connected": result.connected, "calls": result.calls,
        "seconds": round(result.seconds, 3), "calls_per_second": round(result.rate, 1),
        "p50_ms": round(result.percentile(50) * 1000, 2), "p95_ms": round(result.percentile(95) * 1000, 2),
        "p99_ms": round(result.percentile(99) * 1000, 2), "errors": dict(result.errors),
        "server_rss_mb": None if rss is None else round(rss / 2**20, 1),
    }  # fmt: skip
    if as_json:
        print(json.dumps(figures))
        return
    table = Table("figure", "value", title=f"load: {stations} stations x {calls} calls, OCPP {ocpp_version}")
    for name, value in figures.items():
        table.add_row(name, str(value))
    console.print(table)
    if result.errors:
        raise typer.Exit(1)


def _server_rss(metrics: str | None, pid: int | None) -> float | None:
    if pid is not None:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return float(line.split()[1]) * 1024
    if metrics:
        import httpx

        for line in httpx.get(metrics, timeout=10).text.splitlines():
            if line.startswith("process_resident_memory_bytes"):
                return float(line.split()[1])
    return None
