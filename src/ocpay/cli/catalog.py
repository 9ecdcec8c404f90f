"""`ocpay catalog`: the charger x terminal pairs the server knows, and one with its setup guide."""

from __future__ import annotations

import typer
from rich.markdown import Markdown

from ocpay.api.views import catalog_entry_detail_view, catalog_entry_view
from ocpay.cli.common import JsonOption, console, fail, listing, load_catalog, print_json

group = typer.Typer(help="Supported charger x terminal pairs and their setup guides.", no_args_is_help=True)


@group.command("list")
def list_catalog(as_json: JsonOption = False) -> None:
    """Supported and requested charger x terminal pairs."""
    catalog = load_catalog()
    if as_json:
        print_json([catalog_entry_view(e) for e in catalog])
        return
    rows = [
        (
            e.id, f"{e.charger.manufacturer} {', '.join(e.charger.models)}",
            f"{e.terminal.manufacturer} {', '.join(e.terminal.models)}", e.dialect or "-", e.status,
        )
        for e in catalog
    ]  # fmt: skip
    console.print(listing(("id", "charger", "terminal", "dialect", "status"), rows))


@group.command("show")
def show(entry_id: str, as_json: JsonOption = False) -> None:
    """One catalog entry with its setup guide."""
    entry = load_catalog().get(entry_id)
    if entry is None:
        raise fail(f"no catalog entry {entry_id}")
    if as_json:
        print_json(catalog_entry_detail_view(entry))
        return
    console.print(f"[bold]{entry.title}[/bold]: {entry.status}, dialect {entry.dialect or 'none yet'}")
    console.print(entry.documentation)
    console.print(Markdown(entry.setup_guide))
