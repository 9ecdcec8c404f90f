"""The OCPP-J WebSocket server: subprotocol choice, station identity, framing, calls in both directions.

It hands each incoming CALL to a `CallHandler` and knows nothing of what the call means.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import ssl
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Protocol
from urllib.parse import unquote

from prometheus_client import Counter, Gauge
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from ocpay.gateway import framing
from ocpay.gateway.framing import Call, CallError, CallResult, CallResultError, FrameError, Send

log = logging.getLogger("ocpay.gateway")

SUBPROTOCOLS = {"ocpp1.6": "1.6", "ocpp2.0.1": "2.0.1", "ocpp2.1": "2.1"}
PATH_PREFIX = "/ocpp/"

CONNECTED = Gauge("ocpay_stations_connected", "Stations connected to this process")
FRAMES = Counter("ocpay_frames_total", "OCPP-J frames received", ["version", "kind"])
FRAME_ERRORS = Counter("ocpay_frame_errors_total", "Frames that broke the RPC framework", ["version", "code"])


class CallHandler(Protocol):
    """What the gateway needs from the layer above."""

    async def admit(self, station_id: str, password: str | None, certified: bool | None) -> tuple[int, str]: ...
    async def connected(self, station_id: str, version: str) -> None: ...
    async def disconnected(self, station_id: str) -> None: ...
    async def call(self, station: StationConnection, call: Call) -> str: ...
    async def send(self, station: StationConnection, message: Send) -> None: ...
    def after_reply(self, station: StationConnection) -> None: ...


class StationOffline(Exception):
    """The station has no connection to this process."""


class CallTimeout(Exception):
    """The station did not answer a CSMS call in time."""


class CallFailed(Exception):
    """The station answered a CSMS call with a CALLERROR."""

    def __init__(self, code: str, description: str, details: dict[str, Any]) -> None:
        super().__init__(f"{code}: {description}")
        self.code, self.description, self.details = code, description, details


@dataclass(frozen=True, slots=True)
class GatewayConfig:
    host: str = "0.0.0.0"
    port: int = 9000
    max_frame_bytes: int = 256 * 1024
    ping_interval: float | None = 60
    ping_timeout: float | None = 60
    call_timeout: float = 30
    ssl_context: ssl.SSLContext | None = None


class StationConnection:
    """One station's socket: CSMS->station calls (one outstanding at a time) and their answers."""

    def __init__(self, station_id: str, version: str, ws: ServerConnection, call_timeout: float) -> None:
        self.station_id = station_id
        self.version = version
        self.ws = ws
        self.call_timeout = call_timeout
        self._call_lock = asyncio.Lock()
        self._pending: tuple[str, asyncio.Future[dict[str, Any]]] | None = None

    async def send_text(self, text: str) -> None:
        await self.ws.send(text)

    async def call(self, action: str, payload: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
        """Send a CALL and wait for its CALLRESULT; later calls wait their turn (one outstanding)."""
        async with self._call_lock:
            message_id = str(uuid.uuid4())
            future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
            self._pending = (message_id, future)
            try:
                await self.ws.send(framing.encode_call(message_id, action, payload))
                return await asyncio.wait_for(future, timeout or self.call_timeout)
            except TimeoutError:
                raise CallTimeout(f"{self.station_id} did not answer {action} in time") from None
            except ConnectionClosed:
                raise StationOffline(self.station_id) from None
            finally:
                self._pending = None

    def resolve(self, message: CallResult | CallError) -> None:
        if self._pending is None or self._pending[0] != message.message_id:
            log.warning("station %s answered unknown call %s", self.station_id, message.message_id)
            return
        future = self._pending[1]
        if future.done():
            return
        if isinstance(message, CallResult):
            future.set_result(message.payload)
        else:
            future.set_exception(CallFailed(message.code, message.description, message.details))

    def fail_pending(self) -> None:
        if self._pending is not None and not self._pending[1].done():
            self._pending[1].set_exception(StationOffline(self.station_id))


class Gateway:
    """Accepts stations, keeps one connection per station identity, and pumps frames."""

    def __init__(self, handler: CallHandler, config: GatewayConfig) -> None:
        self.handler = handler
        self.config = config
        self.connections: dict[str, StationConnection] = {}
        self._server: Server | None = None
        self._closing: set[asyncio.Task[None]] = set()
        context = config.ssl_context
        self._client_certificates = context is not None and context.verify_mode == ssl.CERT_REQUIRED

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        self._server = await serve(
            self._serve_station,
            self.config.host,
            self.config.port,
            process_request=self._process_request,
            select_subprotocol=_select_subprotocol,
            subprotocols=[Subprotocol(x) for x in SUBPROTOCOLS],
            max_size=self.config.max_frame_bytes,
            ping_interval=self.config.ping_interval,
            ping_timeout=self.config.ping_timeout,
            ssl=self.config.ssl_context,
            compression=None,  # stations rarely negotiate it; it costs CPU per frame
        )

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def disconnect(self, station_id: str, reason: str) -> None:
        """Close a station's connection (it was removed, say); nothing when it is not connected."""
        connection = self.connections.get(station_id)
        if connection is not None:
            await connection.ws.close(1008, reason)

    def connection(self, station_id: str) -> StationConnection:
        connection = self.connections.get(station_id)
        if connection is None:
            raise StationOffline(station_id)
        return connection

    async def _process_request(self, ws: ServerConnection, request: Request) -> Response | None:
        station_id = _station_id(request.path)
        if station_id is None:
            return ws.respond(HTTPStatus.NOT_FOUND, "OCPP endpoint is /ocpp/{station_id}\n")
        password = _basic_password(request.headers.get("Authorization"), station_id)
        certified = _certified(ws, station_id) if self._client_certificates else None
        status, reason = await self.handler.admit(station_id, password, certified)
        if status == 101:
            return None
        response = ws.respond(status, f"{reason}\n")
        if status == 401:
            response.headers["WWW-Authenticate"] = 'Basic realm="ocpp"'
        return response

    async def _serve_station(self, ws: ServerConnection) -> None:
        station_id = _station_id(ws.request.path if ws.request else "") or ""
        if ws.subprotocol is None:
            log.info("station %s offered no supported OCPP version; closing", station_id)
            await ws.close(1002, "no supported OCPP subprotocol")
            return
        version = SUBPROTOCOLS[ws.subprotocol]
        connection = StationConnection(station_id, version, ws, self.config.call_timeout)
        previous = self.connections.get(station_id)
        self.connections[station_id] = connection
        if previous is not None:
            log.info("station %s reconnected; closing its previous connection", station_id)
            previous.fail_pending()
            # in the background: a half-dead socket may take the close timeout, the new one is live now
            self._closing.add(task := asyncio.create_task(previous.ws.close(1000, "replaced by a new connection")))
            task.add_done_callback(self._closing.discard)
        else:
            CONNECTED.inc()
        try:
            await self.handler.connected(station_id, version)
            await self._pump(connection)
        finally:
            if self.connections.get(station_id) is connection:
                del self.connections[station_id]
                CONNECTED.dec()
                connection.fail_pending()
                await self.handler.disconnected(station_id)

    async def _pump(self, connection: StationConnection) -> None:
        version = connection.version
        try:
            async for raw in connection.ws:
                message = framing.parse_frame(raw)
                if isinstance(message, Call):
                    FRAMES.labels(version, "call").inc()
                    await connection.send_text(await self.handler.call(connection, message))
                    self.handler.after_reply(connection)
                elif isinstance(message, CallResult | CallError):
                    FRAMES.labels(version, "result").inc()
                    connection.resolve(message)
                elif isinstance(message, Send):
                    FRAMES.labels(version, "send").inc()
                    if version == "2.1":
                        await self.handler.send(connection, message)
                elif isinstance(message, CallResultError):
                    FRAMES.labels(version, "resulterror").inc()
                    log.warning(
                        "station %s rejected our answer to %s: %s %s",
                        connection.station_id,
                        message.message_id,
                        message.code,
                        message.description,
                    )
                else:
                    await self._frame_error(connection, message)
        except ConnectionClosed:
            pass

    async def _frame_error(self, connection: StationConnection, error: FrameError) -> None:
        FRAME_ERRORS.labels(connection.version, error.code).inc()
        log.info("station %s sent a broken frame: %s", connection.station_id, error.description)
        reply = framing.frame_error_reply(connection.version, error)
        if reply is not None:
            await connection.send_text(reply)


def _select_subprotocol(ws: ServerConnection, offered: Sequence[Subprotocol]) -> Subprotocol | None:
    """The station's order of preference decides; None completes the handshake without one."""
    for name in offered:
        if name in SUBPROTOCOLS:
            return name
    return None


def _station_id(path: str) -> str | None:
    path = path.split("?", 1)[0]
    if not path.startswith(PATH_PREFIX):
        return None
    station_id = unquote(path[len(PATH_PREFIX) :]).strip("/")
    if not station_id or "/" in station_id or len(station_id) > 48:
        return None
    return station_id


def _basic_password(header: str | None, station_id: str) -> str | None:
    """The password from `Authorization: Basic`, when the user name is the station identity."""
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:].strip()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return password if user == station_id else None


def _certified(ws: ServerConnection, station_id: str) -> bool:
    """Security profile 3: a client certificate our CA signed (TLS checked that) whose CN is this station.

    With client certificates required, this decides admission alone, password or not.
    """
    ssl_object = ws.transport.get_extra_info("ssl_object") if ws.transport else None
    certificate = ssl_object.getpeercert() if ssl_object else None
    if not certificate:
        return False
    names = [value for rdn in certificate.get("subject", ()) for key, value in rdn if key == "commonName"]
    return station_id in names
