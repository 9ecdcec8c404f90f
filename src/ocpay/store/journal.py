"""The journal: group commit of prepared writes for the busiest station messages.

The ORM path (`Database.write`) costs several driver round trips per message. The messages that
arrive all the time (StatusNotification, MeterValues, last-seen times, payment reports) need no
reads first, so they are written as plain SQL with named parameters: the journal gathers what
arrives while the previous transaction commits, runs it in one transaction (statements in order,
runs of the same statement as executemany), and acknowledges every caller after the commit.
SQLite runs in a thread of its own with one connection; PostgreSQL goes through the async engine.
A batch that fails is replayed caller by caller, so one bad write fails alone.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from itertools import groupby
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

if TYPE_CHECKING:
    from ocpay.store.db import Database


@dataclass(frozen=True, slots=True)
class Write:
    """One statement: portable SQL (SQLite and PostgreSQL) with `:name` parameters."""

    sql: str
    params: dict[str, Any]


class Journal:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._pending: list[tuple[Sequence[Write], asyncio.Future[None]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._thread: ThreadPoolExecutor | None = None
        self._connection: sqlite3.Connection | None = None

    async def write(self, *writes: Write) -> None:
        """Returns once the writes are committed."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((writes, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        await asyncio.shield(future)

    async def _flush(self) -> None:
        while self._pending:
            async with self.db.writer_turn:
                batch, self._pending = self._pending, []
                try:
                    await self._commit([w for writes, _ in batch for w in writes])
                except Exception:
                    for writes, future in batch:  # find the culprit: each caller alone
                        try:
                            await self._commit(writes)
                        except Exception as exc:
                            future.set_exception(exc)
                        else:
                            future.set_result(None)
                else:
                    for _, future in batch:
                        future.set_result(None)

    async def _commit(self, writes: Sequence[Write]) -> None:
        runs = [(sql, [w.params for w in group]) for sql, group in groupby(writes, key=lambda w: w.sql)]
        if self.db.is_sqlite:
            if self._thread is None:
                self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ocpay-journal")
            await asyncio.get_running_loop().run_in_executor(self._thread, self._commit_sqlite, runs)
            return
        async with self.db.engine.begin() as conn:
            for sql, rows in runs:
                await conn.execute(text(sql), rows)

    def _commit_sqlite(self, runs: list[tuple[str, list[dict[str, Any]]]]) -> None:
        """In the journal's thread: one transaction, one fsync."""
        if self._connection is None:
            from ocpay.store.db import sqlite_pragmas

            self._connection = sqlite3.connect(self.db.sqlite_path, isolation_level=None, check_same_thread=False)
            sqlite_pragmas(self._connection)
        conn = self._connection
        conn.execute("BEGIN IMMEDIATE")
        try:
            for sql, rows in runs:
                conn.executemany(sql, [{k: _sqlite_value(v) for k, v in row.items()} for row in rows])
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:  # a failed COMMIT leaves the transaction open: close it for the next batch
                conn.execute("ROLLBACK")
            raise

    async def close(self) -> None:
        if self._flusher is not None:
            await asyncio.gather(self._flusher, return_exceptions=True)
        if self._thread is not None:
            connection = self._connection

            def close_connection() -> None:
                if connection is not None:
                    connection.close()

            await asyncio.get_running_loop().run_in_executor(self._thread, close_connection)
            self._thread.shutdown(wait=True)
            self._thread, self._connection = None, None


def _sqlite_value(value: Any) -> Any:
    """Store values the way SQLAlchemy's SQLite types do, so the ORM reads them back alike."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, Decimal):
        return float(value)
    return value
