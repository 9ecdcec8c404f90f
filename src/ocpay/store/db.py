"""Engines and transactions for the embedded SQLite default and for PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from ocpay.store.journal import Journal

MIGRATIONS = Path(__file__).parent / "migrations"


def async_url(url: str) -> str:
    """Pick the async driver for the user: sqlite -> aiosqlite, postgresql -> asyncpg."""
    parsed = make_url(url)
    driver = {
        "sqlite": "sqlite+aiosqlite",
        "postgresql": "postgresql+asyncpg",
        "postgres": "postgresql+asyncpg",
    }
    backend = parsed.drivername.split("+")[0]
    if backend not in driver:
        raise ValueError(f"unsupported database URL {url!r}: use sqlite:///path or postgresql://user@host/db")
    return parsed.set(drivername=driver[backend]).render_as_string(hide_password=False)


class _Batch:
    """One transaction shared by the writes that arrive while it is open (group commit)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.lock = asyncio.Lock()  # one member at a time uses the session
        self.opened = asyncio.Event()  # the batch holds the writer's turn
        self.idle = asyncio.Event()  # every member that joined has finished its block
        self.members = 0
        self.finished = 0
        self.committed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def join(self) -> None:
        self.members += 1
        self.idle.clear()

    def leave(self) -> None:
        self.finished += 1
        if self.finished == self.members:
            self.idle.set()


class Database:
    """One engine, a session factory, and group commit for writes.

    Every station message that changes state must be committed before it is answered. Committing
    each one alone costs one fsync per message; instead, writes that arrive while a transaction is
    open join it, each inside its own SAVEPOINT (a failing write rolls back alone), and all are
    acknowledged after the one commit. Batches take turns, so a transaction never races another
    writer of this process (SQLite has one writer anyway; PostgreSQL is spared lock conflicts).
    """

    MAX_BATCH = 50  # PostgreSQL keeps up to 64 subtransactions per transaction in shared memory

    def __init__(self, url: str) -> None:
        self.url = async_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        options: dict[str, Any] = {}
        if self.is_sqlite:
            options["connect_args"] = {"timeout": 30}
        else:
            options.update(pool_size=10, max_overflow=20, pool_pre_ping=True)
        # hide_parameters: a database error must not print id tokens or other values into the logs
        self.engine: AsyncEngine = create_async_engine(self.url, hide_parameters=True, **options)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_connect)
            event.listen(self.engine.sync_engine, "begin", _sqlite_begin)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.journal = Journal(self)
        self._batch: _Batch | None = None
        self.writer_turn = asyncio.Lock()  # batches (and journal flushes) take turns
        self._owners: set[asyncio.Task[None]] = set()

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A unit of work; when the block ends it is committed (with whatever shared its batch)."""
        batch = self._batch
        if batch is None or batch.members >= self.MAX_BATCH:
            batch = self._batch = _Batch(self.sessions())
            owner = asyncio.create_task(self._own(batch))
            self._owners.add(owner)
            owner.add_done_callback(self._owners.discard)
        batch.join()
        try:
            await batch.opened.wait()
            async with batch.lock, batch.session.begin_nested():
                yield batch.session
        finally:
            batch.leave()
        await asyncio.shield(batch.committed)

    async def _own(self, batch: _Batch) -> None:
        """Wait for the writer's turn, let the members run, close the batch and commit it."""
        try:
            async with self.writer_turn:
                batch.opened.set()
                while True:
                    await batch.idle.wait()
                    if batch.finished == batch.members:  # nobody joined while we woke up
                        break
                if self._batch is batch:
                    self._batch = None  # closed: later writes start the next batch
                await batch.session.commit()
            batch.committed.set_result(None)
        except BaseException as exc:
            batch.committed.set_exception(exc)
            batch.committed.exception()  # retrieved here; every member re-raises it
            if not isinstance(exc, Exception):
                raise
        finally:
            await batch.session.close()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session:
            yield session

    async def upgrade(self) -> None:
        """Apply Alembic migrations up to head on this engine; no row of an older database is lost.

        SQLite adds and changes columns by rebuilding the table (Alembic's batch mode): with foreign keys on,
        dropping the old table cascades to every row that refers to it. So on SQLite the migrations run with
        foreign keys off (the pragma only takes effect outside a transaction), and the keys are checked after:
        a migration may not leave more rows pointing nowhere than there were before.
        """
        async with self.engine.connect() as conn:
            if self.is_sqlite:
                await _driver_sql(conn, "PRAGMA foreign_keys=OFF")
            try:
                async with conn.begin():
                    # the check reads the whole database: only when a migration will run, not at every start
                    checked = self.is_sqlite and await conn.run_sync(_migrations_pending)
                    orphans = await _orphans(conn) if checked else 0
                    await conn.run_sync(_upgrade)
                    if checked and await _orphans(conn) > orphans:
                        raise RuntimeError("a migration left rows whose foreign keys point nowhere")
            finally:
                if self.is_sqlite:
                    await _driver_sql(conn, "PRAGMA foreign_keys=ON")

    async def close(self) -> None:
        await self.journal.close()
        await self.engine.dispose()

    @property
    def sqlite_path(self) -> str:
        database = make_url(self.url).database
        assert self.is_sqlite and database, "an SQLite database file"
        return database


async def _orphans(conn: AsyncConnection) -> int:
    """How many rows of an SQLite database refer to rows that are not there (an older database may hold some)."""
    return len((await conn.exec_driver_sql("PRAGMA foreign_key_check")).all())


async def _driver_sql(conn: AsyncConnection, sql: str) -> None:
    """Run `sql` on the driver's connection itself, outside any transaction SQLAlchemy would begin."""
    raw = await conn.get_raw_connection()
    await raw.driver_connection.execute(sql)  # type: ignore[union-attr]


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, emit BEGIN, so that SAVEPOINTs work (SQLAlchemy's SQLite docs).
    dbapi_connection.isolation_level = None
    sqlite_pragmas(dbapi_connection)


def _sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN")


def sqlite_pragmas(dbapi_connection: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")  # an acknowledged message survives a power cut too
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _migrations_pending(connection: Connection) -> bool:
    """Whether the database is behind the newest migration (or new)."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    return bool(MigrationContext.configure(connection).get_current_revision() != head)


def _upgrade(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
