"""Times typed by people (API query strings, CLI options): read as UTC when they name no offset."""

from __future__ import annotations

from datetime import UTC, datetime


def utc(value: datetime | None) -> datetime | None:
    """The same moment in UTC; a time without an offset is taken as UTC. ValueError when out of range."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("the time is out of range") from None
