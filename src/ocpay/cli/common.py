"""What the CLI's command groups share: the options every group takes, opening the services for one command,
loading the dialects and the catalog, printing JSON, and failing clearly."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from ocpay.app.config import Settings
from ocpay.app.container import Services
from ocpay.integrations.catalog import Catalog
from ocpay.integrations.dialects import DialectError, DialectSet
from ocpay.store.db import Database

T = TypeVar("T")
console = Console()
errors = Console(stderr=True)

DbOption = Annotated[str | None, typer.Option("--db", help="Database URL (default: OCPAY_DB or ./ocpay.sqlite)")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON")]


def settings_for(db: str | None) -> Settings:
    """The settings from the environment, with the database `--db` names (when given)."""
    return Settings(db=db) if db else Settings()


def with_services(db: str | None, work: Callable[[Services], Awaitable[T]]) -> T:
    """Open the services on `db` (or OCPAY_DB), run `work`, close them; a bad dialect file fails the command."""

    async def run() -> T:
        try:
            services = await Services.open(settings_for(db))
        except DialectError as exc:
            raise fail(str(exc)) from None
        try:
            return await work(services)
        finally:
            await services.close()

    return asyncio.run(run())


def with_database(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    """Open the database alone (no dialects loaded), migrated, run `work`, close it."""

    async def run() -> T:
        database = Database(settings.db)
        try:
            await database.upgrade()
            return await work(database)
        finally:
            await database.close()

    return asyncio.run(run())


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print the reason on standard error; raise the result to end the command with `code`."""
    errors.print(f"[red]error:[/red] {escape(message)}")
    return typer.Exit(code)


def load_dialects() -> DialectSet:
    """The dialects the server would load (built in and OCPAY_DIALECT_DIRS); a bad file fails the command."""
    try:
        return DialectSet.load(Path(d) for d in Settings().dialect_dirs)
    except DialectError as exc:
        raise fail(str(exc)) from None


def load_catalog(dialects: DialectSet | None = None) -> Catalog:
    """The catalog the server would load, checked against the dialects; a bad file fails the command."""
    dialects = load_dialects() if dialects is None else dialects
    try:
        return Catalog.load(dialects, (Path(d) for d in Settings().catalog_dirs))
    except DialectError as exc:
        raise fail(str(exc)) from None


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def json_text(value: Any) -> str:
    """`value` as indented JSON, times in ISO 8601."""
    return json.dumps(value, default=_plain, ensure_ascii=False, indent=2)


def print_json(value: Any) -> None:
    """Print `value` as indented JSON on standard output, times in ISO 8601."""
    print(json_text(value))
