"""CSMS -> station commands, for the API and the CLI.

This is the seam for several nodes: today the station's socket is in this process (the gateway);
a multi-node deployment swaps `StationLink` for one that reaches the node holding the socket.
"""

from __future__ import annotations

import itertools
import time
from typing import Any, Protocol

from ocpay.charging import configuration
from ocpay.charging.stations import Stations
from ocpay.ocpp import commands as build
from ocpay.ocpp.commands import Command
from ocpay.ocpp.schemas import SchemaSet, SchemaViolation


class StationLink(Protocol):
    """Reaches a connected station: its OCPP version, and a call that returns the CALLRESULT payload."""

    def version(self, station_id: str) -> str:
        """The OCPP version the connected station speaks."""
        ...

    async def call(
        self, station_id: str, action: str, payload: dict[str, Any], timeout: float | None
    ) -> dict[str, Any]:
        """Send one CALL to the station and return its CALLRESULT payload."""
        ...


BOOT_READ_TIMEOUT = 15.0  # seconds: a read after a boot holds the station's command queue no longer


class InvalidAnswer(Exception):
    """The station's answer broke the schema."""


class Commands:
    """Commands to connected stations, built for each station's OCPP version and checked both ways."""

    def __init__(self, link: StationLink, schemas: SchemaSet, stations: Stations) -> None:
        self.link = link
        self.schemas = schemas
        self.stations = stations
        self._request_ids = itertools.count(request_id_seed())  # remoteStartId, requestId: one each per request

    async def send(self, station_id: str, command: Command, timeout: float | None = None) -> dict[str, Any]:
        """The station's answer to a command; both are schema-checked (InvalidAnswer when the answer fails)."""
        version = self.link.version(station_id)
        self.schemas.validate(version, command.action, command.payload)
        answer = await self.link.call(station_id, command.action, command.payload, timeout)
        try:
            self.schemas.validate(version, command.action, answer, response=True)
        except SchemaViolation as violation:
            raise InvalidAnswer(f"{command.action} answer: {violation.description}") from None
        return answer

    def version(self, station_id: str) -> str:
        """The OCPP version the station speaks."""
        return self.link.version(station_id)

    async def remote_start(
        self, station_id: str, id_token: str, evse_id: int | None = None, *, timeout: float | None = None
    ) -> dict[str, Any]:
        """Ask the station to start a session for `id_token` (on an EVSE, when given); the station's answer."""
        version = self.version(station_id)
        return await self.send(
            station_id, build.remote_start(version, id_token, evse_id, next(self._request_ids)), timeout
        )

    async def remote_stop(
        self, station_id: str, transaction_id: str, *, timeout: float | None = None
    ) -> dict[str, Any]:
        """Ask the station to stop the session with this transaction id; the station's answer."""
        return await self.send(station_id, build.remote_stop(self.version(station_id), transaction_id), timeout)

    async def reset(self, station_id: str, hard: bool = False, *, timeout: float | None = None) -> dict[str, Any]:
        """Ask the station to reset (hard, or once idle); the station's answer."""
        return await self.send(station_id, build.reset(self.version(station_id), hard), timeout)

    async def set_configuration(
        self, station_id: str, key: str, value: str, *, timeout: float | None = None
    ) -> dict[str, Any]:
        """Set one station setting (1.6 key or 2.x Component.Variable); the station's answer.

        What the station accepted is recorded as its setting at once; what needs a reboot is pending until
        its next boot (see `Stations.settings_changed`).
        """
        version = self.version(station_id)
        command = build.set_configuration(version, key, value)
        answer = await self.send(station_id, command, timeout)
        await self.stations.settings_changed(station_id, configuration.changes(version, command.payload, answer))
        return answer

    async def get_configuration(
        self, station_id: str, keys: list[str], *, timeout: float | None = None
    ) -> dict[str, Any]:
        """Read settings (no keys: all) and keep those the answer reports; the answer, write-only secrets hidden.

        2.x without keys asks for a full GetBaseReport under a requestId of its own: the settings arrive
        later, as NotifyReport.
        """
        version = self.version(station_id)
        answer = await self.send(station_id, build.get_configuration(version, keys, next(self._request_ids)), timeout)
        await self.stations.store_settings(station_id, configuration.reported(version, answer))
        self.stations.forget_pending(station_id, keys)  # answered, if only as unknown
        return configuration.conceal_answer(version, answer)

    async def after_boot(self, station_id: str) -> None:
        """Read again the settings the station was to take on at this reboot (RebootRequired before)."""
        pending = self.stations.pending(station_id)
        if pending:
            await self.get_configuration(station_id, sorted(pending), timeout=BOOT_READ_TIMEOUT)

    async def trigger_message(
        self, station_id: str, message: str, evse_id: int | None = None, *, timeout: float | None = None
    ) -> dict[str, Any]:
        """Ask the station to send `message` now (for an EVSE, when given); the station's answer."""
        return await self.send(station_id, build.trigger_message(self.version(station_id), message, evse_id), timeout)

    async def data_transfer(
        self, station_id: str, vendor_id: str, message_id: str | None, data: Any = None, *, timeout: float | None = None
    ) -> dict[str, Any]:
        """Send a DataTransfer to the station; the station's answer."""
        return await self.send(
            station_id, build.data_transfer(self.version(station_id), vendor_id, message_id, data), timeout
        )

    async def unlock_connector(
        self, station_id: str, evse_id: int, connector_id: int = 1, *, timeout: float | None = None
    ) -> dict[str, Any]:
        """Ask the station to unlock a connector; the station's answer."""
        return await self.send(
            station_id, build.unlock_connector(self.version(station_id), evse_id, connector_id), timeout
        )

    async def change_availability(
        self, station_id: str, evse_id: int, operative: bool, *, timeout: float | None = None
    ) -> dict[str, Any]:
        """Make an EVSE (0: the whole station) operative or inoperative; the station's answer."""
        return await self.send(
            station_id, build.change_availability(self.version(station_id), evse_id, operative), timeout
        )


def request_id_seed() -> int:
    """Where this process starts numbering remoteStartId / requestId: the clock in tenths of a second (mod 2^30).

    Unique per request within a process, and a restarted process does not reuse the ids of the one before
    (a station may still be sending the NotifyReport of an earlier request).
    """
    return int(time.time() * 10) % 2**30 + 1
