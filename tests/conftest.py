"""Fixtures: a real ocpay server on loopback ports, on SQLite and (when reachable) PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.helpers import Running, database_url, running


@pytest.fixture(params=["sqlite", "postgresql"])
def db_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def db_url(db_kind: str, tmp_path: Path) -> AsyncIterator[str]:
    async with database_url(db_kind, tmp_path) as url:
        yield url


@pytest.fixture
async def server(db_url: str) -> AsyncIterator[Running]:
    async with running(db_url, open_registration=True) as srv:
        yield srv


@pytest.fixture
async def sqlite_server(tmp_path: Path) -> AsyncIterator[Running]:
    """For behaviour that does not depend on the database."""
    async with running(f"sqlite:///{tmp_path / 'ocpay.sqlite'}", open_registration=True) as srv:
        yield srv
