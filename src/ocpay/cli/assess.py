"""`ocpay assess`: can the platform serve this charger x terminal pair, and what is missing?"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table

from ocpay.assessment import (
    Assessment,
    Documentation,
    DocumentError,
    assess,
    read_documentation,
    recorded_documentation,
)
from ocpay.cli.common import (
    DbOption,
    JsonOption,
    console,
    fail,
    load_catalog,
    load_dialects,
    print_json,
    settings_for,
    with_database,
)

_COLOURS = {"supported": "green", "compatible": "yellow", "needs_development": "red", "no_payment_evidence": "blue"}


def register(app: typer.Typer) -> None:
    """Add `ocpay assess` to the command line."""
    app.command("assess")(assess_command)


def assess_command(
    path: Annotated[
        Path | None, typer.Argument(help="Dialect file, message log (JSON Lines or array), or text/Markdown/HTML/PDF")
    ] = None,
    station: Annotated[
        str | None, typer.Option("--station", help="Assess the unrecognised messages recorded for this station")
    ] = None,
    charger: Annotated[str | None, typer.Option(help='Charger, "MAKER MODEL" (e.g. "Alpitronic HYC 300")')] = None,
    terminal: Annotated[str | None, typer.Option(help='Terminal, "MAKER MODEL" (e.g. "Worldline Valina")')] = None,
    ocpp_version: Annotated[str | None, typer.Option(help="1.6, 2.0.1 or 2.1 (default: inferred)")] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Assess documentation for a charger x terminal pair: supported, compatible, needs development, or no
    payment evidence (send a card session)."""
    if (path is None) == (station is None):
        raise fail("give a PATH or --station ID (one of them)", 2)
    if ocpp_version is not None and ocpp_version not in ("1.6", "2.0.1", "2.1"):
        raise fail(f"--ocpp-version {ocpp_version} is not one of 1.6, 2.0.1, 2.1", 2)
    dialects = load_dialects()
    catalog = load_catalog(dialects)
    try:
        doc = read_documentation(path) if path is not None else _recorded(db, station or "")
    except DocumentError as exc:
        raise fail(str(exc), 2) from None
    result = assess(doc, dialects, catalog, charger=charger, terminal=terminal, ocpp_version=ocpp_version)
    if as_json:
        print_json(result.to_json())
    else:
        report(result, console)


def _recorded(db: str | None, station_id: str) -> Documentation:
    """What the station sent that no dialect recognised, read from the database."""
    settings = settings_for(db)
    try:
        return with_database(settings, lambda database: recorded_documentation(database, station_id))
    except DocumentError:
        raise
    except Exception as exc:  # a database that cannot be opened is unreadable input too
        raise DocumentError(f"{settings.db}: cannot read the recorded messages: {exc}") from None


def report(result: Assessment, console: Console) -> None:
    """The readable report: verdict, reasons, gaps with evidence, configuration, next steps."""
    colour = _COLOURS[result.verdict]
    title = f"[bold {colour}]{result.verdict.replace('_', ' ')}[/]"
    if result.dialect:
        title += f"  closest dialect: [bold]{escape(result.dialect)}[/]"
    title += f"  confidence {result.confidence:.2f}"
    console.print(Panel(title, title=f"assessment of {escape(result.documentation.source)}", expand=False))
    console.print("[bold]Reasons[/]")
    for reason in result.reasons:
        console.print(f"  - {escape(reason)}")
    if result.documentation.problems:
        console.print("[bold]Unreadable parts (skipped)[/]")
        for problem in result.documentation.problems[:20]:
            console.print(f"  - {escape(problem.where)}: {escape(problem.reason)}")
    if result.message_set.custom:
        table = Table("custom message", "direction", "examples", "fields", "answer expected", title="Message set")
        for shape in result.message_set.custom:
            table.add_row(
                escape(shape.name),
                "station -> CSMS" if shape.direction == "to_csms" else "CSMS -> station",
                str(len(shape.examples)),
                escape(", ".join(sorted(shape.fields()))),
                "data" if shape.expects_data else "status only",
            )
        console.print(table)
    if result.gaps:
        table = Table("gap", "message", "detail", "evidence", title="Gaps")
        for gap in result.gaps:
            evidence = "; ".join(e.where() for e in gap.evidence[:3])
            table.add_row(gap.kind, escape(gap.message), escape(gap.detail), escape(evidence))
        console.print(table)
    if result.parameters:
        console.print("[bold]Dialect parameters[/]")
        for name, value in result.parameters.items():
            console.print(f"  {escape(name)} = {escape(str(value))}")
    if result.station_configuration:
        console.print("[bold]Station configuration[/]")
        for row in result.station_configuration:
            expected = f" = {row['expected']}" if row["expected"] else ""
            console.print(f"  {escape(row['key'])}{escape(expected)}  [dim]{escape(row['description'])}[/]")
    console.print("[bold]Next steps[/]")
    for step in result.next_steps:
        console.print(f"  - {escape(step)}")
    if result.proposed_catalog_entry:
        console.print("[bold]Proposed catalog entry[/]")
        console.print(Syntax(result.proposed_catalog_entry, "yaml", word_wrap=True))
    if result.drafted_dialect:
        console.print("[bold]Drafted dialect[/] (provenance: inferred)")
        console.print(Syntax(result.drafted_dialect, "yaml", word_wrap=True))
