"""Hold many stations on one ocpay process, heartbeats flowing, and report its resident memory.

Starts `ocpay serve` (SQLite, open registration) in its own process and connects N stations from
this process: each connects, boots, then sends a Heartbeat every `--interval` seconds for
`--hold` seconds. Prints the connection time, heartbeats answered, errors and the server's RSS.

Usage: .venv/bin/python benchmarks/connections.py [--stations 10000] [--hold 60] [--interval 30]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import orjson
from compare import BIN, free_port, machine, rss_mb, wait_for
from websockets.asyncio.client import ClientConnection, connect


async def hold_station(url: str, index: int, args: argparse.Namespace, ready: list[int], beats: Counter[str],
                       errors: Counter[str], gate: asyncio.Semaphore, stop: asyncio.Event) -> None:  # fmt: skip
    ws: ClientConnection | None = None
    try:
        async with gate:
            ws = await connect(f"{url}HOLD{index:05d}", subprotocols=["ocpp1.6"], open_timeout=120,  # type: ignore[list-item]
                               ping_interval=None, compression=None)  # fmt: skip
            boot = {"chargePointVendor": "hold", "chargePointModel": "hold"}
            await ws.send(orjson.dumps([2, "b", "BootNotification", boot]).decode())
            await ws.recv()
        ready[0] += 1
        await asyncio.sleep(random.uniform(0, args.interval))  # spread the heartbeats
        n = 0
        while not stop.is_set():
            n += 1
            await ws.send(orjson.dumps([2, f"h{n}", "Heartbeat", {}]).decode())
            answer = orjson.loads(await ws.recv())
            beats["answered" if answer[0] == 3 else "error"] += 1
            try:
                await asyncio.wait_for(stop.wait(), args.interval)
            except TimeoutError:
                pass
    except Exception as exc:
        errors[type(exc).__name__] += 1
    finally:
        if ws is not None:
            await ws.close()


async def run(args: argparse.Namespace, port: int, server_pid: int) -> None:
    url = f"ws://127.0.0.1:{port}/ocpp/"
    ready, beats, errors = [0], Counter[str](), Counter[str]()
    gate, stop = asyncio.Semaphore(args.concurrency), asyncio.Event()
    began = time.perf_counter()
    tasks = [asyncio.create_task(hold_station(url, i, args, ready, beats, errors, gate, stop))
             for i in range(args.stations)]  # fmt: skip
    while ready[0] + sum(errors.values()) < args.stations:  # noqa: ASYNC110 - a progress poll, twice a second
        await asyncio.sleep(0.5)
    connected_in = time.perf_counter() - began
    print(f"{ready[0]} stations connected and booted in {connected_in:.1f} s; server RSS {rss_mb(server_pid):.0f} MB")
    peak = 0.0
    deadline = time.monotonic() + args.hold
    while time.monotonic() < deadline:
        await asyncio.sleep(5)
        peak = max(peak, rss_mb(server_pid))
    stop.set()
    await asyncio.gather(*tasks)
    print(f"held {args.hold} s: {beats['answered']} heartbeats answered, {beats['error']} answered with errors, "
          f"errors {dict(errors) or '-'}")  # fmt: skip
    print(f"server resident memory: peak {peak:.0f} MB for {ready[0]} stations (target < 1536 MB for 10,000)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stations", type=int, default=10_000)
    parser.add_argument("--hold", type=float, default=60)
    parser.add_argument("--interval", type=float, default=30)
    parser.add_argument("--concurrency", type=int, default=200)
    args = parser.parse_args()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < args.stations + 100:
        sys.exit(f"need {args.stations + 100} file descriptors, the limit is {hard}")
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        command = [str(BIN / "ocpay"), "serve", "--host", "127.0.0.1", "--ocpp-port", str(port),
                   "--http-port", str(free_port()), "--db", f"sqlite:///{Path(tmp) / 'hold.sqlite'}",
                   "--open-registration"]  # fmt: skip
        env = {**os.environ, "OCPAY_LOG_LEVEL": "WARNING"}

        def raise_limit() -> None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

        server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  preexec_fn=raise_limit)  # fmt: skip
        try:
            wait_for(port)
            print(f"machine: {machine()}")
            asyncio.run(run(args, port, server.pid))
        finally:
            server.terminate()
            server.wait(timeout=60)


if __name__ == "__main__":
    main()
