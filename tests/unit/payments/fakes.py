"""Fakes for the payments unit tests: a database whose units of work hold nothing, and a settable clock."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import yaml

from ocpay.integrations.dialects import Dialect


class FakeDb:
    """Stands in for `Database`: `read()` and `write()` open a unit of work that counts itself.

    The query functions the code under test calls are replaced with monkeypatch, so the session
    handed out is only a token.
    """

    def __init__(self) -> None:
        self.reads = 0
        self.writes = 0
        self.session: Any = object()  # what `s` is inside a unit of work; a test gives it `add` where needed

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[Any]:
        self.reads += 1
        yield self.session

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[Any]:
        self.writes += 1
        yield self.session


class Clock:
    """A fake `now()`: starts at a fixed moment, moves only when told."""

    def __init__(self) -> None:
        self.moment = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


def dialect(text: str) -> Dialect:
    """A dialect from YAML text, as a dialect file would hold it."""
    return Dialect.model_validate(yaml.safe_load(text))
