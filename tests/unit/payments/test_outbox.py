"""The dialects' way to stations: given at construction, connected when the gateway runs."""

from __future__ import annotations

from typing import Any

import pytest

from ocpay.payments.outbox import NoGateway, StationOutbox


class Commands:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str | None, Any]] = []

    async def data_transfer(self, station_id: str, vendor_id: str, message_id: str | None, data: Any = None) -> Any:
        self.sent.append((station_id, vendor_id, message_id, data))
        return {"status": "Accepted"}


async def test_sending_without_a_gateway_fails_and_says_why() -> None:
    outbox = StationOutbox()
    assert not outbox.connected
    with pytest.raises(NoGateway, match="FinalCost not sent to station CS1"):
        await outbox.data_transfer("CS1", "org.openchargealliance.costmsg", "FinalCost", {"cost": 1})


async def test_once_connected_messages_go_through_the_commands_service() -> None:
    outbox, commands = StationOutbox(), Commands()
    outbox.connect(commands)
    assert await outbox.data_transfer("CS1", "v", "m", {"x": 1}) == {"status": "Accepted"}
    assert commands.sent == [("CS1", "v", "m", {"x": 1})]
