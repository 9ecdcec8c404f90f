"""A real, empty SQLite database per test, with every migration applied."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ocpay.store.db import Database


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'ocpay.sqlite'}")
    await database.upgrade()
    yield database
    await database.close()
