"""Energy as real stations report it: each reading by its context, each reading kept once, units by measurand.

The shapes are MicroOcpp's (the C++ station library many chargers run): on 2.0.1 its Started event
carries no meter value, its Updated events carry the periodic readings, and its Ended event carries
the Transaction.Begin and Transaction.End readings together with the periodic ones again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ocpp.v16 import call as call16
from ocpp.v201 import call as call201

from tests.helpers import Running, station

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
ENERGY = "Energy.Active.Import.Register"


def ts(minutes: int) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


def reading(minutes: int, wh: float, context: str) -> dict[str, Any]:
    """A 2.0.1 MeterValue: the energy register (no unit: Wh by default) at `minutes`, in `context`."""
    return {"timestamp": ts(minutes), "sampled_value": [{"value": wh, "measurand": ENERGY, "context": context}]}


def microocpp_event(event_type: str, seq_no: int, minutes: int, *meter_value: dict[str, Any], **extra: Any) -> Any:
    trigger = {"Started": "Authorized", "Ended": "StopAuthorized"}.get(event_type, "MeterValuePeriodic")
    return call201.TransactionEvent(
        event_type=event_type,
        timestamp=ts(minutes),
        trigger_reason=trigger,
        seq_no=seq_no,
        transaction_info={"transaction_id": "MO-1", **extra.pop("info", {})},
        evse={"id": 1, "connector_id": 1},
        meter_value=list(meter_value) or None,
        **extra,
    )


async def session_of(server: Running, station_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    async with server.http() as api:
        (session,) = (await api.get("/api/sessions", params={"station_id": station_id})).json()["items"]
        detail = (await api.get(f"/api/sessions/{session['id']}")).json()
    return session, detail["meter_values"]


async def test_a_201_session_started_without_a_reading_counts_from_its_begin_reading(server: Running) -> None:
    async with station(server, "MICROOCPP-201", "2.0.1") as cp:
        boot = await cp.call(
            call201.BootNotification(charging_station={"model": "Demo", "vendor_name": "MicroOcpp"}, reason="PowerUp")
        )
        assert boot.status == "Accepted"
        await cp.call(microocpp_event("Started", 0, 0, id_token={"id_token": "A0000001", "type": "ISO14443"}))
        await cp.call(microocpp_event("Updated", 1, 5, reading(5, 1500, "Sample.Periodic")))
        await cp.call(microocpp_event("Updated", 2, 10, reading(10, 1750, "Sample.Periodic")))
        session, _ = await session_of(server, "MICROOCPP-201")
        assert session["status"] == "active"  # while charging, the estimate from what has come so far
        ended = microocpp_event(
            "Ended",
            3,
            15,
            reading(0, 1000, "Transaction.Begin"),
            reading(5, 1500, "Sample.Periodic"),  # repeated
            reading(10, 1750, "Sample.Periodic"),  # repeated
            reading(15, 2250, "Transaction.End"),
            info={"stopped_reason": "Local"},
        )
        await cp.call(ended)
        await cp.call(ended)  # its answer was lost: the station sends the Ended event again

    session, meter_values = await session_of(server, "MICROOCPP-201")
    assert (session["meter_start_wh"], session["meter_stop_wh"], session["energy_wh"]) == (1000, 2250, 1250)
    assert [(m["value"], m["unit"]) for m in meter_values] == [(1000, "Wh"), (1500, "Wh"), (1750, "Wh"), (2250, "Wh")]


async def test_a_16_retried_meter_values_and_repeated_transaction_data_are_kept_once(server: Running) -> None:
    async with station(server, "RETRY-16", "1.6") as cp:
        await cp.call(call16.BootNotification(charge_point_vendor="MicroOcpp", charge_point_model="Demo"))
        started = await cp.call(
            call16.StartTransaction(connector_id=1, id_tag="A0000002", meter_start=1000, timestamp=ts(0))
        )
        periodic = {
            "timestamp": ts(5),
            "sampledValue": [
                {"value": "1500", "unit": "Wh", "context": "Sample.Periodic"},
                {"value": "40", "measurand": "SoC", "context": "Sample.Periodic"},  # no unit: Percent
                {"value": "16", "measurand": "Current.Import", "phase": "L1", "context": "Sample.Periodic"},
            ],
        }
        meter_values = call16.MeterValues(connector_id=1, transaction_id=started.transaction_id, meter_value=[periodic])
        await cp.call(meter_values)
        await cp.call(meter_values)  # retried after a lost answer
        end = {"timestamp": ts(15), "sampledValue": [{"value": "2250", "unit": "Wh", "context": "Transaction.End"}]}
        await cp.call(
            call16.StopTransaction(
                transaction_id=started.transaction_id,
                meter_stop=2250,
                timestamp=ts(15),
                transaction_data=[periodic, end],
            )
        )

    session, kept = await session_of(server, "RETRY-16")
    assert (session["meter_start_wh"], session["meter_stop_wh"], session["energy_wh"]) == (1000, 2250, 1250)
    assert [(m["measurand"], m["value"], m["unit"], m["phase"]) for m in kept] == [
        (ENERGY, 1500, "Wh", None),
        ("SoC", 40, "Percent", None),
        ("Current.Import", 16, "A", "L1"),
        (ENERGY, 2250, "Wh", None),
    ]


async def test_a_201_soc_without_a_unit_is_a_percentage(server: Running) -> None:
    async with station(server, "SOC-201", "2.0.1") as cp:
        soc = {"timestamp": ts(0), "sampled_value": [{"value": 63, "measurand": "SoC"}, {"value": 1000}]}
        await cp.call(microocpp_event("Started", 0, 0, soc))
    _, kept = await session_of(server, "SOC-201")
    assert sorted((m["measurand"], m["unit"]) for m in kept) == [(ENERGY, "Wh"), ("SoC", "Percent")]
