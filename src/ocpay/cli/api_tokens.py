"""`ocpay api-tokens`: the tokens operators and scripts present to the REST API and the console.

Not to be mixed up with `ocpay id-tokens`, the tokens drivers and terminals present to stations.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from rich.markup import escape

from ocpay.access.api_tokens import ROLES, ApiTokenError, ApiTokens
from ocpay.api.views import api_token_view
from ocpay.cli.common import (
    DbOption,
    JsonOption,
    console,
    errors,
    fail,
    listing,
    print_json,
    settings_for,
    with_database,
)

T = TypeVar("T")
group = typer.Typer(
    help="API tokens for operators and scripts (REST API and console); not id tokens.", no_args_is_help=True
)


def _run(db: str | None, work: Callable[[ApiTokens], Awaitable[T]]) -> T:
    settings = settings_for(db)
    try:
        return with_database(settings, lambda database: work(ApiTokens(database, settings.api_token)))
    except ApiTokenError as exc:
        raise fail(str(exc)) from None


@group.command("add")
def add(
    name: Annotated[str, typer.Argument(help="who or what uses the token, e.g. 'billing-export'")],
    role: Annotated[str, typer.Option(help="admin (may change things) or read-only")] = "read-only",
    db: DbOption = None,
) -> None:
    """Create an API token and print its secret, once: only a hash is stored."""
    if role not in ROLES:
        raise fail(f"--role is one of {', '.join(ROLES)}", 2)
    token, secret = _run(db, lambda tokens: tokens.create(name, role))
    errors.print(f"API token {escape(token.name)} ({token.role}) created; keep the secret now, it is not shown again:")
    print(secret)


@group.command("list")
def list_tokens(db: DbOption = None, as_json: JsonOption = False) -> None:
    """API tokens with their role and state (never their secrets)."""
    rows = [api_token_view(t) for t in _run(db, lambda tokens: tokens.all())]
    if as_json:
        print_json(rows)
        return
    cells = [
        (
            row["name"], row["role"], row["hint"], row["created_at"].isoformat(timespec="seconds"),
            "active" if row["active"] else f"revoked {row['revoked_at'].isoformat(timespec='seconds')}",
        )
        for row in rows
    ]  # fmt: skip
    console.print(listing(("name", "role", "secret starts", "created", "state"), cells))


@group.command("revoke")
def revoke(name: str, db: DbOption = None) -> None:
    """Revoke an API token: it stops working at once, in the API and in console sessions."""
    if not _run(db, lambda tokens: tokens.revoke(name)):
        raise fail(f"no active API token named {name}")
    console.print(f"API token {escape(name)} revoked")
