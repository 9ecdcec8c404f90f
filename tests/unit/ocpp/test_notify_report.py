"""NotifyReport (2.x): the device model reaches the station port as key/value configuration."""

from __future__ import annotations

import pytest

from ocpay.ocpp.handlers import notify_report
from ocpay.ocpp.model import ReportedVariable
from tests.unit.ocpp.fakes import STATION, FakeStations, ask, context


def _report(*report_data: dict[str, object]) -> dict[str, object]:
    return {"requestId": 1, "generatedAt": "2025-03-14T09:26:53Z", "seqNo": 0, "reportData": list(report_data)}


@pytest.mark.parametrize("version", ["2.0.1", "2.1"])
async def test_actual_values_are_reported_with_their_mutability(version: str) -> None:
    stations = FakeStations()
    payload = _report(
        {
            "component": {"name": "OCPPCommCtrlr"},
            "variable": {"name": "HeartbeatInterval"},
            "variableAttribute": [{"value": "300", "mutability": "ReadWrite"}],
        },
        {
            "component": {"name": "SecurityCtrlr"},
            "variable": {"name": "Identity"},
            "variableAttribute": [{"type": "Actual", "value": "CS-1", "mutability": "ReadOnly"}],
        },
    )

    answer = await ask(notify_report.handle, context(version, stations=stations), "NotifyReport", payload)

    variables = [
        ReportedVariable("OCPPCommCtrlr.HeartbeatInterval", "300", readonly=False),
        ReportedVariable("SecurityCtrlr.Identity", "CS-1", readonly=True),
    ]
    assert stations.calls == [("report", (STATION, variables))]
    assert answer == {}


async def test_targets_and_limits_are_left_out() -> None:
    stations = FakeStations()
    payload = _report(
        {
            "component": {"name": "SmartChargingCtrlr"},
            "variable": {"name": "LimitChangeSignificance"},
            "variableAttribute": [
                {"type": "Target", "value": "0.1"},
                {"type": "Actual", "value": "0.2"},
                {"type": "MaxSet", "value": "1"},
            ],
        }
    )

    await ask(notify_report.handle, context("2.0.1", stations=stations), "NotifyReport", payload)

    assert stations.calls == [
        ("report", (STATION, [ReportedVariable("SmartChargingCtrlr.LimitChangeSignificance", "0.2")]))
    ]


async def test_an_attribute_without_a_value_is_reported_as_none() -> None:
    stations = FakeStations()
    payload = _report(
        {"component": {"name": "AuthCtrlr"}, "variable": {"name": "MasterPassGroupId"}, "variableAttribute": [{}]}
    )

    await ask(notify_report.handle, context("2.0.1", stations=stations), "NotifyReport", payload)

    assert stations.calls == [("report", (STATION, [ReportedVariable("AuthCtrlr.MasterPassGroupId", None)]))]


async def test_a_report_without_report_data_reports_nothing_but_is_still_recorded() -> None:
    stations = FakeStations()
    payload = {"requestId": 1, "generatedAt": "2025-03-14T09:26:53Z", "seqNo": 3, "tbc": False}

    answer = await ask(notify_report.handle, context("2.0.1", stations=stations), "NotifyReport", payload)

    assert stations.calls == [("report", (STATION, []))]
    assert answer == {}


async def test_a_station_port_that_fails_fails_the_report() -> None:
    stations = FakeStations(raises={"report": RuntimeError("database gone")})

    with pytest.raises(RuntimeError):
        await notify_report.handle(context("2.1", stations=stations), _report())


# -- variable keys ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("component", "variable", "key"),
    [
        ({"name": "OCPPCommCtrlr"}, {"name": "HeartbeatInterval"}, "OCPPCommCtrlr.HeartbeatInterval"),
        ({"name": "EVSE", "evse": {"id": 2}}, {"name": "Power"}, "EVSE[evse 2].Power"),
        (
            {"name": "Connector", "instance": "CCS", "evse": {"id": 1, "connectorId": 1}},
            {"name": "Available"},
            "Connector[CCS][evse 1].Available",
        ),
        ({"name": "TxCtrlr"}, {"name": "TxStartPoint", "instance": "Default"}, "TxCtrlr.TxStartPoint[Default]"),
    ],
)
def test_variable_key_names_instance_and_evse(
    component: dict[str, object], variable: dict[str, object], key: str
) -> None:
    assert notify_report.variable_key(component, variable) == key
