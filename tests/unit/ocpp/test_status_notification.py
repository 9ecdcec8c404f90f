"""StatusNotification: a connector's state reaches the station port as a neutral ConnectorStatus."""

from __future__ import annotations

import pytest

from ocpay.ocpp.handlers import status_notification
from ocpay.ocpp.model import ConnectorStatus
from tests.unit.ocpp.fakes import STATION, T0, FakeStations, ask, context


async def test_a_16_status_without_error_has_no_error_code() -> None:
    stations = FakeStations()
    payload = {"connectorId": 1, "errorCode": "NoError", "status": "Charging", "timestamp": "2025-03-14T09:26:53.589Z"}

    answer = await ask(status_notification.handle, context("1.6", stations=stations), "StatusNotification", payload)

    status = ConnectorStatus(evse_id=1, connector_id=1, status="Charging", timestamp=T0)
    assert stations.calls == [("status", (STATION, status))]
    assert answer == {}


async def test_a_16_fault_keeps_its_error_code_and_info() -> None:
    stations = FakeStations()
    payload = {"connectorId": 2, "errorCode": "GroundFailure", "status": "Faulted", "info": "RCD tripped"}

    await ask(status_notification.handle, context("1.6", stations=stations), "StatusNotification", payload)

    status = ConnectorStatus(2, 2, "Faulted", error_code="GroundFailure", info="RCD tripped")
    assert stations.calls == [("status", (STATION, status))]


async def test_a_16_vendor_error_code_stands_in_for_missing_info() -> None:
    stations = FakeStations()
    payload = {"connectorId": 1, "errorCode": "OtherError", "status": "Faulted", "vendorErrorCode": "E-4711"}

    await ask(status_notification.handle, context("1.6", stations=stations), "StatusNotification", payload)

    assert stations.calls == [
        ("status", (STATION, ConnectorStatus(1, 1, "Faulted", error_code="OtherError", info="E-4711")))
    ]


async def test_a_16_status_of_connector_0_is_the_station_itself() -> None:
    stations = FakeStations()
    payload = {"connectorId": 0, "errorCode": "NoError", "status": "Unavailable"}

    await ask(status_notification.handle, context("1.6", stations=stations), "StatusNotification", payload)

    assert stations.calls == [("status", (STATION, ConnectorStatus(0, 0, "Unavailable")))]


@pytest.mark.parametrize("version", ["2.0.1", "2.1"])
async def test_a_2x_status_names_evse_and_connector(version: str) -> None:
    stations = FakeStations()
    payload = {"timestamp": "2025-03-14T09:26:53.589Z", "connectorStatus": "Occupied", "evseId": 2, "connectorId": 1}

    answer = await ask(status_notification.handle, context(version, stations=stations), "StatusNotification", payload)

    assert stations.calls == [
        ("status", (STATION, ConnectorStatus(evse_id=2, connector_id=1, status="Occupied", timestamp=T0)))
    ]
    assert answer == {}


async def test_a_station_port_that_fails_fails_the_status_notification() -> None:
    stations = FakeStations(raises={"status": RuntimeError("database gone")})
    payload = {"connectorId": 1, "errorCode": "NoError", "status": "Available"}

    with pytest.raises(RuntimeError):
        await status_notification.handle(context("1.6", stations=stations), payload)
