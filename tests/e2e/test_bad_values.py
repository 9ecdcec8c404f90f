"""Schema-valid values a station may send that no meter, clock or payment can mean: a precise CALLERROR or a
correct reading, never InternalError, never a stalled loop, never a stored absurdity."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from tests.e2e.test_bad_input import BOOT2X, heartbeat_is_answered
from tests.e2e.test_payments_direct import boot, session_of, settlement, start_paid_session, transaction_event
from tests.e2e.test_payments_onsitepay import receipt
from tests.helpers import Running, raw_call
from tests.payment_flows import RawStation

T = "2026-11-25T12:00:00Z"
PSP = "PSP-AMOUNT-0001"


def meter_value(value: Any, timestamp: str = T, **unit: Any) -> list[dict[str, Any]]:
    sampled: dict[str, Any] = {"value": value, "measurand": "Energy.Active.Import.Register"}
    if unit:
        sampled["unitOfMeasure"] = unit
    return [{"timestamp": timestamp, "sampledValue": [sampled]}]


async def answer(ws: Any, action: str, payload: dict[str, Any], message_id: str = "v-1") -> list[Any]:
    reply = await raw_call(ws, [2, message_id, action, payload])
    assert reply[1] == message_id, reply
    return list(reply)


async def meter_rows(srv: Running, station_id: str) -> int:
    async with srv.http() as api:
        sessions = (await api.get("/api/sessions", params={"station_id": station_id})).json()["items"]
        rows = 0
        for session in sessions:
            rows += len((await api.get(f"/api/sessions/{session['id']}")).json()["meter_values"])
    return rows


# -- meter values --------------------------------------------------------------------------------------


async def test_a_huge_multiplier_is_refused_at_once_and_other_stations_stay_served(server: Running) -> None:
    async with server.connect("CP-MULT", "2.0.1") as ws, server.connect("CP-CALM", "2.0.1") as calm:
        started = time.perf_counter()
        reply = await answer(ws, "MeterValues", {"evseId": 1, "meterValue": meter_value(5, multiplier=30_000_000)})
        assert reply[:3] == [4, "v-1", "PropertyConstraintViolation"], reply
        assert "multiplier" in reply[3]
        tx = transaction_event("Started", 0, "TX-MULT", 0)
        tx["meterValue"] = meter_value(5, multiplier=-30_000_000)
        reply = await answer(ws, "TransactionEvent", tx, "v-2")
        assert reply[:3] == [4, "v-2", "PropertyConstraintViolation"], reply
        assert time.perf_counter() - started < 2
        await heartbeat_is_answered(calm)


async def test_a_multiplier_within_the_si_prefixes_is_applied(sqlite_server: Running) -> None:
    async with sqlite_server.connect("CP-KILO", "2.0.1") as ws:
        tx = transaction_event("Started", 0, "TX-KILO", 0)
        tx["meterValue"] = meter_value(1.5, unit="Wh", multiplier=3)
        assert (await answer(ws, "TransactionEvent", tx))[0] == 3
        async with sqlite_server.http() as api:
            session = await session_of(api, "CP-KILO", "TX-KILO")
            values = (await api.get(f"/api/sessions/{session['id']}")).json()["meter_values"]
    assert [v["value"] for v in values] == [1500.0]


async def test_a_product_beyond_any_meter_is_refused(sqlite_server: Running) -> None:
    async with sqlite_server.connect("CP-BIGREAD", "2.1") as ws:
        reply = await answer(ws, "MeterValues", {"evseId": 1, "meterValue": meter_value(1e300, multiplier=24)})
        assert reply[:3] == [4, "v-1", "PropertyConstraintViolation"], reply


async def test_non_finite_16_readings_are_refused_and_not_stored(server: Running) -> None:
    async with server.connect("CP-NAN16", "1.6") as ws:
        start = {"connectorId": 1, "idTag": "TAG-NAN", "meterStart": 0, "timestamp": T}
        reply = await answer(ws, "StartTransaction", start, "start")
        tx = reply[2]["transactionId"]
        for n, text in enumerate(["NaN", "Infinity", "-inf", "1e309"]):
            payload = {"connectorId": 1, "transactionId": tx, "meterValue": meter_value(text)}
            reply = await answer(ws, "MeterValues", payload, f"nan-{n}")
            assert reply[:3] == [4, f"nan-{n}", "PropertyConstraintViolation"], reply
        ok = {"connectorId": 1, "transactionId": tx, "meterValue": meter_value("1234.5")}
        assert (await answer(ws, "MeterValues", ok, "ok"))[0] == 3
        await heartbeat_is_answered(ws)
    await asyncio.sleep(0.2)  # the journal commits in the background
    assert await meter_rows(server, "CP-NAN16") == 1


async def test_a_2x_number_beyond_a_double_gets_an_error_not_internal_error(sqlite_server: Running) -> None:
    frame = json.dumps([2, "inf-1", "MeterValues", {"evseId": 1, "meterValue": meter_value(0)}])
    frame = frame.replace('"value": 0', '"value": 1e309')  # valid JSON grammar, beyond a double
    async with sqlite_server.connect("CP-INF2", "2.0.1") as ws:
        reply = await raw_call(ws, frame)
        assert reply[0] == 4 and reply[2] != "InternalError", reply
        await heartbeat_is_answered(ws)


async def test_integers_beyond_ocpps_32_bits_are_refused_by_the_schema_check(server: Running) -> None:
    async with server.connect("CP-INT32", "1.6") as ws:
        start = {"connectorId": 1, "idTag": "TAG-I", "meterStart": 2**31, "timestamp": T}
        reply = await answer(ws, "StartTransaction", start)
        assert reply[:3] == [4, "v-1", "PropertyConstraintViolation"], reply
    async with server.connect("CP-INT32-2", "2.0.1") as ws:
        reply = await answer(ws, "TransactionEvent", transaction_event("Started", 2**40, "TX-I", 0))
        assert reply[:3] == [4, "v-1", "PropertyConstraintViolation"], reply


# -- timestamps ------------------------------------------------------------------------------------------


async def test_rfc3339_spellings_python_does_not_read_are_accepted(server: Running) -> None:
    spellings = [
        "2026-12-31T23:59:60Z",
        "2026-11-25t12:00:00z",
        "2026-11-25T12:00:00-23:59",
        "2026-11-25T12:00:00.5+14:00",
    ]
    async with server.connect("CP-TIME", "2.0.1") as ws:
        for n, stamp in enumerate(spellings):
            payload = {"timestamp": stamp, "connectorStatus": "Available", "evseId": 1, "connectorId": 1}
            reply = await answer(ws, "StatusNotification", payload, f"t-{n}")
            assert reply[0] == 3, (stamp, reply)
        tx = transaction_event("Started", 0, "TX-LEAP", 0)
        tx["timestamp"] = "2026-12-31t23:59:60z"
        tx["meterValue"] = meter_value(10, "2026-12-31T23:59:60-23:59")
        assert (await answer(ws, "TransactionEvent", tx, "leap"))[0] == 3
        async with server.http() as api:
            session = await session_of(api, "CP-TIME", "TX-LEAP")
    assert session["started_at"].startswith("2026-12-31T23:59:59")


async def test_times_no_calendar_holds_are_refused(server: Running) -> None:
    async with server.connect("CP-YEAR0", "1.6") as ws:
        for n, stamp in enumerate(["0000-01-01T00:00:00Z", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"]):
            start = {"connectorId": 1, "idTag": "TAG-Y", "meterStart": 0, "timestamp": stamp}
            reply = await answer(ws, "StartTransaction", start, f"y-{n}")
            assert reply[:3] == [4, f"y-{n}", "PropertyConstraintViolation"], reply
            assert stamp[:10] in reply[3]
        await heartbeat_is_answered(ws)


# -- amounts ---------------------------------------------------------------------------------------------


async def test_payment_amounts_no_payment_can_have_are_refused_and_not_stored(server: Running) -> None:
    async with server.connect("DP-AMOUNTS", "2.1") as ws, server.http() as api:
        st = RawStation(ws)
        await boot(st)
        await start_paid_session(st, PSP, "DP-TX-A", 50)
        for amount in [-1, 1e8, 123456789012.5]:
            frame = await st.call(
                "NotifySettlement", settlement("PSP-AMOUNT-0001", "Settled", amount, transactionId="DP-TX-A")
            )
            assert frame[0] == 4 and frame[2] == "PropertyConstraintViolation", (amount, frame)
        session = await session_of(api, "DP-AMOUNTS", "DP-TX-A")
        assert session["payment"]["final_amount"] is None and session["payment"]["status"] == "authorized"
        frame = await st.call(
            "NotifySettlement", settlement("PSP-AMOUNT-0001", "Settled", 99999999.99, transactionId="DP-TX-A")
        )
        assert frame[0] == 3, frame
        assert (await session_of(api, "DP-AMOUNTS", "DP-TX-A"))["payment"]["final_amount"] == 99999999.99


async def test_a_transaction_limit_beyond_what_is_kept_is_refused(server: Running) -> None:
    async with server.connect("DP-MAXCOST", "2.1") as ws:
        st = RawStation(ws)
        await boot(st)
        for n, limit in enumerate([1e8, -5]):
            tx = transaction_event("Started", n, f"DP-TX-M{n}", 0, info={"transactionLimit": {"maxCost": limit}})
            frame = await st.call("TransactionEvent", tx)
            assert frame[0] == 4 and frame[2] == "PropertyConstraintViolation", (limit, frame)


async def test_a_custom_message_with_a_negative_or_oversized_amount_is_refused(server: Running) -> None:
    async with server.connect("OSP-BAD", "1.6") as ws, server.http() as api:
        boot = {"chargePointVendor": "alpitronic", "chargePointModel": "HYC 300"}
        assert (await answer(ws, "BootNotification", boot, "boot"))[0] == 3
        for n, gross in enumerate([-12.34, 1e8]):
            data = json.dumps(receipt(7, gross))
            payload = {"vendorId": "OnSitePay", "messageId": "Receipt", "data": data}
            reply = await answer(ws, "DataTransfer", payload, f"r-{n}")
            assert reply[:3] == [4, f"r-{n}", "PropertyConstraintViolation"], reply
        notices = (await api.get("/api/stations/OSP-BAD/notices")).json()
    assert [(x["kind"], x["status"]) for x in notices] == [("dialect", "rejected")] * 2


async def test_a_refused_value_keeps_the_connection(sqlite_server: Running) -> None:
    async with sqlite_server.connect("CP-KEEP", "2.0.1") as ws:
        assert (await answer(ws, "BootNotification", BOOT2X))[0] == 3
        reply = await answer(ws, "MeterValues", {"evseId": 1, "meterValue": meter_value(1, multiplier=99)}, "m")
        assert reply[2] == "PropertyConstraintViolation"
        await heartbeat_is_answered(ws)


# -- text no column keeps ----------------------------------------------------------------------------------


async def test_a_nul_in_any_string_is_refused_alike_on_every_database(server: Running) -> None:
    async with server.connect("CP-NUL", "2.0.1") as ws:
        dt = {"vendorId": "com.example\u0000", "data": {"nested": ["ok", "a\u0000b"]}}
        reply = await answer(ws, "DataTransfer", dt)
        assert reply[:3] == [4, "v-1", "PropertyConstraintViolation"], reply
        auth = {"idToken": {"idToken": "04A2\u0000", "type": "ISO14443"}}
        assert (await answer(ws, "Authorize", auth, "v-2"))[2] == "PropertyConstraintViolation"
        await heartbeat_is_answered(ws)


async def test_a_reported_setting_name_beyond_what_is_kept_is_refused(server: Running) -> None:
    item = {
        "component": {"name": "C" * 50, "instance": "I" * 50, "evse": {"id": 1}},
        "variable": {"name": "V" * 50, "instance": "J" * 50},
        "variableAttribute": [{"value": "1"}],
    }
    report = {"requestId": 1, "generatedAt": T, "seqNo": 0, "reportData": [item]}
    async with server.connect("CP-LONGKEY", "2.0.1") as ws:
        reply = await answer(ws, "NotifyReport", report)
        assert reply[:3] == [4, "v-1", "PropertyConstraintViolation"], reply
