"""What the CLI's command groups share: opening the services for one command, and failing clearly."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from ocpay.app.config import Settings
from ocpay.app.container import Services
from ocpay.integrations.dialects import DialectError

T = TypeVar("T")
errors = Console(stderr=True)


def with_services(db: str | None, work: Callable[[Services], Awaitable[T]]) -> T:
    """Open the services on `db` (or OCPAY_DB), run `work`, close them; a bad dialect file fails the command."""

    async def run() -> T:
        try:
            services = await Services.open(Settings(db=db) if db else Settings())
        except DialectError as exc:
            raise fail(str(exc)) from None
        try:
            return await work(services)
        finally:
            await services.close()

    return asyncio.run(run())


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print the reason on standard error; raise the result to end the command with `code`."""
    errors.print(f"[red]error:[/red] {escape(message)}")
    return typer.Exit(code)
