"""`ocpay id-tokens`: what drivers and terminals present to stations (RFID uids, card-session tags).

Not to be mixed up with `ocpay api-tokens`, the tokens operators and scripts present to the REST API.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from ocpay.api.times import utc
from ocpay.api.views import id_token_view
from ocpay.charging.sessions import IdTokenExists
from ocpay.cli.common import DbOption, JsonOption, console, fail, listing, print_json, when, with_services

group = typer.Typer(help="Id tokens that drivers and terminals present (RFID, card-session tags).")
STATUSES = ("Accepted", "Blocked", "Expired", "Invalid")


@group.command("add")
def add(
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
    if status not in STATUSES:
        raise fail(f"status is one of {', '.join(STATUSES)}")
    expires = utc(expires)
    try:
        with_services(
            db,
            lambda s: s.sessions.add_id_token(value, type=type, status=status, expires_at=expires, note=note),
        )
    except IdTokenExists:
        raise fail(f"id token {value} exists already") from None
    console.print(f"id token {value} added ({status})")


@group.command("list")
def list_id_tokens(db: DbOption = None, as_json: JsonOption = False) -> None:
    """List id tokens."""
    rows = [id_token_view(t) for t in with_services(db, lambda s: s.sessions.id_tokens(limit=10_000))]
    if as_json:
        print_json(rows)
        return
    cells = [
        (
            t["value"], t["type"], t["status"], when(t["expires_at"]), t["note"] or "",
        )
        for t in rows
    ]  # fmt: skip
    console.print(listing(("id token", "type", "status", "expires", "note"), cells))
