"""`ocpay serve` ends cleanly on SIGTERM and SIGINT: the frames being handled are answered and stored, the
stations' sockets closed with 1001 (going away), the process exits 0 within seconds."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from ocpp.v16 import ChargePoint
from ocpp.v16 import call as call16
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

BURST = 12  # frames sent back to back right before the signal: some are being handled when it arrives


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def ocpay_serve(db: str, log: Path) -> Iterator[tuple[subprocess.Popen[bytes], int, int]]:
    """`ocpay serve` as its own process, as an operator runs it; killed if a test leaves it running."""
    ocpp_port, http_port = _free_port(), _free_port()
    args = ["serve", "--db", db, "--host", "127.0.0.1", "--ocpp-port", str(ocpp_port), "--http-port", str(http_port)]
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "ocpay", *args, "--open-registration"], stderr=out)
    try:
        yield process, ocpp_port, http_port
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


async def _until_healthy(http_port: int, process: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient() as http:
        for _ in range(300):
            assert process.poll() is None, "ocpay serve ended while starting"
            with contextlib.suppress(httpx.HTTPError):
                if (await http.get(f"http://127.0.0.1:{http_port}/healthz")).status_code == 200:
                    return
            await asyncio.sleep(0.1)
    pytest.fail("ocpay serve did not start in 30 s")


def _meter_values(path: Path) -> list[float]:
    with contextlib.closing(sqlite3.connect(path)) as db:
        return [row[0] for row in db.execute("SELECT value FROM meter_values ORDER BY value")]


def _meter_values_frame(n: int, transaction_id: int) -> str:
    sample = {"timestamp": f"2026-11-25T12:{n:02d}:00+00:00", "sampledValue": [{"value": str(2000 + n)}]}
    payload = {"connectorId": 1, "transactionId": transaction_id, "meterValue": [sample]}
    return json.dumps([2, f"burst-{n}", "MeterValues", payload])


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
async def test_a_stop_signal_answers_what_is_being_handled_keeps_it_and_exits_0(
    tmp_path: Path, signum: signal.Signals
) -> None:
    path = tmp_path / "ocpay.sqlite"
    with ocpay_serve(f"sqlite:///{path}", tmp_path / "serve.log") as (process, ocpp_port, http_port):
        await _until_healthy(http_port, process)
        async with connect(f"ws://127.0.0.1:{ocpp_port}/ocpp/CP-TERM", subprotocols=["ocpp1.6"]) as ws:  # type: ignore[list-item]
            cp = ChargePoint("CP-TERM", ws, response_timeout=10)
            reading = asyncio.create_task(cp.start())
            await cp.call(call16.BootNotification(charge_point_vendor="ACME", charge_point_model="Term"))
            start = call16.StartTransaction(
                connector_id=1, id_tag="RFID-1", meter_start=1000, timestamp="2026-11-25T12:00:00+00:00"
            )
            transaction_id = (await cp.call(start)).transaction_id
            sample = {"timestamp": "2026-11-25T12:00:30+00:00", "sampledValue": [{"value": "1500"}]}
            await cp.call(call16.MeterValues(connector_id=1, transaction_id=transaction_id, meter_value=[sample]))
            reading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reading

            for n in range(BURST):  # the station's frames under way as the operator stops the server
                await ws.send(_meter_values_frame(n, transaction_id))
            signalled = time.monotonic()
            process.send_signal(signum)
            answered = []
            with contextlib.suppress(ConnectionClosed):
                async for raw in ws:
                    answer = json.loads(raw)
                    assert answer[0] == 3, answer  # a CALLRESULT, never an error
                    answered.append(int(answer[1].removeprefix("burst-")))
            assert ws.close_code == 1001, (ws.close_code, ws.close_reason)  # going away

        exit_code = await asyncio.to_thread(process.wait, 10)
        assert exit_code == 0, (tmp_path / "serve.log").read_text()
        assert time.monotonic() - signalled < 5

    stored = _meter_values(path)
    assert 1500 in stored
    assert {2000 + n for n in answered} <= set(stored)  # every answered frame is kept
    assert "Traceback" not in (tmp_path / "serve.log").read_text()
