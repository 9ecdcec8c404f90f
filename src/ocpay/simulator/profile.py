"""What a simulated station is and how it behaves: its profile, the run's options, a session's outcome."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ocpay.integrations.dialects import Dialect

FAULTS = ("disconnect", "late", "malformed", "duplicate")


@dataclass(frozen=True, slots=True)
class Profile:
    """What a simulated station is: its identity, version, dialect and parameters."""

    station_id: str
    version: str
    vendor: str
    model: str
    dialect: Dialect | None
    params: dict[str, Any]
    entry_id: str | None = None


@dataclass(slots=True)
class Options:
    """How a fleet charges: shares of card and declined sessions, readings, injected faults, pace."""

    card_ratio: float = 0.5
    decline_ratio: float = 0.1
    meter_values: int = 3
    faults: tuple[str, ...] = ()
    fault_ratio: float = 0.2
    pause: float = 0.0  # seconds between messages (the demo fleet charges slowly)


@dataclass(slots=True)
class Outcome:
    """How one simulated session ended, and which faults were injected into it."""

    station_id: str
    kind: str  # rfid, card
    result: str  # ok, declined (by the simulated terminal), failed
    reason: str = ""
    injected: list[str] = field(default_factory=list)


class SessionFailed(Exception):
    """A simulated session went wrong for a reason nobody injected."""
