"""MeterValues: samples of every version reach the session port as one neutral MeterReport."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ocpay.ocpp.handlers import meter_values
from ocpay.ocpp.model import MeterReport, MeterSample
from tests.unit.ocpp.fakes import STATION, T0, FakeSessions, ask, context

T1 = datetime(2025, 3, 14, 9, 27, 53, tzinfo=UTC)


async def test_16_samples_of_a_transaction_reach_the_port_with_the_transaction_id_as_text() -> None:
    sessions = FakeSessions()
    payload = {
        "connectorId": 2,
        "transactionId": 1042,
        "meterValue": [
            {
                "timestamp": "2025-03-14T09:26:53.589Z",
                "sampledValue": [
                    {"value": "1500", "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
                    {"value": "16.2", "measurand": "Current.Import", "unit": "A", "phase": "L1", "location": "Outlet"},
                ],
            }
        ],
    }

    answer = await ask(meter_values.handle, context("1.6", sessions=sessions), "MeterValues", payload)

    report = MeterReport(
        evse_id=2,
        transaction_id="1042",
        samples=(
            MeterSample(T0, "Energy.Active.Import.Register", 1500.0, unit="Wh"),
            MeterSample(T0, "Current.Import", 16.2, unit="A", phase="L1", location="Outlet"),
        ),
    )
    assert sessions.calls == [("meter_values", (STATION, report))]
    assert answer == {}


async def test_16_samples_outside_a_transaction_have_no_transaction_id() -> None:
    sessions = FakeSessions()
    payload = {
        "connectorId": 0,
        "meterValue": [{"timestamp": "2025-03-14T09:26:53.589Z", "sampledValue": [{"value": "7"}]}],
    }

    await ask(meter_values.handle, context("1.6", sessions=sessions), "MeterValues", payload)

    # without a measurand, a sample is the energy register; without a unit, in the register's Wh
    report = MeterReport(0, None, (MeterSample(T0, "Energy.Active.Import.Register", 7.0, unit="Wh"),))
    assert sessions.calls == [("meter_values", (STATION, report))]


async def test_16_signed_data_is_skipped_and_readable_values_kept() -> None:
    sessions = FakeSessions()
    payload = {
        "connectorId": 1,
        "transactionId": 7,
        "meterValue": [
            {
                "timestamp": "2025-03-14T09:26:53.589Z",
                "sampledValue": [{"value": "AQID...==", "format": "SignedData"}, {"value": "2000", "unit": "Wh"}],
            }
        ],
    }

    await ask(meter_values.handle, context("1.6", sessions=sessions), "MeterValues", payload)

    report = MeterReport(1, "7", (MeterSample(T0, "Energy.Active.Import.Register", 2000.0, unit="Wh"),))
    assert sessions.calls == [("meter_values", (STATION, report))]


@pytest.mark.parametrize("version", ["2.0.1", "2.1"])
async def test_2x_samples_are_scaled_by_their_multiplier_and_keep_their_unit(version: str) -> None:
    sessions = FakeSessions()
    payload = {
        "evseId": 1,
        "meterValue": [
            {
                "timestamp": "2025-03-14T09:26:53.589Z",
                "sampledValue": [
                    {"value": 7.5, "unitOfMeasure": {"unit": "Wh", "multiplier": 3}},
                    {"value": 11000, "measurand": "Power.Active.Import", "unitOfMeasure": {"unit": "W"}},
                ],
            },
            {"timestamp": "2025-03-14T09:27:53Z", "sampledValue": [{"value": 7600, "context": "Sample.Periodic"}]},
        ],
    }

    answer = await ask(meter_values.handle, context(version, sessions=sessions), "MeterValues", payload)

    report = MeterReport(
        evse_id=1,
        transaction_id=None,  # 2.x MeterValues are outside transactions
        samples=(
            MeterSample(T0, "Energy.Active.Import.Register", 7500.0, unit="Wh"),
            MeterSample(T0, "Power.Active.Import", 11000.0, unit="W"),
            MeterSample(T1, "Energy.Active.Import.Register", 7600.0, unit="Wh", context="Sample.Periodic"),
        ),
    )
    assert sessions.calls == [("meter_values", (STATION, report))]
    assert answer == {}


async def test_a_session_port_that_fails_fails_the_meter_values() -> None:
    sessions = FakeSessions(raises={"meter_values": RuntimeError("journal full")})
    payload = {"evseId": 1, "meterValue": [{"timestamp": "2025-03-14T09:26:53Z", "sampledValue": [{"value": 1}]}]}

    with pytest.raises(RuntimeError, match="journal full"):
        await meter_values.handle(context("2.0.1", sessions=sessions), payload)
