"""What the tests share: a real ocpay server on loopback ports, fresh databases, stations and raw frames."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from ocpay.app.config import Settings
from ocpay.app.runtime import CentralSystem

PG_URL = os.environ.get("OCPAY_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
SUBPROTOCOL = {"1.6": "ocpp1.6", "2.0.1": "ocpp2.0.1", "2.1": "ocpp2.1"}


async def _pg_reachable() -> bool:
    try:
        conn = await asyncpg.connect(PG_URL, timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    await conn.close()
    return True


@contextlib.asynccontextmanager
async def database_url(kind: str, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, empty database of the given kind."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'ocpay.sqlite'}"
        return
    if not await _pg_reachable():
        if os.environ.get("OCPAY_REQUIRE_PG"):
            pytest.fail(f"PostgreSQL is required but not reachable at {PG_URL}")
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}")
    name = f"ocpay_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(PG_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


class Endpoints:
    """Where a server listens (`ocpp_url`, `http_url`), and clients for it."""

    ocpp_url: str
    http_url: str

    def http(self, token: str | None = None) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.AsyncClient(base_url=self.http_url, headers=headers, timeout=10)

    def connect(self, station_id: str, *versions: str, password: str | None = None, **kwargs: Any) -> Any:
        """A raw WebSocket connection offering the given OCPP versions in that order."""
        url = self.ocpp_url + station_id
        if password is not None:
            url = url.replace("ws://", f"ws://{station_id}:{password}@")
        return connect(url, subprotocols=[SUBPROTOCOL[v] for v in versions] or None, **kwargs)  # type: ignore[misc]


class Running(Endpoints):
    """A started CentralSystem, in this process, with the URLs a test needs."""

    def __init__(self, system: CentralSystem) -> None:
        self.system = system

    @property
    def services(self) -> Any:
        return self.system.services

    @property
    def ocpp_url(self) -> str:
        assert self.system.gateway is not None
        return f"ws://127.0.0.1:{self.system.gateway.port}/ocpp/"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.system.http_port}"


class Served(Endpoints):
    """`ocpay serve` running as a process of its own (its loop shares nothing with the test's)."""

    def __init__(self, process: asyncio.subprocess.Process, ocpp_port: int, http_port: int) -> None:
        self.process = process
        self.ocpp_port = ocpp_port
        self.ocpp_url = f"ws://127.0.0.1:{ocpp_port}/ocpp/"
        self.http_url = f"http://127.0.0.1:{http_port}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def served(db_url: str, **settings: Any) -> AsyncIterator[Served]:
    """`ocpay serve` on `db_url` with `settings` (as OCPAY_* variables), ready to take stations; stopped after."""
    ocpp_port, http_port = free_port(), free_port()
    env = {**os.environ, "OCPAY_HOST": "127.0.0.1", "OCPAY_OCPP_PORT": str(ocpp_port),
           "OCPAY_HTTP_PORT": str(http_port), "OCPAY_DB": db_url}  # fmt: skip
    env.update({f"OCPAY_{k.upper()}": str(v) for k, v in settings.items()})
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ocpay", "serve", env=env, stdout=asyncio.subprocess.DEVNULL
    )
    server = Served(process, ocpp_port, http_port)
    try:
        async with server.http() as api:
            for _ in range(200):
                with contextlib.suppress(httpx.TransportError):
                    if (await api.get("/healthz")).status_code == 200:
                        break
                assert process.returncode is None, "ocpay serve ended at start"
                await asyncio.sleep(0.1)
        yield server
    finally:
        if process.returncode is None:
            process.terminate()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(process.wait(), 10)
        if process.returncode is None:
            process.kill()
            await process.wait()


@contextlib.asynccontextmanager
async def running(db_url: str, **overrides: Any) -> AsyncIterator[Running]:
    settings = Settings(host="127.0.0.1", ocpp_port=0, http_port=0, db=db_url, heartbeat_interval=60, **overrides)
    system = CentralSystem(settings)
    await system.start()
    try:
        yield Running(system)
    finally:
        await system.stop()


@contextlib.asynccontextmanager
async def station(
    srv: Endpoints, station_id: str, version: str, cls: Callable[..., Any] | None = None, password: str | None = None
) -> AsyncIterator[Any]:
    """An `ocpp` package ChargePoint connected to the server, its message loop running."""
    if cls is None:
        cls = _charge_point_class(version)
    async with srv.connect(station_id, version, password=password) as ws:
        cp = cls(station_id, ws, response_timeout=10)
        task = asyncio.create_task(cp.start())
        try:
            yield cp
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


def _charge_point_class(version: str) -> Callable[..., Any]:
    if version == "1.6":
        from ocpp.v16 import ChargePoint
    elif version == "2.0.1":
        from ocpp.v201 import ChargePoint  # type: ignore[assignment]
    else:
        from ocpp.v21 import ChargePoint  # type: ignore[assignment]
    return ChargePoint


async def raw_call(ws: ClientConnection, frame: str | list[Any], timeout: float = 5) -> Any:
    """Send one raw frame and return the decoded answer."""
    await ws.send(frame if isinstance(frame, str) else json.dumps(frame))
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))
