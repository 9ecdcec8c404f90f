"""`ocpay dialects`: the payment dialects the server loads, one in detail, and checking a dialect file."""

from __future__ import annotations

from pathlib import Path

import typer

from ocpay.api.views import dialect_detail_view, dialect_view
from ocpay.cli.common import JsonOption, console, fail, listing, load_dialects, print_json
from ocpay.integrations.dialects import Dialect, DialectError, load_dialect

group = typer.Typer(help="Payment dialects: declarative custom message sets.", no_args_is_help=True)


@group.command("list")
def list_dialects(as_json: JsonOption = False) -> None:
    """Every dialect the server loads."""
    dialects = load_dialects()
    if as_json:
        print_json([dialect_view(d) for d in dialects])
        return
    rows = [(d.id, d.title, ", ".join(d.ocpp_versions), d.provenance.kind, str(len(d.messages))) for d in dialects]
    console.print(listing(("id", "title", "OCPP", "provenance", "messages"), rows))


@group.command("show")
def show(dialect_id: str, as_json: JsonOption = False) -> None:
    """One dialect: provenance, card-session rules, configuration and messages."""
    dialect = load_dialects().get(dialect_id)
    if dialect is None:
        raise fail(f"no dialect {dialect_id}")
    if as_json:
        print_json(dialect_detail_view(dialect))
        return
    _report(dialect)


@group.command("validate")
def validate(path: Path) -> None:
    """Check a dialect file; errors name the file, the place inside it and the reason."""
    try:
        dialect = load_dialect(path)
    except DialectError as exc:
        console.print(f"[red]{exc}[/red]", highlight=False)
        raise typer.Exit(1) from None
    console.print(f"{path}: valid dialect {dialect.id} with {len(dialect.messages)} messages")


def _report(dialect: Dialect) -> None:
    console.print(
        f"[bold]{dialect.title}[/bold] ({dialect.id} {dialect.version}), OCPP {', '.join(dialect.ocpp_versions)}"
    )
    console.print(f"provenance: {dialect.provenance.kind}: {dialect.provenance.source}")
    for rule in dialect.card_sessions:
        console.print(f"card sessions: {rule.kind} {rule.value or ''}")
    rows = []
    for m in dialect.messages:
        event = m.event or ", ".join(sorted(set(m.event_by_status.values()))) or ""
        when = ", ".join(m.send_on)
        rows.append((m.name, m.kind, m.direction, m.vendor_id or m.action or "", m.message_id or "", event or when))
    console.print(listing(("message", "kind", "direction", "vendorId / action", "messageId", "event / when"), rows))
    for key in dialect.configuration:
        console.print(f"configuration {key.key} = {key.expected or '(station value)'}: {key.description}")
