"""`ocpay sessions`: the latest charging sessions, and the export that keeps card sessions out of billing."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from ocpay.api.times import utc
from ocpay.api.views import session_view, sessions_csv, sessions_export_view
from ocpay.charging.exports import export_sessions
from ocpay.cli.common import DbOption, JsonOption, console, fail, json_text, listing, print_json, with_services

group = typer.Typer(help="Charging sessions.", no_args_is_help=True)


@group.command("list")
def list_sessions(
    station: Annotated[str | None, typer.Option(help="only this station")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 50,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """The latest sessions, with how each is paid."""
    sessions = with_services(db, lambda s: s.sessions.all(station_id=station, limit=limit))
    if as_json:
        print_json([session_view(x) for x in sessions])
        return
    cells = []
    for x in sessions:
        payment = f"{x.payment_status or ''} {x.final_amount or x.authorized_amount or ''} {x.currency or ''}"
        cells.append((
            str(x.id), x.station_id, x.transaction_id or "", x.status, x.started_at.isoformat(timespec="seconds"),
            f"{(x.energy_wh or 0) / 1000:.2f}", x.billing, payment.strip() if x.billing == "terminal" else "",
        ))  # fmt: skip
    headers = ("id", "station", "transaction", "status", "started", "kWh", "billing", "payment")
    console.print(listing(headers, cells))


@group.command("export")
def export(
    format: Annotated[str, typer.Option(help="csv or json")] = "csv",
    since: Annotated[datetime | None, typer.Option(help="sessions started at or after (UTC)")] = None,
    until: Annotated[datetime | None, typer.Option(help="sessions started before (UTC)")] = None,
    output: Annotated[Path | None, typer.Option(help="file to write (default: standard output)")] = None,
    db: DbOption = None,
) -> None:
    """Completed sessions: terminal-paid apart from those the CSMS bills (never bill a card session again)."""
    if format not in ("csv", "json"):
        raise fail("format is csv or json")
    exported = with_services(db, lambda s: export_sessions(s.db, since=utc(since), until=utc(until)))
    rows = sessions_export_view(exported)
    text = sessions_csv(rows) if format == "csv" else json_text(rows)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        console.print(
            f"{len(rows['terminal_paid'])} terminal-paid and {len(rows['csms_billed'])} "
            f"CSMS-billed sessions written to {output}"
        )
