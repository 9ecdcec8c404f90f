"""Benchmark: assess a 100-message log against every dialect (design target: under one second).

Run: .venv/bin/python benchmarks/assess_bench.py [LOG] [--repeat N]

Prints the first (cold) assessment, which includes compiling the official OCPP schemas the log uses,
and the median of the following (warm) ones, as a server that has already compiled them would see.
For comparison in the same run it also times reading the log alone.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

from ocpay.assessment import assess, read_documentation
from ocpay.integrations.catalog import Catalog
from ocpay.integrations.dialects import DialectSet

DEFAULT_LOG = Path(__file__).parent.parent / "tests" / "fixtures" / "assessment" / "hundred-messages.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log", nargs="?", type=Path, default=DEFAULT_LOG)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    dialects = DialectSet.load()
    catalog = Catalog.load(dialects)

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


if __name__ == "__main__":
    main()
