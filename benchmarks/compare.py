"""One run, one machine: a bare WebSocket echo server, a plain `ocpp`-package server, and `ocpay serve`.

Each server runs in its own process; the load generator (`ocpay bench`) runs in another, so the
two cores are shared by server and generator, as the targets in design.md assume. Prints calls/s,
latency percentiles and the ratios, then ocpay's p99 at half its sustained rate.

Usage: .venv/bin/python benchmarks/compare.py [--stations 50] [--calls 300]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def bench(port: int, stations: int, calls: int, extra: list[str] | None = None) -> dict[str, object]:
    command = [str(BIN / "ocpay"), "bench", "--url", f"ws://127.0.0.1:{port}/ocpp/", "--stations", str(stations),
               "--calls", str(calls), "--json", *(extra or [])]  # fmt: skip
    out = subprocess.run(command, capture_output=True, text=True, check=False)
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"bench failed: {out.stdout}\n{out.stderr}")
    return dict(json.loads(lines[-1]))


def serve(kind: str, port: int, workdir: Path) -> subprocess.Popen[bytes]:
    """`echo` and `ocpay` run on uvloop; `ocpp` as the package's documentation writes it, and `ocpp+uvloop`."""
    if kind == "ocpay":
        command = [str(BIN / "ocpay"), "serve", "--host", "127.0.0.1", "--ocpp-port", str(port),
                   "--http-port", str(free_port()), "--db", f"sqlite:///{workdir / 'bench.sqlite'}",
                   "--open-registration"]  # fmt: skip
        env = {**os.environ, "OCPAY_LOG_LEVEL": "WARNING", "OCPAY_PING_INTERVAL": "0"}
    else:
        name, _, loop = kind.partition("+")
        command = [sys.executable, str(ROOT / "benchmarks" / "servers.py"), name, str(port)]
        if kind == "echo" or loop == "uvloop":
            command.append("uvloop")
        env = dict(os.environ)
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(port)
    return process


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())  # fmt: skip
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stations", type=int, default=50)
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    results: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("echo", "ocpp", "ocpp+uvloop", "ocpay"):
            port = free_port()
            process = serve(kind, port, Path(tmp))
            try:
                bench(port, 10, 20)  # warm up: connections, schemas, caches
                results[kind] = bench(port, args.stations, args.calls)
                results[kind]["server_rss_mb"] = round(rss_mb(process.pid), 1)
                if kind == "ocpay":
                    half = float(results[kind]["calls_per_second"]) / 2 / args.stations  # type: ignore[arg-type]
                    results["ocpay at half rate"] = bench(port, args.stations, max(args.calls // 2, 50),
                                                          ["--rate", f"{half:.3f}"])  # fmt: skip
            finally:
                process.terminate()
                process.wait(timeout=30)
    print(f"machine: {machine()}")
    print(f"load: {args.stations} stations x {args.calls} calls, OCPP 1.6 mix "
          "Heartbeat 25% / StatusNotification 20% / MeterValues 40% / DataTransfer CardTxReport 15%")  # fmt: skip
    print(f"{'server':<20}{'calls/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'RSS MB':>9}  errors")
    for name, r in results.items():
        print(f"{name:<20}{r['calls_per_second']:>10}{r['p50_ms']:>9}{r['p95_ms']:>9}{r['p99_ms']:>9}"
              f"{r.get('server_rss_mb') or '':>9}  {r['errors'] or '-'}")  # fmt: skip
    ocpay = float(results["ocpay"]["calls_per_second"])  # type: ignore[arg-type]
    print(f"ocpay / plain ocpp server: {ocpay / float(results['ocpp']['calls_per_second']):.2f}x (target >= 4x)")  # type: ignore[arg-type]
    on_uvloop = ocpay / float(results["ocpp+uvloop"]["calls_per_second"])  # type: ignore[arg-type]
    print(f"ocpay / plain ocpp server on uvloop: {on_uvloop:.2f}x")
    print(f"ocpay / echo server:       {ocpay / float(results['echo']['calls_per_second']):.2f}x (target >= 0.5x)")  # type: ignore[arg-type]
    print(f"ocpay p99 at half rate:    {results['ocpay at half rate']['p99_ms']} ms (target < 20 ms)")


if __name__ == "__main__":
    main()
