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
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Protocol
from urllib.parse import unquote

from prometheus_client import Counter, Gauge
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed, ConnectionClosedError
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from ocpay.gateway import framing
from ocpay.gateway.framing import Call, CallError, CallResult, CallResultError, FrameError, Send
from ocpay.gateway.limits import FailureWindow, LogLimiter, TokenBucket, printable

log = logging.getLogger("ocpay.gateway")

SUBPROTOCOLS = {"ocpp1.6": "1.6", "ocpp2.0.1": "2.0.1", "ocpp2.1": "2.1"}
PATH_PREFIX = "/ocpp/"
RECENT_CALL_IDS = 16  # a station's last CALL ids, per connection, to answer a resent CALL once

CONNECTED = Gauge("ocpay_stations_connected", "Stations connected to this process")
FRAMES = Counter("ocpay_frames_total", "OCPP-J frames received", ["version", "kind"])
FRAME_ERRORS = Counter("ocpay_frame_errors_total", "Frames that broke the RPC framework", ["version", "code"])
FAILED_LOGINS = Counter(
    "ocpay_failed_logins_total",
    "Station handshakes refused (invalid_identity, unknown_station, bad_credentials, throttled)",
    ["reason"],
)
FRAMES_DELAYED = Counter("ocpay_frames_delayed_total", "Station frames held back by the per-connection rate limit")
STATIONS_DROPPED = Counter("ocpay_stations_dropped_total", "Connections dropped because the station did not read")
# What a refused handshake's status means, as the bounded label of FAILED_LOGINS.
_REFUSALS = {400: "invalid_identity", 401: "bad_credentials", 404: "unknown_station", 429: "throttled"}


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
    frame_rate: float = 200  # per connection, frames a second beyond `frame_burst`; faster ones wait (0: none)
    frame_burst: int = 1000
    send_timeout: float = 30  # a send that cannot drain for this long drops the connection
    write_limit: int = 64 * 1024  # bytes buffered for a station before a send waits
    max_queue: int = 16  # frames read ahead of the one being handled
    login_failures_per_station: int = 20  # in `login_failure_window` seconds, then 429 (0: no limit)
    login_failures_per_source: int = 60
    login_failure_window: float = 60


class StationConnection:
    """One station's socket: CSMS->station calls (one outstanding at a time) and their answers."""

    def __init__(
        self, station_id: str, version: str, ws: ServerConnection, call_timeout: float, send_timeout: float = 30
    ) -> None:
        self.station_id = station_id
        self.version = version
        self.ws = ws
        self.call_timeout = call_timeout
        self.send_timeout = send_timeout
        self._call_lock = asyncio.Lock()
        self._pending: tuple[str, asyncio.Future[dict[str, Any]]] | None = None
        self._recent_call_ids: deque[str] = deque(maxlen=RECENT_CALL_IDS)
        self.busy = False  # handling a frame of the station's: a shutdown waits for its answer

    def first_time(self, message_id: str) -> bool:
        """Whether a station's CALL id is new on this connection; remembers it.

        OCPP-J never reuses a CALL id on a connection, so a repeat is the same CALL sent again (a station
        that resends before our answer arrives): it was answered once and is not processed or answered again.
        """
        if message_id in self._recent_call_ids:
            return False
        self._recent_call_ids.append(message_id)
        return True

    async def send_text(self, text: str) -> None:
        """Send a frame; a station that has not read what we sent within `send_timeout` is dropped."""
        try:
            await asyncio.wait_for(self.ws.send(text), self.send_timeout)
        except TimeoutError:
            STATIONS_DROPPED.inc()
            log.warning("station %s does not read its frames; dropping the connection", self.station_id)
            if self.ws.transport is not None:
                self.ws.transport.abort()
            raise ConnectionClosedError(None, None) from None

    async def call(self, action: str, payload: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
        """Send a CALL and wait for its CALLRESULT; later calls wait their turn (one outstanding)."""
        async with self._call_lock:
            message_id = str(uuid.uuid4())
            future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
            self._pending = (message_id, future)
            try:
                await self.send_text(framing.encode_call(message_id, action, payload))
                return await asyncio.wait_for(future, timeout or self.call_timeout)
            except TimeoutError:
                raise CallTimeout(f"{self.station_id} did not answer {action} in time") from None
            except ConnectionClosed:
                raise StationOffline(self.station_id) from None
            finally:
                self._pending = None

    def resolve(self, message: CallResult | CallError) -> bool:
        """Hand the answer to the call waiting for it; False when no call of ours has this id."""
        if self._pending is None or self._pending[0] != message.message_id:
            return False
        future = self._pending[1]
        if future.done():
            return True
        if isinstance(message, CallResult):
            future.set_result(message.payload)
        else:
            future.set_exception(CallFailed(message.code, message.description, message.details))
        return True

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
        self._station_failures = FailureWindow(config.login_failures_per_station, config.login_failure_window)
        self._source_failures = FailureWindow(config.login_failures_per_source, config.login_failure_window)
        self._log_limit = LogLimiter()
        self._stopping = False
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
            write_limit=self.config.write_limit,
            max_queue=self.config.max_queue,
            ssl=self.config.ssl_context,
            compression=None,  # stations rarely negotiate it; it costs CPU per frame
        )

    async def stop(self, grace: float = 10) -> None:
        """Stop accepting stations (a handshake under way gets 503); let each connection finish the frame
        it is handling, its answer sent, then close it with 1001 (going away); wait for every connection's
        end (its station marked disconnected). Connections still open after `grace` seconds are cut."""
        if self._server is None:
            return
        self._stopping = True
        self._server.close(close_connections=False)
        idle = [c for c in self.connections.values() if not c.busy]  # the busy ones close after their answer
        await asyncio.gather(*(self._going_away(c) for c in idle))
        try:
            await asyncio.wait_for(self._server.wait_closed(), grace)
        except TimeoutError:
            log.warning("%d station connections did not close in %s s; cutting them", len(self.connections), grace)
            for connection in list(self.connections.values()):
                if connection.ws.transport is not None:
                    connection.ws.transport.abort()
            await self._server.wait_closed()

    async def _going_away(self, connection: StationConnection) -> None:
        """Close a connection because this server stops: 1001, as RFC 6455 says for a server going down."""
        try:
            await connection.ws.close(1001, "server shutting down")
        except Exception:  # a socket that broke meanwhile: it is closed anyway
            log.debug("closing %s on shutdown failed", connection.station_id, exc_info=True)

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
        source = _source(ws)
        wait = max(self._station_failures.retry_after(station_id), self._source_failures.retry_after(source))
        if wait > 0:
            return self._refuse(ws, station_id, source, 429, "too many failed logins; try again later", wait)
        password = _basic_password(request.headers.get("Authorization"), station_id)
        certified = _certified(ws, station_id) if self._client_certificates else None
        status, reason = await self.handler.admit(station_id, password, certified)
        if status == 101:
            return None
        self._source_failures.failed(source)
        if status == 401:
            self._station_failures.failed(station_id)  # only for stations that exist: a bounded table
        return self._refuse(ws, station_id, source, status, reason)

    def _refuse(
        self, ws: ServerConnection, station_id: str, source: str, status: int, reason: str, wait: float = 0
    ) -> Response:
        """The refusal of a handshake: counted, logged (throttled ones once a minute per source), answered."""
        kind = _REFUSALS.get(status, "refused")
        FAILED_LOGINS.labels(kind).inc()
        held_back = self._log_limit.allow(("throttled", source)) if status == 429 else 0
        if held_back is not None:
            log.warning(
                "station %s refused from %s: %d %s%s",
                printable(station_id),
                source,
                status,
                reason,
                f" ({held_back} more since the last line)" if held_back else "",
            )
        response = ws.respond(status, f"{reason}\n")
        if status == 401:
            response.headers["WWW-Authenticate"] = 'Basic realm="ocpp"'
        if status == 429:
            response.headers["Retry-After"] = str(max(1, round(wait)))
        return response

    async def _serve_station(self, ws: ServerConnection) -> None:
        station_id = _station_id(ws.request.path if ws.request else "") or ""
        if ws.subprotocol is None:
            log.info("station %s offered no supported OCPP version; closing", station_id)
            await ws.close(1002, "no supported OCPP subprotocol")
            return
        version = SUBPROTOCOLS[ws.subprotocol]
        connection = StationConnection(station_id, version, ws, self.config.call_timeout, self.config.send_timeout)
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
            if self._stopping:  # its handshake finished as the server began to stop
                await self._going_away(connection)
            await self._pump(connection)
        finally:
            if self.connections.get(station_id) is connection:
                del self.connections[station_id]
                CONNECTED.dec()
                connection.fail_pending()
                await self.handler.disconnected(station_id)

    async def _pump(self, connection: StationConnection) -> None:
        version = connection.version
        bucket = TokenBucket(self.config.frame_rate, self.config.frame_burst)
        try:
            async for raw in connection.ws:
                connection.busy = True
                wait = bucket.take()
                if wait > 0:  # faster than allowed: this frame waits, and the socket is not read meanwhile
                    await self._slow_down(connection, wait)
                message = framing.parse_frame(raw, version)
                if isinstance(message, Call):
                    FRAMES.labels(version, "call").inc()
                    if connection.first_time(message.message_id):
                        await connection.send_text(await self.handler.call(connection, message))
                        self.handler.after_reply(connection)
                    else:
                        self._note(connection, "repeated id", "repeated CALL id %s; answered once", message.message_id)
                elif isinstance(message, CallResult | CallError):
                    FRAMES.labels(version, "result").inc()
                    if not connection.resolve(message):
                        self._note(connection, "unknown answer", "answered unknown call %s", message.message_id)
                elif isinstance(message, Send):
                    FRAMES.labels(version, "send").inc()
                    await self.handler.send(connection, message)
                elif isinstance(message, CallResultError):
                    FRAMES.labels(version, "resulterror").inc()
                    self._note(
                        connection,
                        "rejected answer",
                        "rejected our answer to %s: %s %s",
                        message.message_id,
                        message.code,
                        message.description,
                    )
                else:
                    await self._frame_error(connection, message)
                connection.busy = False
                if self._stopping:
                    await self._going_away(connection)
        except ConnectionClosed:
            pass
        finally:
            connection.busy = False

    def _note(self, connection: StationConnection, kind: str, message: str, *args: object) -> None:
        """Log what a station did, once a minute per station and kind (a flood is one line), its text escaped."""
        held_back = self._log_limit.allow((connection.station_id, kind))
        if held_back is None:
            return
        text = message % tuple(printable(str(x), 200) for x in args)
        more = f" ({held_back} more since the last line)" if held_back else ""
        log.warning("station %s %s%s", connection.station_id, text, more)

    async def _slow_down(self, connection: StationConnection, wait: float) -> None:
        """Hold a frame beyond the rate: OCPP-J has no error code for "too many calls", and a CALLERROR
        would make a station drop or resend a transaction message; a station that keeps to the one
        outstanding CALL the spec asks for only sees a slower answer, and one that floods us is not read
        meanwhile (TCP pushes back). So frames wait, none is refused or lost."""
        FRAMES_DELAYED.inc()
        self._note(connection, "rate", "sends more than %s frames a second; its frames wait", self.config.frame_rate)
        await asyncio.sleep(wait)

    async def _frame_error(self, connection: StationConnection, error: FrameError) -> None:
        FRAME_ERRORS.labels(connection.version, error.code).inc()
        self._note(connection, f"frame {error.code}", "sent a broken frame (%s): %s", error.code, error.description)
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
    if not station_id or "/" in station_id:
        return None
    return station_id  # whether OCPP allows it is the admission's to say (charging/identity.py)


def _source(ws: ServerConnection) -> str:
    """The peer's address, for counting failed logins."""
    address = ws.remote_address
    if isinstance(address, tuple) and address:
        return str(address[0])
    return str(address or "unknown")


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
