"""The dialect engine's way to the stations: DataTransfers it sends on its own (OCA cost messages, ...).

The payments layer is built before any gateway runs, so it gets this outbox at construction; the
runtime connects the outbox to the commands service once the gateway is up. Sending while it is
not connected fails with NoGateway, it is never silently dropped.
"""

from __future__ import annotations

from typing import Any, Protocol


class DataTransferSender(Protocol):
    """Sends a DataTransfer to a connected station and returns its answer (the commands service does)."""

    async def data_transfer(
        self, station_id: str, vendor_id: str, message_id: str | None, data: Any = None
    ) -> dict[str, Any]:
        """The station's answer to the DataTransfer."""
        ...


class NoGateway(RuntimeError):
    """A message for a station while no gateway runs in this process."""


class StationOutbox:
    """DataTransfers to stations, through the sender connected once the gateway runs."""

    def __init__(self) -> None:
        self._sender: DataTransferSender | None = None

    def connect(self, sender: DataTransferSender) -> None:
        """The gateway is up: send through `sender` from now on."""
        self._sender = sender

    @property
    def connected(self) -> bool:
        """Whether a gateway is connected."""
        return self._sender is not None

    async def data_transfer(self, station_id: str, vendor_id: str, message_id: str | None, data: Any) -> dict[str, Any]:
        """The station's answer to the DataTransfer; NoGateway while no gateway is connected."""
        if self._sender is None:
            raise NoGateway(f"no gateway runs: {vendor_id}/{message_id} not sent to station {station_id}")
        return await self._sender.data_transfer(station_id, vendor_id, message_id, data)
