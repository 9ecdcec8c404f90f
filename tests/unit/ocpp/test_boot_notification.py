"""BootNotification: the station's identity reaches the station port; its verdict goes back as status and interval."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Literal

import pytest

from ocpay.ocpp.handlers import boot_notification
from ocpay.ocpp.model import BootInfo, BootReply
from tests.unit.ocpp.fakes import STATION, T0, FakeStations, ask, context

BOOT_16 = {
    "chargePointVendor": "Alpitronic",
    "chargePointModel": "HYC300",
    "chargePointSerialNumber": "SN-300-0042",
    "firmwareVersion": "1.4.2",
}
BOOT_2X = {
    "reason": "PowerUp",
    "chargingStation": {
        "vendorName": "Alpitronic",
        "model": "HYC300",
        "serialNumber": "SN-300-0042",
        "firmwareVersion": "1.4.2",
    },
}


async def test_a_16_boot_is_accepted_with_time_and_interval() -> None:
    stations = FakeStations(boot_reply=BootReply("Accepted", 300, T0))

    answer = await ask(boot_notification.handle, context("1.6", stations=stations), "BootNotification", BOOT_16)

    info = BootInfo(vendor="Alpitronic", model="HYC300", serial="SN-300-0042", firmware="1.4.2")
    assert stations.calls == [("boot", (STATION, "1.6", info))]
    assert answer == {"status": "Accepted", "currentTime": "2025-03-14T09:26:53.589Z", "interval": 300}


@pytest.mark.parametrize("version", ["2.0.1", "2.1"])
async def test_a_2x_boot_carries_its_reason(version: str) -> None:
    stations = FakeStations(boot_reply=BootReply("Accepted", 60, T0))

    answer = await ask(boot_notification.handle, context(version, stations=stations), "BootNotification", BOOT_2X)

    info = BootInfo("Alpitronic", "HYC300", serial="SN-300-0042", firmware="1.4.2", reason="PowerUp")
    assert stations.calls == [("boot", (STATION, version, info))]
    assert answer == {"status": "Accepted", "currentTime": "2025-03-14T09:26:53.589Z", "interval": 60}


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
@pytest.mark.parametrize("status", ["Rejected", "Pending"])
async def test_a_boot_that_is_not_accepted_says_so_and_when_to_retry(
    version: str, status: Literal["Rejected", "Pending"]
) -> None:
    stations = FakeStations(boot_reply=BootReply(status, 900, T0))
    payload = BOOT_16 if version == "1.6" else BOOT_2X

    answer = await ask(boot_notification.handle, context(version, stations=stations), "BootNotification", payload)

    assert answer == {"status": status, "currentTime": "2025-03-14T09:26:53.589Z", "interval": 900}


async def test_a_16_boot_without_optional_fields_leaves_them_empty() -> None:
    stations = FakeStations()
    payload = {"chargePointVendor": "ABB", "chargePointModel": "Terra 54"}

    await ask(boot_notification.handle, context("1.6", stations=stations), "BootNotification", payload)

    assert stations.calls == [("boot", (STATION, "1.6", BootInfo("ABB", "Terra 54")))]


async def test_a_16_boot_without_a_charge_point_serial_uses_the_charge_box_serial() -> None:
    stations = FakeStations()
    payload = {"chargePointVendor": "ABB", "chargePointModel": "Terra 54", "chargeBoxSerialNumber": "BOX-7"}

    await ask(boot_notification.handle, context("1.6", stations=stations), "BootNotification", payload)

    assert stations.calls == [("boot", (STATION, "1.6", BootInfo("ABB", "Terra 54", serial="BOX-7")))]


async def test_a_2x_boot_without_optional_fields_leaves_them_empty() -> None:
    stations = FakeStations()
    payload = {"reason": "Watchdog", "chargingStation": {"vendorName": "ABB", "model": "Terra 54"}}

    await ask(boot_notification.handle, context("2.0.1", stations=stations), "BootNotification", payload)

    assert stations.calls == [("boot", (STATION, "2.0.1", BootInfo("ABB", "Terra 54", reason="Watchdog")))]


async def test_the_current_time_is_sent_in_utc_whatever_zone_the_port_answers_in() -> None:
    berlin = timezone(timedelta(hours=1))
    stations = FakeStations(boot_reply=BootReply("Accepted", 300, datetime(2025, 3, 14, 10, 26, 53, tzinfo=berlin)))

    answer = await ask(boot_notification.handle, context("1.6", stations=stations), "BootNotification", BOOT_16)

    assert answer["currentTime"] == "2025-03-14T09:26:53.000Z"


async def test_a_station_port_that_fails_fails_the_boot() -> None:
    stations = FakeStations(raises={"boot": LookupError("unknown station")})

    with pytest.raises(LookupError):
        await boot_notification.handle(context("2.1", stations=stations), BOOT_2X)
    assert stations.methods() == ["boot"]
