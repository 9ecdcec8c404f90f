"""Helpers shared by the payment dialect tests: a recording 1.6 station, a raw 2.x station, database scans."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from ocpp.routing import on
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call_result as result16
from ocpp.v16.enums import Action as Action16

from tests.helpers import Running


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def minutes_ago(minutes: float) -> datetime:
    return datetime.now(UTC) - timedelta(minutes=minutes)


class RecordingStation16(ChargePoint16):
    """A 1.6 station that accepts every DataTransfer the CSMS sends and remembers the wire order.

    `wire` lists every frame in the order it crossed the socket, seen from the station:
    ("sent", action, id) for its own CALLs, ("answer", id) for answers it received and
    ("call", "vendorId/messageId" or action, id) for CALLs the CSMS sent it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.wire: list[tuple[str, ...]] = []
        self.data_transfers: list[tuple[str, str | None, Any]] = []  # vendorId, messageId, data (as sent)

    async def _send(self, message: str) -> None:
        frame = json.loads(message)
        if frame[0] == 2:
            self.wire.append(("sent", frame[2], frame[1]))
        await super()._send(message)

    async def route_message(self, raw_msg: str) -> None:
        frame = json.loads(raw_msg)
        if frame[0] == 2:
            payload = frame[3]
            name = f"{payload.get('vendorId')}/{payload.get('messageId')}" if frame[2] == "DataTransfer" else frame[2]
            self.wire.append(("call", name, frame[1]))
        else:
            self.wire.append(("answer", frame[1]))
        await super().route_message(raw_msg)

    @on(Action16.data_transfer)
    async def on_data_transfer(self, vendor_id: str, message_id: str | None = None, data: Any = None) -> Any:
        self.data_transfers.append((vendor_id, message_id, data))
        return result16.DataTransfer(status="Accepted")

    def messages(self, message_id: str) -> list[dict[str, Any]]:
        """The decoded data of every DataTransfer with this messageId the CSMS sent (1.6 data is a string)."""
        found = []
        for _vendor, mid, data in self.data_transfers:
            if mid == message_id:
                assert isinstance(data, str), f"1.6 DataTransfer data must be a JSON string, got {data!r}"
                found.append(json.loads(data))
        return found

    def answered_before(self, action: str, call_name: str) -> bool:
        """Did the answer to our last `action` CALL reach us before the CSMS's `call_name` CALL?"""
        sent = [x for x in self.wire if x[0] == "sent" and x[1] == action]
        assert sent, f"the station never sent {action}"
        message_id = sent[-1][2]
        answer = self.wire.index(("answer", message_id))
        calls = [
            i for i, x in enumerate(self.wire) if x[0] == "call" and x[1] == call_name and i > self.wire.index(sent[-1])
        ]
        assert calls, f"the CSMS never sent {call_name} after {action}"
        return answer < calls[0]


async def wait_until(condition: Callable[[], bool], timeout: float = 5, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.02)


async def settle(server: Running) -> None:
    """Let every follow-up the CSMS queued run to its end."""
    await asyncio.sleep(0.2)
    await server.services.followups.drain()


class RawStation:
    """A station speaking raw OCPP-J frames (for 2.1 messages the `ocpp` package mangles or drops).

    A CALL of the CSMS arriving while it waits for an answer (the settings read after a boot, say) is
    kept in `calls` and answered NotImplemented, as a station that does not support it would.
    """

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self._n = 0
        self.calls: list[tuple[str, dict[str, Any]]] = []

    async def call(self, action: str, payload: dict[str, Any], timeout: float = 5) -> Any:
        self._n += 1
        message_id = f"m{self._n}"
        await self.ws.send(json.dumps([2, message_id, action, payload]))
        frame = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
        while frame[0] == 2:
            self.calls.append((frame[2], frame[3]))
            await self.ws.send(json.dumps([4, frame[1], "NotImplemented", f"{frame[2]} is not supported", {}]))
            frame = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
        assert frame[1] == message_id, frame
        return frame

    async def ok(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        frame = await self.call(action, payload)
        assert frame[0] == 3, f"{action} was answered {frame}"
        return dict(frame[2])


async def stored_anywhere(db_url: str, needle: str) -> list[str]:
    """Every table.column whose text holds `needle` (case-insensitive); for SQLite also the raw files."""
    if db_url.startswith("sqlite"):
        return _sqlite_hits(db_url.removeprefix("sqlite:///"), needle)
    hits: list[str] = []
    conn = await asyncpg.connect(db_url)
    try:
        columns = await conn.fetch(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'"
        )
        for row in columns:
            table, column = row["table_name"], row["column_name"]
            count = await conn.fetchval(
                f'SELECT count(*) FROM "{table}" WHERE strpos(lower("{column}"::text), lower($1)) > 0', needle
            )
            if count:
                hits.append(f"{table}.{column}")
    finally:
        await conn.close()
    return hits


def _sqlite_hits(path: str, needle: str) -> list[str]:
    hits: list[str] = []
    con = sqlite3.connect(path)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            for column in [r[1] for r in con.execute(f'PRAGMA table_info("{table}")')]:
                count = con.execute(
                    f'SELECT count(*) FROM "{table}" WHERE instr(lower(CAST("{column}" AS TEXT)), lower(?)) > 0',
                    (needle,),
                ).fetchone()[0]
                if count:
                    hits.append(f"{table}.{column}")
    finally:
        con.close()
    if len(needle) >= 6:  # short markers could occur in binary pages by chance
        for suffix in ("", "-wal", "-journal"):
            file = Path(path + suffix)
            if file.exists() and needle.encode() in file.read_bytes():
                hits.append(f"file {file.name}")
    return hits


def server_log_lines(records: list[logging.LogRecord]) -> str:
    """What the CSMS logged (not the station library's own logging of what it sends)."""
    lines = []
    for record in records:
        if record.name == "ocpp" or record.name.startswith(("ocpp.", "websockets.client")):
            continue
        lines.append(record.getMessage())
        if record.exc_text:
            lines.append(record.exc_text)
    return "\n".join(lines)


class ConfiguredStation16(ChargePoint16):
    """A 1.6 station with a configuration (`config`) that answers GetConfiguration and ChangeConfiguration
    from it, noting the keys it was asked for (`asked`) and the changes it took (`changed`)."""

    def __init__(self, *args: Any, config: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.config: dict[str, str] = dict(config or {})
        self.asked: list[list[str] | None] = []
        self.changed: list[tuple[str, str]] = []

    @on(Action16.get_configuration)
    async def on_get_configuration(self, key: list[str] | None = None) -> Any:
        self.asked.append(key)
        asked = key or list(self.config)
        return result16.GetConfiguration(
            configuration_key=[
                {"key": k, "value": self.config[k], "readonly": False} for k in asked if k in self.config
            ],
            unknown_key=[k for k in asked if k not in self.config] or None,
        )

    @on(Action16.change_configuration)
    async def on_change_configuration(self, key: str, value: str) -> Any:
        self.changed.append((key, value))
        self.config[key] = value
        return result16.ChangeConfiguration(status="Accepted")
