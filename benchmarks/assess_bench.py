"""Benchmark: assess a 100-message log against every dialect (design target: under one second).

Run: .venv/bin/python benchmarks/assess_bench.py [LOG] [--repeat N]
     .venv/bin/python benchmarks/assess_bench.py --real [--repeat N]

Prints the first (cold) assessment, which includes compiling the official OCPP schemas the log uses,
and the median of the following (warm) ones, as a server that has already compiled them would see.
For comparison in the same run it also times reading the log alone.

`--real` does the same for every input of `tests/fixtures/assessment/real/`, and times `ocpay assess FILE
--json` as a user runs it (a new process each time) beside `ocpay --help`, the command's start-up alone.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from ocpay.assessment import assess, read_documentation
from ocpay.integrations.catalog import Catalog
from ocpay.integrations.dialects import DialectSet

FIXTURES = Path(__file__).parent.parent / "tests" / "fixtures" / "assessment"
DEFAULT_LOG = FIXTURES / "hundred-messages.jsonl"
OCPAY = Path(sys.executable).parent / "ocpay"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log", nargs="?", type=Path, default=DEFAULT_LOG)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--real", action="store_true", help="every input of tests/fixtures/assessment/real/")
    args = parser.parse_args()
    dialects = DialectSet.load()
    catalog = Catalog.load(dialects)
    if args.real:
        real_inputs(dialects, catalog, args.repeat)
        return

    def once() -> tuple[float, float, str]:
        start = time.perf_counter()
        doc = read_documentation(args.log)
        read = time.perf_counter() - start
        result = assess(doc, dialects, catalog)
        return read, time.perf_counter() - start, result.verdict

    cold_read, cold, verdict = once()
    warm = [once() for _ in range(args.repeat)]
    doc = read_documentation(args.log)
    machine = platform.processor() or platform.machine()
    print(f"machine: {machine}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"log: {args.log.name}, {len(doc.messages)} messages, {len(list(dialects))} dialects, verdict {verdict}")
    print(f"cold (first run, schemas compiled): {cold * 1000:.1f} ms (reading {cold_read * 1000:.1f} ms)")
    print(
        f"warm (median of {args.repeat}): {statistics.median(w[1] for w in warm) * 1000:.1f} ms "
        f"(reading alone {statistics.median(w[0] for w in warm) * 1000:.1f} ms)"
    )
    print("target: under 1000 ms")


def real_inputs(dialects: DialectSet, catalog: Catalog, repeat: int) -> None:
    """Per real input: the assessment in process (cold, warm median) and `ocpay assess` as a process."""
    machine = platform.processor() or platform.machine()
    print(f"machine: {machine}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    startup = _wall([str(OCPAY), "--help"])
    print(f"`ocpay --help` (start-up alone): {startup * 1000:.0f} ms")
    print(f"{'input':40} {'verdict':20} {'cold ms':>8} {'warm ms':>8} {'ocpay assess ms':>16}")
    for path in sorted(p for p in (FIXTURES / "real").iterdir() if p.is_file() and not p.name.startswith("README")):
        times = []
        for _ in range(repeat + 1):
            start = time.perf_counter()
            verdict = assess(read_documentation(path), dialects, catalog).verdict
            times.append(time.perf_counter() - start)
        command = _wall([str(OCPAY), "assess", str(path), "--json"])
        cold, warm = times[0] * 1000, statistics.median(times[1:]) * 1000
        print(f"{path.name:40} {verdict:20} {cold:8.1f} {warm:8.1f} {command * 1000:16.0f}")
    print("target: under 1000 ms")


def _wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
