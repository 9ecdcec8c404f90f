"""The worker pool that reads documents: results and errors come back, a stage over its time is stopped."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator

import pytest

from ocpay.assessment.worker import Report, StageTimedOut, WorkerLost, WorkerPool
from ocpay.integration_requests.errors import RefusedDocument

_started: dict[str, str] = {}


def remember(greeting: str) -> None:
    _started["greeting"] = greeting


def greet(report: Report, name: str) -> str:
    report(f"greeting {name}")
    return f"{_started['greeting']}, {name} (from {os.getpid()})"


def linger(report: Report, stages: list[float]) -> str:
    for n, seconds in enumerate(stages):
        report(f"stage {n}")
        time.sleep(seconds)
    return "done"


def refuse(report: Report, name: str) -> None:
    raise RefusedDocument(name, "is not what it claims")


def exhaust(report: Report) -> None:
    report("exhausting")
    raise MemoryError


def die(report: Report) -> None:
    report("dying")
    os._exit(3)


@pytest.fixture
async def pool() -> AsyncIterator[WorkerPool]:
    workers = WorkerPool(workers=1, stage_seconds=1, initializer=remember, initargs=("hello",))
    try:
        yield workers
    finally:
        await workers.close()


async def test_a_job_runs_in_another_process_that_was_given_its_start(pool: WorkerPool) -> None:
    answer = await pool.run(greet, "station")
    assert answer.startswith("hello, station (from ") and str(os.getpid()) not in answer
    assert await pool.run(greet, "again") == answer.replace("station", "again")  # the same process, reused


async def test_each_stage_has_its_own_time_and_an_overrun_is_stopped(pool: WorkerPool) -> None:
    assert await pool.run(linger, [0.6, 0.6, 0.6]) == "done"  # 1.8 s in all, each stage under 1 s
    started = time.perf_counter()
    with pytest.raises(StageTimedOut) as stopped:
        await pool.run(linger, [0.1, 30])
    assert stopped.value.stage == "stage 1" and str(stopped.value) == "stage 1: took longer than 1 s"
    assert time.perf_counter() - started < 5
    assert (await pool.run(greet, "next")).startswith("hello, next")  # a new worker took the place


async def test_the_jobs_errors_come_back_as_they_were_raised(pool: WorkerPool) -> None:
    before = await pool.run(greet, "before")
    with pytest.raises(RefusedDocument) as refused:
        await pool.run(refuse, "manual.pdf")
    assert (refused.value.name, refused.value.reason) == ("manual.pdf", "is not what it claims")
    assert await pool.run(greet, "before") == before  # a refused document costs no new process
    with pytest.raises(WorkerLost, match="dying: the worker stopped unexpectedly"):
        await pool.run(die)
    assert (await pool.run(greet, "after")).startswith("hello, after")


async def test_a_job_out_of_memory_loses_its_worker_and_the_next_job_gets_a_new_one(pool: WorkerPool) -> None:
    with pytest.raises(WorkerLost, match="exhausting"):
        await pool.run(exhaust)
    assert (await pool.run(greet, "after")).startswith("hello, after")
