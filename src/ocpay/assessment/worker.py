"""Reading documents off the event loop: a small pool of worker processes, each stage of a job on a clock.

Reading what someone uploads (PDF text, the example scanner, YAML, a large log, the assessment) is CPU
work of a size the sender chooses. It never runs in the server's event loop, nor in a thread of it (a
thread holds the same GIL): a job runs in one of `workers` processes, started on first use and
stopped by `close`. A job reports the stage it is in (`report("reading capture.jsonl")`); each stage
has `stage_seconds` of wall-clock time. A worker that overruns it is killed and replaced, and the
caller gets `StageTimedOut` naming the stage, so a hung or killed worker never holds up later jobs.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import pickle
import resource
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

Report = Callable[[str], None]
_START_SECONDS = 120  # for a worker process to import what it needs, on a busy machine


class StageTimedOut(Exception):
    """A stage of a job took longer than its time: the worker was stopped."""

    def __init__(self, stage: str, seconds: float) -> None:
        super().__init__(f"{stage}: took longer than {seconds:g} s")
        self.stage = stage
        self.seconds = seconds


class WorkerLost(Exception):
    """The worker process ended in the middle of a stage (killed, out of memory, crashed)."""

    def __init__(self, stage: str) -> None:
        super().__init__(f"{stage}: the worker stopped unexpectedly")
        self.stage = stage


class JobFailed(Exception):
    """A job raised `error` in the worker (which lives on); `run` re-raises `error` itself."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


class _Worker:
    """One process and the pipe to it."""

    def __init__(self, initializer: Callable[..., None], initargs: tuple[Any, ...], memory_bytes: int) -> None:
        context = multiprocessing.get_context("spawn")  # no fork of a process with threads and a loop
        self.conn, child = context.Pipe()
        self.process: BaseProcess = context.Process(
            target=_serve, args=(child, initializer, initargs, memory_bytes), daemon=True, name="ocpay-reader"
        )
        try:
            self.process.start()
            child.close()
            # The process imports what it needs first: that is not a job's time.
            ready = self.conn.poll(_START_SECONDS) and self.conn.recv() == "ready"
        except Exception:  # it could not start (or the main module cannot be imported again)
            child.close()
            ready = False
        if not ready:
            self.kill()
            raise WorkerLost("starting a reader")

    def kill(self) -> None:
        """Stop the process at once and forget the pipe."""
        with contextlib.suppress(Exception):  # (a process that never started has nothing to stop)
            self.process.kill()
            self.process.join(timeout=5)
        self.conn.close()


class WorkerPool:
    """`workers` processes that run jobs `job(report, *args)`; each stage of a job has `stage_seconds`."""

    def __init__(
        self,
        *,
        workers: int,
        stage_seconds: float,
        initializer: Callable[..., None],
        initargs: tuple[Any, ...] = (),
        memory_bytes: int = 0,
    ) -> None:
        self.stage_seconds = stage_seconds
        self._start = lambda: _Worker(initializer, initargs, memory_bytes)
        self._idle: asyncio.Queue[_Worker | None] = asyncio.Queue()
        for _ in range(max(1, workers)):
            self._idle.put_nowait(None)  # a slot; its process starts when first needed
        self._busy: set[_Worker] = set()

    async def run(self, job: Callable[..., Any], *args: Any) -> Any:
        """The job's result, computed in a worker; its exception re-raised here; StageTimedOut, WorkerLost."""
        worker = await self._idle.get()
        try:
            if worker is None or not worker.process.is_alive():
                worker = None
                worker = await asyncio.to_thread(self._start)
            self._busy.add(worker)
            worker.conn.send((job, args))
            result = await self._follow(worker)
        except JobFailed as failed:  # the job's own exception: the worker is fine and takes the next job
            self._busy.discard(worker)
            self._idle.put_nowait(worker)
            raise failed.error from None
        except BaseException:
            if worker is not None:
                self._busy.discard(worker)
                await asyncio.to_thread(worker.kill)
            self._idle.put_nowait(None)
            raise
        self._busy.discard(worker)
        self._idle.put_nowait(worker)
        return result

    async def _follow(self, worker: _Worker) -> Any:
        """Read the job's reports until its result; each stage must report within stage_seconds."""
        stage = "starting"
        while True:
            try:
                kind, value = await asyncio.to_thread(_receive, worker.conn, self.stage_seconds)
            except TimeoutError:
                raise StageTimedOut(stage, self.stage_seconds) from None
            except (EOFError, OSError):
                raise WorkerLost(stage) from None
            if kind == "stage":
                stage = value
            elif kind == "done":
                return value
            elif isinstance(value, MemoryError):  # the worker ends itself after this one
                raise WorkerLost(stage)
            else:
                raise JobFailed(value)

    async def close(self) -> None:
        """Stop every worker, idle or busy."""
        workers = [w for w in self._busy]
        while not self._idle.empty():
            worker = self._idle.get_nowait()
            if worker is not None:
                workers.append(worker)
        for worker in workers:
            with contextlib.suppress(Exception):
                worker.conn.send(None)
        await asyncio.gather(*(asyncio.to_thread(_stop, w) for w in workers))


def _receive(conn: Connection, timeout: float) -> tuple[str, Any]:
    if not conn.poll(timeout):
        raise TimeoutError
    message: tuple[str, Any] = conn.recv()
    return message


def _stop(worker: _Worker) -> None:
    worker.process.join(timeout=2)
    if worker.process.is_alive():
        worker.kill()
    worker.conn.close()


def _serve(conn: Connection, initializer: Callable[..., None], initargs: tuple[Any, ...], memory_bytes: int) -> None:
    """The worker process: run each job sent, report its stages, send its result or its exception."""
    if memory_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    initializer(*initargs)
    conn.send("ready")

    def report(stage: str) -> None:
        conn.send(("stage", stage))

    while (task := conn.recv()) is not None:
        job, args = task
        try:
            conn.send(("done", job(report, *args)))
        except MemoryError:
            conn.send(("failed", MemoryError("the document needs more memory than a reader may use")))
            return  # start afresh: memory may be fragmented
        except Exception as exc:  # the caller decides; an exception that does not cross is described
            try:
                pickle.loads(pickle.dumps(exc))
            except Exception:
                exc = RuntimeError(f"{type(exc).__name__}: {exc}")
            conn.send(("failed", exc))
