"""A small OCPP-J station-side client: calls to the CSMS, answers to the CSMS's calls.

The simulator does not use the `ocpp` package's ChargePoint: it rewrites the case of vendor keys in
2.x payloads and does not know 2.1's message types, and a simulator must send exactly what a
station would send, malformed custom messages included.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from ocpay.gateway import framing
from ocpay.gateway.framing import Call, CallError, CallResult

SUBPROTOCOL = {"1.6": "ocpp1.6", "2.0.1": "ocpp2.0.1", "2.1": "ocpp2.1"}

CallHandler = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]


class CsmsError(Exception):
    """The CSMS answered with a CALLERROR."""

    def __init__(self, code: str, description: str) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code


class Offline(Exception):
    """The connection is down."""


class StationClient:
    def __init__(
        self,
        url: str,
        station_id: str,
        version: str,
        on_call: CallHandler,
        *,
        password: str | None = None,
        timeout: float = 30,
    ) -> None:
        self.url = url.rstrip("/") + "/" + station_id
        self.station_id = station_id
        self.version = version
        self.on_call = on_call
        self.password = password
        self.timeout = timeout
        self.ws: ClientConnection | None = None
        self._ids = itertools.count(1)
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._reader: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()  # one outstanding CALL, as OCPP-J wants

    async def connect(self) -> None:
        url = self.url
        if self.password:
            url = url.replace("://", f"://{self.station_id}:{self.password}@", 1)
        self.ws = await connect(
            url,
            subprotocols=[Subprotocol(SUBPROTOCOL[self.version])],
            open_timeout=self.timeout,
            max_size=2**22,
            compression=None,
        )
        if self.ws.subprotocol != SUBPROTOCOL[self.version]:
            await self.ws.close()
            raise Offline(f"the CSMS did not accept OCPP {self.version}")
        self._reader = asyncio.create_task(self._read(self.ws))

    @property
    def connected(self) -> bool:
        return self.ws is not None and self._reader is not None and not self._reader.done()

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        self._fail_pending()

    async def drop(self) -> None:
        """Cut the connection without a closing handshake (fault injection)."""
        if self.ws is not None and self.ws.transport is not None:
            self.ws.transport.abort()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        self._fail_pending()

    async def call(self, action: str, payload: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
        async with self._lock:
            if not self.connected or self.ws is None:
                raise Offline(self.station_id)
            message_id = f"{self.station_id}-{next(self._ids)}"
            future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
            self._pending[message_id] = future
            try:
                await self.ws.send(framing.encode_call(message_id, action, payload))
                return await asyncio.wait_for(future, timeout or self.timeout)
            except ConnectionClosed:
                raise Offline(self.station_id) from None
            finally:
                self._pending.pop(message_id, None)

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for raw in ws:
                message = framing.parse_frame(raw)
                if isinstance(message, CallResult | CallError):
                    future = self._pending.get(message.message_id)
                    if future is not None and not future.done():
                        if isinstance(message, CallResult):
                            future.set_result(message.payload)
                        else:
                            future.set_exception(CsmsError(message.code, message.description))
                elif isinstance(message, Call):
                    asyncio.create_task(self._answer(ws, message))  # noqa: RUF006 - fire and forget, self-contained
        except ConnectionClosed:
            pass
        finally:
            self._fail_pending()

    async def _answer(self, ws: ClientConnection, call: Call) -> None:
        try:
            payload = await self.on_call(call.action, call.payload)
            text = orjson.dumps([3, call.message_id, payload]).decode()
        except NotImplementedError:
            text = framing.encode_error(call.message_id, "NotImplemented", f"{call.action} is not simulated")
        except Exception as exc:
            text = framing.encode_error(call.message_id, "InternalError", str(exc))
        with contextlib.suppress(ConnectionClosed):
            await ws.send(text)

    def _fail_pending(self) -> None:
        for future in self._pending.values():
            if not future.done():
                future.set_exception(Offline(self.station_id))
