"""What the CLI's command groups share: the options every group takes, opening the services for one command,
loading the dialects and the catalog, printing JSON, and failing clearly."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Column, Table

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


def when(value: datetime | None) -> str:
    """A time for a table cell: ISO 8601 to the second, or nothing."""
    return value.isoformat(timespec="seconds") if value is not None else ""


def listing(
    headers: Sequence[str], rows: Sequence[Sequence[str]], keep: int | None = 0, title: str | None = None
) -> Table:
    """A table that fits the terminal without cutting what matters: the column `keep` (the identifier a user
    copies into the next command) is as wide as its longest value and never wraps; the other columns share
    the rest of the width and wrap between words, a word longer than its column folding onto the next line
    (never an ellipsis). Cells are shown as given (rich markup in them is escaped)."""
    columns = [Column(header, overflow="fold") for header in headers]
    for column, width in zip(columns, _widths(headers, rows, keep, console.width), strict=True):
        column.width = width
    if keep is not None:
        columns[keep].no_wrap = True
    table = Table(
        *columns, title=title, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, COLUMN_GAP - 1, 0, 0)
    )
    for row in rows:
        table.add_row(*(escape(cell) for cell in row))
    return table


COLUMN_GAP = 2  # spaces between columns: a rule of the box, then padding
LONG_WORD = 10  # a column is given the room of its longest word up to this; longer words fold


def _widths(headers: Sequence[str], rows: Sequence[Sequence[str]], keep: int | None, total: int) -> list[int | None]:
    """Column widths for a terminal `total` wide: None each when the table fits as it is; else the identifier
    its full width, each other column at least its longest word (up to LONG_WORD), and the room left shared
    in proportion to what each would need more."""
    cells = [[header, *(row[i] for row in rows)] for i, header in enumerate(headers)]
    natural = [max(len(cell) for cell in column) for column in cells]
    room = total - COLUMN_GAP * (len(headers) - 1)
    if sum(natural) <= room:
        return [None] * len(headers)
    floor = [
        natural[i] if i == keep else min(natural[i], LONG_WORD, max(len(w) for c in column for w in c.split() or [""]))
        for i, column in enumerate(cells)
    ]
    while sum(floor) > room and any(w > 3 for i, w in enumerate(floor) if i != keep):  # narrow: words fold
        widest = max((i for i in range(len(floor)) if i != keep), key=lambda i: floor[i])
        floor[widest] -= 1
    spare, more = max(0, room - sum(floor)), [natural[i] - floor[i] for i in range(len(floor))]
    wanted = sum(more) or 1
    return [floor[i] + min(more[i], spare * more[i] // wanted) for i in range(len(floor))]
