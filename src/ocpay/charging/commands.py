"""CSMS -> station commands, for the API and the CLI.

This is the seam for several nodes: today the station's socket is in this process (the gateway);
a multi-node deployment swaps `StationLink` for one that reaches the node holding the socket.
"""

from __future__ import annotations

import itertools
from typing import Any, Protocol

from ocpay.charging.stations import Stations
from ocpay.ocpp import commands as build
from ocpay.ocpp.commands import Command
from ocpay.ocpp.handlers.notify_report import variable_key
from ocpay.ocpp.model import ReportedVariable
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


class InvalidAnswer(Exception):
    """The station's answer broke the schema."""


class Commands:
    """Commands to connected stations, built for each station's OCPP version and checked both ways."""

    def __init__(self, link: StationLink, schemas: SchemaSet, stations: Stations) -> None:
        self.link = link
        self.schemas = schemas
        self.stations = stations
        self._remote_start_ids = itertools.count(1)

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
            station_id, build.remote_start(version, id_token, evse_id, next(self._remote_start_ids)), timeout
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
        """Set one station setting (1.6 key or 2.x Component.Variable); the station's answer."""
        return await self.send(station_id, build.set_configuration(self.version(station_id), key, value), timeout)

    async def get_configuration(
        self, station_id: str, keys: list[str], *, timeout: float | None = None
    ) -> dict[str, Any]:
        """Read settings (no keys: all) and keep those the answer reports; the station's answer."""
        version = self.version(station_id)
        answer = await self.send(station_id, build.get_configuration(version, keys), timeout)
        if version == "1.6":
            reported = [
                ReportedVariable(item["key"], item.get("value"), item.get("readonly", False))
                for item in answer.get("configurationKey") or ()
            ]
        else:  # GetVariables; a full GetBaseReport arrives later as NotifyReport
            reported = [
                ReportedVariable(variable_key(item["component"], item["variable"]), item.get("attributeValue"))
                for item in answer.get("getVariableResult") or ()
                if item.get("attributeStatus") == "Accepted"
            ]
        await self.stations.store_settings(station_id, reported)
        return answer

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
