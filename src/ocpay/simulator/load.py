"""A load generator: many stations, a fixed message mix, latency percentiles.

Built for measuring, not for realism: frames are encoded once per station and the answer is matched
by its messageId only, so the generator spends as little CPU as possible beside the server. It works
against any OCPP-J server (ocpay, a plain `ocpp`-package server, or an echo server).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from ocpay.simulator.client import SUBPROTOCOL

# The mix: what share of calls each kind is. On 1.6 "DataTransfer" is a DBT CardTxReport; every version has
# "UnknownDataTransfer" (a vendor's diagnostics no dialect knows), "Authorize", and "StartStop": a session
# started and stopped (two calls, StartTransaction + StopTransaction or TransactionEvent Started + Ended).
DEFAULT_MIX = {"Heartbeat": 0.25, "StatusNotification": 0.2, "MeterValues": 0.4, "DataTransfer": 0.15}
KINDS = (*DEFAULT_MIX, "UnknownDataTransfer", "Authorize", "StartStop")


@dataclass
class LoadResult:
    calls: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    connected: int = 0

    @property
    def rate(self) -> float:
        return self.calls / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(int(len(ordered) * p / 100), len(ordered) - 1)]


def _frames(station: str, version: str, transaction_id: int) -> dict[str, tuple[str, dict[str, object]]]:
    now = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    if version == "1.6":
        return {
            "Heartbeat": ("Heartbeat", {}),
            "StatusNotification": ("StatusNotification", {
                "connectorId": 1, "errorCode": "NoError", "status": "Charging"}),
            "MeterValues": ("MeterValues", {
                "connectorId": 1, "transactionId": transaction_id,
                "meterValue": [{"timestamp": now, "sampledValue": [{"value": "12345", "unit": "Wh"}]}],
            }),
            "DataTransfer": ("DataTransfer", {
                "vendorId": "DBT.QCNG.TPE", "messageId": "CardTxReport",
                "data": orjson.dumps({"tx_ID": transaction_id, "totalTaxedCost": 12.5, "tx_Time": now}).decode(),
            }),
            "UnknownDataTransfer": ("DataTransfer", _diagnostics()),
            "Authorize": ("Authorize", {"idTag": "LOADTEST"}),
        }  # fmt: skip
    return {
        "Heartbeat": ("Heartbeat", {}),
        "StatusNotification": ("StatusNotification", {
            "timestamp": now, "connectorStatus": "Occupied", "evseId": 1, "connectorId": 1}),
        "MeterValues": ("MeterValues", {
            "evseId": 1, "meterValue": [{"timestamp": now, "sampledValue": [{"value": 12345.0}]}]}),
        "DataTransfer": ("DataTransfer", {"vendorId": "org.example.load", "messageId": "Ping", "data": {"n": 1}}),
        "UnknownDataTransfer": ("DataTransfer", _diagnostics()),
        "Authorize": ("Authorize", {"idToken": {"idToken": "LOADTEST", "type": "ISO14443"}}),
    }  # fmt: skip


def _diagnostics() -> dict[str, object]:
    """A vendor's diagnostics DataTransfer that no dialect knows (the unrecognised inbox's write path)."""
    data = {"module": "power", "temperatureC": 41.5, "fanRpm": 3200, "errors": []}
    return {"vendorId": "com.example.diagnostics", "messageId": "ModuleState", "data": orjson.dumps(data).decode()}


async def _session(ws: ClientConnection, message_id: str, version: str, result: LoadResult) -> None:
    """A session started and stopped: two measured calls."""
    at = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    if version == "1.6":
        start = {"connectorId": 1, "idTag": "LOADTEST", "meterStart": 0, "timestamp": at}
        answer = await _one(ws, f"{message_id}a", "StartTransaction", start, result)
        reply = answer[2] if isinstance(answer, list) and len(answer) > 2 and isinstance(answer[2], dict) else {}
        stop = {"transactionId": int(reply.get("transactionId", 0)), "meterStop": 1000, "timestamp": at}
        await _one(ws, f"{message_id}b", "StopTransaction", stop, result)
        return
    base = {"timestamp": at, "transactionInfo": {"transactionId": message_id}, "evse": {"id": 1, "connectorId": 1}}
    started = {**base, "eventType": "Started", "triggerReason": "Authorized", "seqNo": 0,
               "idToken": {"idToken": "LOADTEST", "type": "ISO14443"}}  # fmt: skip
    await _one(ws, f"{message_id}a", "TransactionEvent", started, result)
    ended = {**base, "eventType": "Ended", "triggerReason": "StopAuthorized", "seqNo": 1}
    await _one(ws, f"{message_id}b", "TransactionEvent", ended, result)


async def _station(
    url: str, station: str, version: str, calls: int, mix: dict[str, float], result: LoadResult,
    rng: random.Random, start: asyncio.Event, boot: bool, rate: float | None, arrived: Callable[[], None],
) -> None:  # fmt: skip
    try:
        ws = await connect(
            url + station, subprotocols=[Subprotocol(SUBPROTOCOL[version])], open_timeout=60,
            ping_interval=None, compression=None, max_queue=4,
        )  # fmt: skip
    except Exception as exc:
        result.errors[f"connect: {type(exc).__name__}"] += 1
        arrived()
        return
    try:
        transaction_id = rng.randint(1, 10**6)
        if boot:
            await _one(ws, f"{station}-b", "BootNotification", _boot(version), result, record=False)
            if version == "1.6":
                answer = await _one(ws, f"{station}-s", "StartTransaction", {
                    "connectorId": 1, "idTag": "LOADTEST", "meterStart": 0,
                    "timestamp": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
                }, result, record=False)  # fmt: skip
                if isinstance(answer, list) and len(answer) > 2 and isinstance(answer[2], dict):
                    transaction_id = int(answer[2].get("transactionId", transaction_id))
        frames = _frames(station, version, transaction_id)
        kinds, weights = list(mix), list(mix.values())
        result.connected += 1  # connected and booted: ready for the measured part
        arrived()
        await start.wait()
        for n in range(calls):
            kind = rng.choices(kinds, weights)[0]
            began = time.perf_counter()
            if kind == "StartStop":
                await _session(ws, f"{station}-{n}", version, result)
            else:
                action, payload = frames[kind]
                await _one(ws, f"{station}-{n}", action, payload, result)
            if rate:
                await asyncio.sleep(max(0.0, 1 / rate - (time.perf_counter() - began)))
    except Exception as exc:
        result.errors[f"{type(exc).__name__}"] += 1
        if not start.is_set():
            arrived()
    finally:
        await ws.close()


def _boot(version: str) -> dict[str, object]:
    if version == "1.6":
        return {"chargePointVendor": "ocpay-load", "chargePointModel": "load"}
    return {"reason": "PowerUp", "chargingStation": {"vendorName": "ocpay-load", "model": "load"}}


async def _one(
    ws: ClientConnection, message_id: str, action: str, payload: dict[str, object], result: LoadResult,
    record: bool = True,
) -> object:  # fmt: skip
    began = time.perf_counter()
    await ws.send(orjson.dumps([2, message_id, action, payload]).decode())
    while True:
        answer = orjson.loads(await ws.recv())
        if isinstance(answer, list) and len(answer) > 1 and answer[1] == message_id:
            break
    if record:
        result.latencies.append(time.perf_counter() - began)
        result.calls += 1
        if answer[0] == 4:
            result.errors[f"CALLERROR {answer[2]}"] += 1
    return answer


async def run_load(
    url: str,
    *,
    stations: int,
    calls: int,
    version: str = "1.6",
    mix: dict[str, float] | None = None,
    seed: int = 1,
    boot: bool = True,
    rate_per_station: float | None = None,
    prefix: str = "LOAD",
) -> LoadResult:
    """Connect `stations`, then send `calls` calls from each, one outstanding per station."""
    result = LoadResult()
    start, everyone = asyncio.Event(), asyncio.Event()
    waiting = [stations]

    def arrived() -> None:
        waiting[0] -= 1
        if waiting[0] == 0:
            everyone.set()

    url = url.rstrip("/") + "/"
    mix = mix or DEFAULT_MIX
    tasks = [
        asyncio.create_task(
            _station(
                url,
                f"{prefix}{i:05d}",
                version,
                calls,
                mix,
                result,
                random.Random(seed * 7919 + i),
                start,
                boot,
                rate_per_station,
                arrived,
            )
        )
        for i in range(stations)
    ]
    await everyone.wait()
    began = time.perf_counter()
    start.set()
    await asyncio.gather(*tasks)
    result.seconds = time.perf_counter() - began
    return result
