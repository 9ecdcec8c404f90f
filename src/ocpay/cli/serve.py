"""`ocpay serve` and `ocpay demo`: run the central system, alone or with a simulated fleet charging."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated, Any

import typer

from ocpay.app.config import Settings
from ocpay.app.loop import run as run_loop
from ocpay.cli.common import DbOption, console, fail
from ocpay.integrations.dialects import DialectError
from ocpay.simulator.run import profiles, register, simulate
from ocpay.simulator.station import Options

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
HttpHostOption = Annotated[
    str | None,
    typer.Option(
        help="Address of the REST API and console [OCPAY_HTTP_HOST; default: --host, 127.0.0.1 without API token]"
    ),
]
AllowedHostOption = Annotated[
    list[str] | None,
    typer.Option(
        "--allowed-host",
        help="Host name the HTTP API answers to besides localhost (repeatable; * for any) [OCPAY_ALLOWED_HOSTS]",
    ),
]


def serve(
    host: Annotated[str | None, typer.Option(help="Address of the OCPP server [OCPAY_HOST, 0.0.0.0]")] = None,
    ocpp_port: Annotated[int | None, typer.Option(help="OCPP WebSocket port [OCPAY_OCPP_PORT, 9000]")] = None,
    http_host: HttpHostOption = None,
    http_port: Annotated[int | None, typer.Option(help="REST API port [OCPAY_HTTP_PORT, 8080]")] = None,
    allowed_host: AllowedHostOption = None,
    db: DbOption = None,
    open_registration: Annotated[
        bool | None, typer.Option("--open-registration/--closed-registration", help="Accept unknown stations")
    ] = None,
    tls_cert: Annotated[str | None, typer.Option(help="TLS certificate chain (PEM) for wss://")] = None,
    tls_key: Annotated[str | None, typer.Option(help="TLS private key (PEM)")] = None,
    tls_client_ca: Annotated[str | None, typer.Option(help="CA for client certificates (profile 3)")] = None,
) -> None:
    """Serve OCPP-J on /ocpp/{station_id} and the REST API, health and metrics over HTTP, until SIGTERM or
    SIGINT (Ctrl-C): then stop accepting, answer the frames being handled, close the stations' sockets
    (1001), finish the writes under way, and exit 0."""
    from ocpay.app.runtime import CentralSystem

    given: dict[str, Any] = {
        "host": host, "ocpp_port": ocpp_port, "http_host": http_host, "http_port": http_port, "db": db,
        "open_registration": open_registration, "tls_cert": tls_cert, "tls_key": tls_key,
        "tls_client_ca": tls_client_ca, "allowed_hosts": allowed_host or None,
    }  # fmt: skip
    settings = Settings(**{k: v for k, v in given.items() if v is not None})
    logging.basicConfig(level=settings.log_level, format=LOG_FORMAT)
    try:
        run_loop(CentralSystem(settings).run_forever())
    except KeyboardInterrupt:
        pass
    except DialectError as exc:  # refuse to start rather than run half a dialect
        raise fail(str(exc)) from None


def demo(
    stations: Annotated[int, typer.Option(min=1, help="simulated stations per catalog entry")] = 2,
    db: DbOption = None,
    ocpp_port: Annotated[int | None, typer.Option(help="OCPP port")] = None,
    http_port: Annotated[int | None, typer.Option(help="HTTP port")] = None,
    http_host: HttpHostOption = None,
    allowed_host: AllowedHostOption = None,
    pause: Annotated[float, typer.Option(help="seconds between a station's messages")] = 2.0,
) -> None:
    """`ocpay serve` on the embedded SQLite default with a demo fleet charging continuously."""
    from ocpay.app.runtime import CentralSystem, until_stopped

    settings = Settings(open_registration=True, authorize_unknown=False)
    settings.db = db or settings.db
    settings.ocpp_port = settings.ocpp_port if ocpp_port is None else ocpp_port
    settings.http_port = settings.http_port if http_port is None else http_port
    settings.http_host = http_host or settings.http_host
    settings.allowed_hosts = allowed_host or settings.allowed_hosts
    logging.basicConfig(level="WARNING", format=LOG_FORMAT)

    async def run() -> None:
        system = CentralSystem(settings)
        await system.start()
        assert system.gateway is not None and system.services is not None
        host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
        http_host = "127.0.0.1" if system.http_host in ("0.0.0.0", "::") else system.http_host
        http = f"http://{http_host}:{system.http_port}"
        url = f"ws://{host}:{system.gateway.port}/ocpp/"
        dialects = system.services.dialects
        fleet = profiles(system.services.catalog, dialects, stations=stations, prefix="DEMO")
        fleet += profiles(
            system.services.catalog, dialects, stations=stations, dialect_id="ocpp21.direct-payment", prefix="DEMO"
        )
        await register(http, settings.api_token, fleet, rfid_tokens=1000)
        console.print(f"ocpay is running: OCPP {url}{{station_id}}, API {http}/api, docs {http}/docs")
        console.print(f"console: {http}/  ({len(fleet)} simulated stations charging; Ctrl-C stops)")
        options = Options(card_ratio=0.6, pause=pause)
        charging = asyncio.create_task(simulate(url, fleet, sessions=0, options=options, forever=True))
        signalled = asyncio.create_task(until_stopped())
        try:
            done, _ = await asyncio.wait({charging, signalled}, return_when=asyncio.FIRST_COMPLETED)
            if charging in done:
                charging.result()  # raises why the simulated fleet stopped
        finally:
            for task in (charging, signalled):
                task.cancel()
            await asyncio.gather(charging, signalled, return_exceptions=True)
            await system.stop()

    try:
        run_loop(run())
    except KeyboardInterrupt:
        pass
