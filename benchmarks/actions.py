"""Calls/s per OCPP action, on SQLite and on PostgreSQL, each beside the plain `ocpp`-package server.

One action at a time (`ocpay bench --mix ACTION=1`), OCPP 1.6 unless the row says 2.0.1: what each write
path costs, and how far PostgreSQL is from SQLite on the same action. Each server runs in its own process;
the load generator in another; every row of one run shares the machine's state.

Usage: .venv/bin/python benchmarks/actions.py [--stations 50] [--calls 200] [--pg postgresql://postgres@127.0.0.1/test]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare import BIN, bench, free_port, machine, serve, wait_for

# (label, --mix kind, OCPP version): one row each.
ACTIONS = [
    ("Heartbeat", "Heartbeat", "1.6"),
    ("StatusNotification", "StatusNotification", "1.6"),
    ("MeterValues", "MeterValues", "1.6"),
    ("Authorize", "Authorize", "1.6"),
    ("Start/StopTransaction", "StartStop", "1.6"),
    ("DataTransfer, dialect", "DataTransfer", "1.6"),
    ("DataTransfer, unknown", "UnknownDataTransfer", "1.6"),
    ("TransactionEvent (2.0.1)", "StartStop", "2.0.1"),
]


def ocpay_server(db_url: str, port: int) -> subprocess.Popen[bytes]:
    """`ocpay serve` on `db_url`, stations admitted as they come."""
    command = [str(BIN / "ocpay"), "serve", "--host", "127.0.0.1", "--ocpp-port", str(port),
               "--http-port", str(free_port()), "--db", db_url, "--open-registration"]  # fmt: skip
    env = {**os.environ, "OCPAY_LOG_LEVEL": "WARNING", "OCPAY_PING_INTERVAL": "0"}
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(port)
    return process


def pg_database(admin_url: str) -> tuple[str, str]:
    """A new empty database on the server of `admin_url`: (its URL, its name)."""
    name = f"ocpay_bench_{uuid.uuid4().hex[:8]}"
    subprocess.run(["psql", admin_url, "-q", "-c", f"CREATE DATABASE {name}"], check=True)
    return admin_url.rsplit("/", 1)[0] + "/" + name, name


def measure(port: int, stations: int, calls: int) -> dict[str, float]:
    """calls/s per action row against the server listening on `port`."""
    rates = {}
    for label, kind, version in ACTIONS:
        figures = bench(port, stations, calls, ["--mix", f"{kind}=1", "--ocpp-version", version])
        rates[label] = float(figures["calls_per_second"])  # type: ignore[arg-type]
    return rates


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stations", type=int, default=50)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1/test")
    args = parser.parse_args()
    columns: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        plain = serve("ocpp+uvloop", port, Path(tmp))
        try:
            columns["plain ocpp (uvloop)"] = {
                label: float(bench(port, args.stations, args.calls, ["--mix", f"{kind}=1"])["calls_per_second"])  # type: ignore[arg-type]
                for label, kind, version in ACTIONS
                if version == "1.6"
            }
        finally:
            plain.terminate()
            plain.wait(timeout=30)
        pg_url, pg_name = pg_database(args.pg)
        try:
            stores = (("ocpay SQLite", f"sqlite:///{Path(tmp) / 'bench.sqlite'}"), ("ocpay PostgreSQL", pg_url))
            for store, url in stores:
                port = free_port()
                process = ocpay_server(url, port)
                try:
                    bench(port, 10, 20)  # warm up: connections, schemas, caches
                    columns[store] = measure(port, args.stations, args.calls)
                finally:
                    process.terminate()
                    process.wait(timeout=30)
        finally:
            subprocess.run(["psql", args.pg, "-q", "-c", f"DROP DATABASE IF EXISTS {pg_name}"], check=False)
    print(f"machine: {machine()}")
    print(f"load: {args.stations} stations x {args.calls} calls of one action, one outstanding call per station")
    names = list(columns)
    print(f"{'action':<26}" + "".join(f"{name:>22}" for name in names) + f"{'PG / SQLite':>13}")
    for label, _kind, _version in ACTIONS:
        row = [columns[name].get(label) for name in names]
        ratio = columns["ocpay PostgreSQL"][label] / columns["ocpay SQLite"][label]
        cells = "".join(f"{value:>22,.0f}" if value is not None else f"{'-':>22}" for value in row)
        print(f"{label:<26}{cells}{ratio:>12.2f}x")


if __name__ == "__main__":
    main()
