"""`ocpay db`: database maintenance."""

from __future__ import annotations

import typer

from ocpay.app.container import Services
from ocpay.cli.common import DbOption, console, with_services

group = typer.Typer(help="Database maintenance.", no_args_is_help=True)


@group.command("upgrade")
def upgrade(db: DbOption = None) -> None:
    """Apply database migrations (`serve` does this at start too)."""

    async def nothing(_s: Services) -> None:
        return None

    with_services(db, nothing)
    console.print("database is up to date")
