"""`ocpay`: the command line. Each command group lives in its own module; this one puts them together."""

from __future__ import annotations

import typer

from ocpay.cli import (
    api_tokens,
    assess,
    catalog,
    db,
    dialects,
    id_tokens,
    requests,
    serve,
    sessions,
    simulate,
    stations,
)

app = typer.Typer(help="ocpay: OCPP central system for chargers with payment terminals.", no_args_is_help=True)

# `ocpay --help` lists the commands in this order, then the groups.
app.command("serve")(serve.serve)
app.command("simulate")(simulate.simulate_command)
app.command("demo")(serve.demo)
app.command("bench")(simulate.bench_command)
assess.register(app)
app.add_typer(stations.group, name="stations")
app.add_typer(id_tokens.group, name="id-tokens")
app.add_typer(sessions.group, name="sessions")
app.add_typer(dialects.group, name="dialects")
app.add_typer(catalog.group, name="catalog")
app.add_typer(db.group, name="db")
app.add_typer(requests.group, name="requests")
app.add_typer(api_tokens.group, name="api-tokens")


if __name__ == "__main__":
    app()
