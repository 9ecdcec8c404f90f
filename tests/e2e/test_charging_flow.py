"""A station built on the `ocpp` package boots, authorises, charges and stops, on every OCPP version."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from ocpp.v16 import call as call16
from ocpp.v21 import call as call21
from ocpp.v201 import call as call201

from tests.helpers import Running, station


async def disconnected(api: Any, station_id: str) -> dict[str, Any]:
    """The station's detail once the CSMS has seen its connection close (its connectors' status: unknown)."""
    for _ in range(100):
        detail = dict((await api.get(f"/api/stations/{station_id}")).json())
        if not detail["connected"]:
            return detail
        await asyncio.sleep(0.05)
    raise AssertionError(f"{station_id} still shows as connected")


def ts(minutes: int = 0) -> str:
    return (datetime(2026, 11, 25, 12, 0, tzinfo=UTC) + timedelta(minutes=minutes)).isoformat()


async def test_ocpp16_session_from_boot_to_stop(server: Running) -> None:
    async with server.http() as api:
        assert (await api.post("/api/id-tokens", json={"value": "RFID-0001"})).status_code == 201
    async with station(server, "CP16", "1.6") as cp:
        boot = await cp.call(call16.BootNotification(charge_point_vendor="Siemens", charge_point_model="Sicharge D"))
        assert boot.status == "Accepted" and boot.interval == 60
        await cp.call(call16.StatusNotification(connector_id=1, error_code="NoError", status="Preparing"))
        assert (await cp.call(call16.Authorize(id_tag="NOBODY"))).id_tag_info["status"] == "Invalid"
        assert (await cp.call(call16.Authorize(id_tag="RFID-0001"))).id_tag_info["status"] == "Accepted"
        start = call16.StartTransaction(connector_id=1, id_tag="RFID-0001", meter_start=1000, timestamp=ts())
        started = await cp.call(start)
        assert started.id_tag_info["status"] == "Accepted"
        retried = await cp.call(start)  # the station did not see our answer and sends it again
        assert retried.transaction_id == started.transaction_id
        await cp.call(
            call16.MeterValues(
                connector_id=1,
                transaction_id=started.transaction_id,
                meter_value=[{"timestamp": ts(5), "sampledValue": [{"value": "4500", "unit": "Wh"}]}],
            )
        )
        stopped = await cp.call(
            call16.StopTransaction(
                transaction_id=started.transaction_id,
                meter_stop=9000,
                timestamp=ts(30),
                id_tag="RFID-0001",
                reason="EVDisconnected",
            )
        )
        assert stopped.id_tag_info["status"] == "Accepted"

    async with server.http() as api:
        sessions = (await api.get("/api/sessions", params={"station_id": "CP16"})).json()["items"]
        assert len(sessions) == 1
        session = sessions[0]
        assert session["transaction_id"] == str(started.transaction_id)
        assert session["status"] == "completed"
        assert session["energy_wh"] == 8000
        assert session["stop_reason"] == "EVDisconnected"
        assert session["id_token"] == "RFID-0001"
        detail = (await api.get(f"/api/sessions/{session['id']}")).json()
        assert [m["value"] for m in detail["meter_values"]] == [4500]
        (boot,) = (await api.get("/api/stations/CP16/boots")).json()
        assert (boot["vendor"], boot["model"], boot["ocpp_version"]) == ("Siemens", "Sicharge D", "1.6")
        cp16 = await disconnected(api, "CP16")
        assert cp16["vendor"] == "Siemens" and cp16["ocpp_version"] == "1.6"
        expected = {"evse_id": 1, "connector_id": 1, "status": "Unknown", "last_status": "Preparing"}
        assert expected.items() <= cp16["connectors"][0].items()


def _transaction_event(call_module, event_type: str, seq_no: int, minutes: int, energy: float, **extra):  # type: ignore[no-untyped-def]
    return call_module.TransactionEvent(
        event_type=event_type,
        timestamp=ts(minutes),
        trigger_reason=extra.pop("trigger_reason", "Authorized" if event_type == "Started" else "MeterValuePeriodic"),
        seq_no=seq_no,
        transaction_info={"transaction_id": "TX-42", **extra.pop("info", {})},
        evse={"id": 1, "connector_id": 1},
        meter_value=[
            {
                "timestamp": ts(minutes),
                "sampled_value": [{"value": energy, "measurand": "Energy.Active.Import.Register"}],
            }
        ],
        **extra,
    )


async def _run_2x_session(server: Running, station_id: str, version: str, call_module) -> None:  # type: ignore[no-untyped-def]
    async with server.http() as api:
        await api.post("/api/id-tokens", json={"value": "DRIVER-7", "type": "ISO14443"})
    async with station(server, station_id, version) as cp:
        boot = await cp.call(
            call_module.BootNotification(
                charging_station={"model": "HYC 300", "vendor_name": "Alpitronic", "firmware_version": "2.4"},
                reason="PowerUp",
            )
        )
        assert boot.status == "Accepted"
        await cp.call(
            call_module.StatusNotification(timestamp=ts(), connector_status="Occupied", evse_id=1, connector_id=1)
        )
        auth = await cp.call(call_module.Authorize(id_token={"id_token": "DRIVER-7", "type": "ISO14443"}))
        assert auth.id_token_info["status"] == "Accepted"
        unknown = await cp.call(call_module.Authorize(id_token={"id_token": "STRANGER", "type": "ISO14443"}))
        assert unknown.id_token_info["status"] == "Unknown"
        started = await cp.call(
            _transaction_event(
                call_module, "Started", 0, 0, 100.0, id_token={"id_token": "DRIVER-7", "type": "ISO14443"}
            )
        )
        assert started.id_token_info["status"] == "Accepted"
        update = _transaction_event(call_module, "Updated", 1, 10, 5100.0, info={"charging_state": "Charging"})
        await cp.call(update)
        await cp.call(update)  # retried seqNo: answered, not applied twice
        await cp.call(
            _transaction_event(
                call_module,
                "Ended",
                2,
                20,
                12100.0,
                trigger_reason="EVCommunicationLost",
                info={"stopped_reason": "EVDisconnected"},
            )
        )

    async with server.http() as api:
        sessions = (await api.get("/api/sessions", params={"station_id": station_id})).json()["items"]
        assert len(sessions) == 1
        session = sessions[0]
        assert session["transaction_id"] == "TX-42"
        assert session["ocpp_version"] == version
        assert session["status"] == "completed"
        assert session["energy_wh"] == 12000
        assert session["stop_reason"] == "EVDisconnected"
        assert session["id_token"] == "DRIVER-7"
        detail = (await api.get(f"/api/sessions/{session['id']}")).json()
        assert [m["value"] for m in detail["meter_values"]] == [100, 5100, 12100]


async def test_ocpp201_session_from_boot_to_stop(server: Running) -> None:
    await _run_2x_session(server, "CP201", "2.0.1", call201)


async def test_ocpp21_session_from_boot_to_stop(server: Running) -> None:
    await _run_2x_session(server, "CP21", "2.1", call21)


async def test_heartbeat_and_notifications_are_answered(server: Running) -> None:
    async with station(server, "CP-NOTE", "1.6") as cp:
        beat = await cp.call(call16.Heartbeat())
        assert datetime.fromisoformat(beat.current_time).tzinfo is not None
        await cp.call(call16.FirmwareStatusNotification(status="Installed"))
        await cp.call(call16.DiagnosticsStatusNotification(status="Uploaded"))
    async with station(server, "CP-NOTE2", "2.0.1") as cp:
        await cp.call(call201.SecurityEventNotification(type="FirmwareUpdated", timestamp=ts()))
        await cp.call(call201.LogStatusNotification(status="Uploaded"))
        await cp.call(
            call201.NotifyReport(
                request_id=1,
                generated_at=ts(),
                seq_no=0,
                report_data=[
                    {
                        "component": {"name": "PaymentCtrlr"},
                        "variable": {"name": "AuthorizeDirectPayment"},
                        "variable_attribute": [{"value": "false", "mutability": "ReadWrite"}],
                    }
                ],
            )
        )
    async with server.http() as api:
        notices = (await api.get("/api/stations/CP-NOTE/notices")).json()
        assert {(n["kind"], n["status"]) for n in notices} == {("firmware", "Installed"), ("diagnostics", "Uploaded")}
        detail = (await api.get("/api/stations/CP-NOTE2")).json()
        assert detail["settings"] == {"PaymentCtrlr.AuthorizeDirectPayment": "false"}
