"""Wires the layers into one running CSMS: store, services, OCPP dispatcher, gateway and HTTP API."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import signal
import ssl
import sys
from collections.abc import Iterator
from typing import Any

import uvicorn

from ocpay.access.api_tokens import ApiTokens
from ocpay.api.app import create_app
from ocpay.app.config import Settings
from ocpay.app.container import Services
from ocpay.charging.commands import Commands
from ocpay.gateway.server import Gateway, GatewayConfig
from ocpay.ocpp.dispatch import Dispatcher
from ocpay.ocpp.ports import Ports
from ocpay.ocpp.routing import Router
from ocpay.payments.configuration_check import ConfigurationCheck
from ocpay.store.queries import access as access_queries

log = logging.getLogger("ocpay")


class LocalLink:
    """The commands service's link to stations whose sockets this process holds."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway

    def version(self, station_id: str) -> str:
        """The OCPP version the connected station speaks."""
        return self.gateway.connection(station_id).version

    async def call(
        self, station_id: str, action: str, payload: dict[str, Any], timeout: float | None
    ) -> dict[str, Any]:
        """The station's CALLRESULT payload."""
        return await self.gateway.connection(station_id).call(action, payload, timeout)


class CentralSystem:
    """`ocpay serve`: the gateway and the HTTP API in one event loop."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.services: Services | None = None
        self.gateway: Gateway | None = None
        self._http: uvicorn.Server | None = None
        self._tasks: list[asyncio.Task[Any]] = []
        self.http_host = settings.http_host or settings.host

    async def start(self) -> None:
        """Open the services, wire the OCPP layer to them, start the gateway and the HTTP server."""
        # The journal's thread and the event loop share the GIL; a shorter switch interval keeps a
        # station's answer from waiting out a 5 ms slice of the other thread (+10% calls/s measured).
        sys.setswitchinterval(0.0005)
        services = self.services = await Services.open(self.settings)
        await services.stations.mark_all_disconnected()
        await _store_older_rows_as_today(services)
        router = Router(payments=services.payments)
        ports = Ports(services.stations, services.sessions, services.custom, services.payments)
        dispatcher = Dispatcher(ports, router, services.schemas, services.followups)
        dispatcher.warm()
        self.gateway = Gateway(
            dispatcher,
            GatewayConfig(
                host=self.settings.host,
                port=self.settings.ocpp_port,
                max_frame_bytes=self.settings.max_frame_bytes,
                ping_interval=self.settings.ping_interval or None,
                ping_timeout=self.settings.ping_interval or None,
                call_timeout=self.settings.call_timeout,
                ssl_context=_ssl_context(self.settings),
                frame_rate=self.settings.ocpp_frame_rate,
                frame_burst=self.settings.ocpp_frame_burst,
                send_timeout=self.settings.ocpp_send_timeout,
                write_limit=self.settings.ocpp_write_limit,
                max_queue=self.settings.ocpp_max_queue,
                login_failures_per_station=self.settings.login_failures_per_station,
                login_failures_per_source=self.settings.login_failures_per_source,
                login_failure_window=self.settings.login_failure_window,
            ),
        )
        commands = Commands(LocalLink(self.gateway), services.schemas, services.stations)
        services.attach(commands)
        check = ConfigurationCheck(services.payments.bindings, commands)
        services.stations.on_boot(lambda station_id: _after_boot(services, commands, check, station_id))
        await self.gateway.start()
        self.http_host = await http_address(self.settings, ApiTokens(services.db, self.settings.api_token))
        config = uvicorn.Config(
            create_app(services, self.gateway, bind=self.http_host),
            host=self.http_host,
            port=self.settings.http_port,
            log_level="warning",
            lifespan="off",
            timeout_graceful_shutdown=10,
        )
        self._http = _EmbeddedHttpServer(config)
        self._tasks = [
            asyncio.create_task(self._http.serve()),
            asyncio.create_task(self._housekeeping()),
        ]
        while not self._http.started:
            if self._tasks[0].done():
                self._tasks[0].result()  # raises why uvicorn could not start
            await asyncio.sleep(0.01)

    @property
    def http_port(self) -> int:
        """The port the HTTP server listens on."""
        assert self._http is not None
        return int(self._http.servers[0].sockets[0].getsockname()[1])

    async def _housekeeping(self) -> None:
        """Every 5 s: last-seen times. Every 30 s: bindings and prices others changed (the CLI, say)."""
        assert self.services is not None
        for tick in itertools.count(1):
            await asyncio.sleep(5)
            try:
                await self.services.stations.flush_seen()
                if tick % 6 == 0:
                    await self.services.payments.refresh()
            except Exception:
                log.exception("housekeeping failed; trying again in 5 s")

    async def stop(self) -> None:
        """Stop accepting, let stations have the answers to the frames being handled and close their sockets
        (1001), let HTTP requests under way finish, finish queued work (follow-ups, last-seen times, the
        journal's and the group commit's writes), mark every station disconnected, close the database."""
        if self._http is not None:
            self._http.should_exit = True  # uvicorn stops listening now, and ends after its requests
        if self.gateway is not None:
            await self.gateway.stop()
        for task in self._tasks[1:]:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.services is not None:
            await self.services.followups.drain()
            await self.services.stations.flush_seen()
            await self.services.stations.mark_all_disconnected()
            await self.services.close()

    async def run_forever(self) -> None:
        """Start, serve until SIGTERM or SIGINT (or until cancelled), then stop cleanly (see `stop`)."""
        await self.start()
        assert self.gateway is not None
        log.info(
            "ocpay serving OCPP on ws://%s:%d/ocpp/{station_id} and HTTP on http://%s:%d/",
            self.settings.host,
            self.gateway.port,
            self.http_host,
            self.http_port,
        )
        try:
            await until_stopped()
        finally:
            await self.stop()
            log.info("ocpay stopped")


async def http_address(settings: Settings, tokens: ApiTokens) -> str:
    """Where the HTTP API listens: `http_host` when given; else, without any API token (open mode, which
    lets everyone do everything), only on 127.0.0.1; with tokens, where the stations' server listens."""
    if settings.http_host:
        return settings.http_host
    if await tokens.auth_required():
        return settings.host
    log.warning("no API token: the HTTP API and the console listen on 127.0.0.1 only (OCPAY_HTTP_HOST to change)")
    return "127.0.0.1"


STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


async def until_stopped() -> None:
    """Return on SIGTERM or SIGINT (the first one; while stopping, more of them are only logged)."""
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()

    def on_signal(signum: signal.Signals) -> None:
        log.info("%s: %s", signum.name, "stopping" if not stopping.is_set() else "stopping already")
        stopping.set()

    for signum in STOP_SIGNALS:
        with contextlib.suppress(NotImplementedError):  # no signal handlers in this loop (Windows)
            loop.add_signal_handler(signum, on_signal, signum)
    await stopping.wait()


def _after_boot(services: Services, commands: Commands, check: ConfigurationCheck, station_id: str) -> None:
    """Once the station has its BootNotification answer: re-read what waited for this reboot, check its integration."""
    services.followups.schedule(station_id, lambda: commands.after_boot(station_id))
    services.followups.schedule(station_id, lambda: check.after_boot(station_id))


class _EmbeddedHttpServer(uvicorn.Server):
    """uvicorn inside our event loop: signals belong to `ocpay serve`, not to the HTTP server."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _ssl_context(settings: Settings) -> ssl.SSLContext | None:
    """TLS for security profiles 2 and 3; with a client CA, certificates are required (profile 3)."""
    if not settings.tls_cert:
        return None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(settings.tls_cert, settings.tls_key)
    if settings.tls_client_ca:
        context.load_verify_locations(settings.tls_client_ca)
        context.verify_mode = ssl.CERT_REQUIRED
    return context


OLDER_ROWS_TASK = "older rows stored as today (1)"  # a new number reruns it after a change of the rules


async def _store_older_rows_as_today(services: Services) -> None:
    """Once per database: what older versions kept in clear (write-only settings, in the settings and the
    command log; card-number idTags) is stored as it is now. Not at every start: each is a table scan."""
    async with services.db.read() as s:
        if await access_queries.is_done(s, OLDER_ROWS_TASK):
            return
    await services.stations.conceal_stored_secrets()
    await services.command_log.conceal_stored_secrets()
    await services.sessions.hash_stored_card_numbers()
    async with services.db.write() as s:
        await access_queries.mark_done(s, OLDER_ROWS_TASK)
