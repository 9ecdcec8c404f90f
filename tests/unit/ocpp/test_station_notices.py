"""Notifications recorded for the operator: firmware, diagnostics, logs, security events, device-model events."""

from __future__ import annotations

from typing import Any

import pytest

from ocpay.ocpp.handlers import station_notices
from ocpay.ocpp.model import StationNotice
from ocpay.ocpp.routing import Handler
from tests.unit.ocpp.fakes import STATION, T0, FakeStations, ask, context

NOTIFY_EVENT = {
    "generatedAt": "2025-03-14T09:26:53.589Z",
    "seqNo": 0,
    "eventData": [
        {
            "eventId": 1,
            "timestamp": "2025-03-14T09:26:50Z",
            "trigger": "Alerting",
            "actualValue": "true",
            "eventNotificationType": "HardWiredNotification",
            "component": {"name": "EVSE", "evse": {"id": 1}},
            "variable": {"name": "Problem"},
        }
    ],
}
SECURITY_EVENT = {"type": "SettingSystemTime", "timestamp": "2025-03-14T09:26:53.589Z", "techInfo": "NTP"}

# (handler, version, action, payload, the notice the station port receives)
CASES: list[tuple[Handler, str, str, dict[str, Any], StationNotice]] = [
    (station_notices.firmware_status, "1.6", "FirmwareStatusNotification", {"status": "Installed"},
     StationNotice("firmware", "Installed", None, {"status": "Installed"})),
    (station_notices.firmware_status, "2.0.1", "FirmwareStatusNotification", {"status": "Downloading", "requestId": 4},
     StationNotice("firmware", "Downloading", None, {"status": "Downloading", "requestId": 4})),
    (station_notices.diagnostics_status, "1.6", "DiagnosticsStatusNotification", {"status": "Uploaded"},
     StationNotice("diagnostics", "Uploaded", None, {"status": "Uploaded"})),
    (station_notices.log_status, "1.6", "LogStatusNotification", {"status": "UploadFailure", "requestId": 2},
     StationNotice("log", "UploadFailure", None, {"status": "UploadFailure", "requestId": 2})),
    (station_notices.log_status, "2.1", "LogStatusNotification", {"status": "Uploaded", "requestId": 3},
     StationNotice("log", "Uploaded", None, {"status": "Uploaded", "requestId": 3})),
    (station_notices.security_event, "1.6", "SecurityEventNotification", SECURITY_EVENT,
     StationNotice("security", "SettingSystemTime", T0, SECURITY_EVENT)),
    (station_notices.security_event, "2.0.1", "SecurityEventNotification", SECURITY_EVENT,
     StationNotice("security", "SettingSystemTime", T0, SECURITY_EVENT)),
    (station_notices.notify_event, "2.0.1", "NotifyEvent", NOTIFY_EVENT,
     StationNotice("event", None, T0, NOTIFY_EVENT)),
    (station_notices.notify_event, "2.1", "NotifyEvent", NOTIFY_EVENT,
     StationNotice("event", None, T0, NOTIFY_EVENT)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("handler", "version", "action", "payload", "notice"), CASES, ids=[f"{c[2]}-{c[1]}" for c in CASES]
)
async def test_a_notification_is_recorded_as_a_notice_and_answered_empty(
    handler: Handler, version: str, action: str, payload: dict[str, Any], notice: StationNotice
) -> None:
    stations = FakeStations()

    answer = await ask(handler, context(version, stations=stations), action, payload)

    assert stations.calls == [("notice", (STATION, notice))]
    assert answer == {}


async def test_the_notice_keeps_the_whole_payload_as_its_detail() -> None:
    stations = FakeStations()
    payload = {"status": "Uploaded", "requestId": 3, "customData": {"vendorId": "com.acme", "file": "log.tgz"}}

    await ask(station_notices.log_status, context("2.0.1", stations=stations), "LogStatusNotification", payload)

    [(_, (_, notice))] = stations.calls
    assert notice.detail == payload


async def test_a_station_port_that_fails_fails_the_notification() -> None:
    stations = FakeStations(raises={"notice": RuntimeError("database gone")})

    with pytest.raises(RuntimeError):
        await station_notices.security_event(context("1.6", stations=stations), SECURITY_EVENT)
