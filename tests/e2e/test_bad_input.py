"""What a running ocpay does with broken, unexpected or unauthorised input from stations."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from ocpay.payments import custom_messages
from tests.helpers import Running, raw_call, running

BOOT16: dict[str, Any] = {"chargePointVendor": "VendorX", "chargePointModel": "ModelY"}
BOOT2X: dict[str, Any] = {"chargingStation": {"model": "HYC 300", "vendorName": "Alpitronic"}, "reason": "PowerUp"}
PASSWORD = "a-secret-of-16-to-40-chars"


async def heartbeat_is_answered(ws: ClientConnection, message_id: str = "hb-1") -> None:
    """The next frame from the server is the answer to this Heartbeat (so nothing else was sent before)."""
    reply = await raw_call(ws, [2, message_id, "Heartbeat", {}])
    assert reply[0] == 3 and reply[1] == message_id, reply
    assert "currentTime" in reply[2]


async def closed_with(ws: ClientConnection, timeout: float = 5) -> int | None:
    """Wait for the server to close the connection; the close code it sent."""
    with pytest.raises(ConnectionClosed):
        await asyncio.wait_for(ws.recv(), timeout)
    assert ws.close_code is not None
    return ws.close_code


# -- broken frames ----------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["2.0.1", "2.1"])
async def test_2x_malformed_json_is_answered_with_rpc_framework_error(sqlite_server: Running, version: str) -> None:
    async with sqlite_server.connect("CP-BADJSON", version) as ws:
        reply = await raw_call(ws, '[2, "1", "Heartbeat", {')
        assert reply[:3] == [4, "-1", "RpcFrameworkError"]
        await heartbeat_is_answered(ws)  # the connection stays up


async def test_16_malformed_json_is_dropped_and_the_connection_stays_open(sqlite_server: Running) -> None:
    async with sqlite_server.connect("CP-BADJSON16", "1.6") as ws:
        await ws.send('[2, "1", "Heartbeat", {')
        await ws.send("not json at all")
        await heartbeat_is_answered(ws)  # first answer is the Heartbeat's: the broken frames got none


async def test_16_unknown_message_type_is_dropped(sqlite_server: Running) -> None:
    async with sqlite_server.connect("CP-TYPE9-16", "1.6") as ws:
        await ws.send('[9, "m-9", "Heartbeat", {}]')
        await heartbeat_is_answered(ws)


async def test_201_unknown_message_type_is_answered_message_type_not_supported(sqlite_server: Running) -> None:
    async with sqlite_server.connect("CP-TYPE9", "2.0.1") as ws:
        reply = await raw_call(ws, '[9, "m-9", "Heartbeat", {}]')
        assert reply[:3] == [4, "m-9", "MessageTypeNotSupported"]
        await heartbeat_is_answered(ws)


# -- schema violations -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "action", "payload", "code"),
    [
        ("1.6", "BootNotification", {**BOOT16, "chargePointVendor": 5}, "TypeConstraintViolation"),
        ("2.0.1", "BootNotification", {**BOOT2X, "chargingStation": "HYC 300"}, "TypeConstraintViolation"),
        ("1.6", "BootNotification", {"chargePointVendor": "VendorX"}, "OccurenceConstraintViolation"),
        ("2.0.1", "BootNotification", {"reason": "PowerUp"}, "OccurrenceConstraintViolation"),
        ("2.1", "BootNotification", {"reason": "PowerUp"}, "OccurrenceConstraintViolation"),
        (
            "1.6",
            "StatusNotification",
            {"connectorId": 1, "errorCode": "NoError", "status": "Sleeping"},
            "PropertyConstraintViolation",
        ),
        ("2.0.1", "BootNotification", {**BOOT2X, "reason": "BecauseICan"}, "PropertyConstraintViolation"),
        ("1.6", "BootNotification", {**BOOT16, "colour": "red"}, "FormatViolation"),
        ("2.0.1", "BootNotification", {**BOOT2X, "colour": "red"}, "FormatViolation"),
    ],
)
async def test_schema_violations_are_answered_with_the_version_error_code(
    sqlite_server: Running, version: str, action: str, payload: dict[str, Any], code: str
) -> None:
    async with sqlite_server.connect(f"CP-SCHEMA-{version}", version) as ws:
        reply = await raw_call(ws, [2, "bad-1", action, payload])
        assert reply[:3] == [4, "bad-1", code], reply
        await heartbeat_is_answered(ws)


async def test_201_unknown_custom_data_is_accepted(server: Running) -> None:
    payload = {
        **BOOT2X,
        "customData": {"vendorId": "com.example", "terminal": {"model": "Move/5000"}, "firmware": 3},
        "chargingStation": {**BOOT2X["chargingStation"], "customData": {"vendorId": "com.example", "x": 1}},
    }
    async with server.connect("CP-CUSTOMDATA", "2.0.1") as ws:
        reply = await raw_call(ws, [2, "boot-1", "BootNotification", payload])
        assert reply[0] == 3 and reply[2]["status"] == "Accepted", reply


# -- actions nobody handles ----------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["1.6", "2.0.1", "2.1"])
async def test_an_action_the_version_does_not_define_is_not_implemented(sqlite_server: Running, version: str) -> None:
    async with sqlite_server.connect(f"CP-FOO-{version}", version) as ws:
        reply = await raw_call(ws, [2, "foo-1", "FooBar", {}])
        assert reply[:3] == [4, "foo-1", "NotImplemented"]


@pytest.mark.parametrize(
    ("version", "action", "payload"),
    [
        ("1.6", "SignCertificate", {"csr": "-----BEGIN CERTIFICATE REQUEST-----"}),
        ("2.0.1", "Get15118EVCertificate", {"iso15118SchemaVersion": "x", "action": "Install", "exiRequest": "y"}),
    ],
)
async def test_an_action_the_version_defines_but_ocpay_does_not_handle_is_not_supported(
    sqlite_server: Running, version: str, action: str, payload: dict[str, Any]
) -> None:
    async with sqlite_server.connect(f"CP-NS-{version}", version) as ws:
        reply = await raw_call(ws, [2, "ns-1", action, payload])
        assert reply[:3] == [4, "ns-1", "NotSupported"]


async def test_21_send_is_never_answered(sqlite_server: Running) -> None:
    async with sqlite_server.connect("CP-SEND", "2.1") as ws:
        await ws.send(json.dumps([6, "send-1", "Heartbeat", {}]))
        await ws.send(json.dumps([6, "send-2", "FooBar", {}]))
        await heartbeat_is_answered(ws)


async def test_21_callresulterror_is_not_answered(sqlite_server: Running) -> None:
    async with sqlite_server.connect("CP-CRE", "2.1") as ws:
        await ws.send(json.dumps([5, "r-1", "FormatViolation", "your answer was broken", {}]))
        await heartbeat_is_answered(ws)


async def test_201_answers_the_21_only_message_types_as_unknown_types(sqlite_server: Running) -> None:
    async with sqlite_server.connect("CP-SEND-201", "2.0.1") as ws:
        reply = await raw_call(ws, [6, "send-1", "Heartbeat", {}])
        assert reply[:3] == [4, "send-1", "MessageTypeNotSupported"]
        reply = await raw_call(ws, [5, "cre-1", "FormatViolation", "your answer was broken", {}])
        assert reply[:3] == [4, "cre-1", "MessageTypeNotSupported"]
        await heartbeat_is_answered(ws)


async def test_16_drops_the_21_only_message_types(sqlite_server: Running) -> None:
    async with sqlite_server.connect("CP-SEND-16", "1.6") as ws:
        await ws.send(json.dumps([6, "send-1", "Heartbeat", {}]))
        await ws.send(json.dumps([5, "cre-1", "FormatViolation", "your answer was broken", {}]))
        await heartbeat_is_answered(ws)  # the first answer is the Heartbeat's


@pytest.mark.parametrize("version", ["1.6", "2.0.1", "2.1"])
async def test_a_call_resent_with_the_same_id_is_answered_once(sqlite_server: Running, version: str) -> None:
    async with sqlite_server.connect(f"CP-TWICE-{version}", version) as ws:
        frame = json.dumps([2, "same-1", "Heartbeat", {}])
        await ws.send(frame)
        await ws.send(frame)  # before the first answer has been read
        assert json.loads(await ws.recv())[:2] == [3, "same-1"]
        await heartbeat_is_answered(ws, "hb-after")  # the next answer is this one's: the repeat got none


# -- frame size ----------------------------------------------------------------------------------------


async def test_an_oversized_frame_closes_only_that_connection(sqlite_server: Running) -> None:
    async with (
        sqlite_server.connect("CP-BIG", "2.0.1") as big,
        sqlite_server.connect("CP-SMALL", "2.0.1") as small,
    ):
        await heartbeat_is_answered(big)
        await heartbeat_is_answered(small)
        huge = {"vendorId": "com.example", "data": "x" * (256 * 1024 + 1)}
        await big.send(json.dumps([2, "big-1", "DataTransfer", huge]))
        assert await closed_with(big) == 1009
        await heartbeat_is_answered(small, "hb-2")


async def test_a_frame_just_under_the_limit_is_served(sqlite_server: Running) -> None:
    async with sqlite_server.connect("CP-ALMOST", "2.0.1") as ws:
        frame = json.dumps([2, "dt-1", "DataTransfer", {"vendorId": "com.example", "data": ""}])
        filler = 256 * 1024 - len(frame) - 100
        reply = await raw_call(ws, [2, "dt-1", "DataTransfer", {"vendorId": "com.example", "data": "x" * filler}])
        assert reply[:2] == [3, "dt-1"]
        assert reply[2]["status"] == "UnknownVendorId"


# -- subprotocols ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("offered", [["ocpp1.5"], None])
async def test_no_common_subprotocol_completes_the_handshake_and_closes(
    sqlite_server: Running, offered: list[str] | None
) -> None:
    async with connect(sqlite_server.ocpp_url + "CP-NOPROTO", subprotocols=offered) as ws:  # type: ignore[arg-type]
        assert ws.subprotocol is None
        assert await closed_with(ws) == 1002


@pytest.mark.parametrize(
    ("offered", "chosen"),
    [
        (["2.1", "1.6"], "2.1"),
        (["1.6", "2.1"], "1.6"),
        (["2.0.1", "2.1", "1.6"], "2.0.1"),
    ],
)
async def test_the_stations_order_of_preference_decides_the_version(
    server: Running, offered: list[str], chosen: str
) -> None:
    async with server.connect("CP-PREF", *offered) as ws:
        assert ws.subprotocol == f"ocpp{chosen}"
        await heartbeat_is_answered(ws)
        async with server.http() as api:
            detail = (await api.get("/api/stations/CP-PREF")).json()
        assert detail["ocpp_version"] == chosen
        assert detail["connected"] is True


async def test_an_unknown_subprotocol_first_does_not_stop_a_known_one_later(sqlite_server: Running) -> None:
    async with connect(sqlite_server.ocpp_url + "CP-MIX", subprotocols=["ocpp1.5", "ocpp2.0.1"]) as ws:  # type: ignore[list-item]
        assert ws.subprotocol == "ocpp2.0.1"
        await heartbeat_is_answered(ws)


# -- admission ------------------------------------------------------------------------------------------


async def test_an_unknown_station_is_refused_with_404_without_open_registration(db_url: str) -> None:
    async with running(db_url) as srv:
        await srv.services.stations.add("CP-KNOWN")
        with pytest.raises(InvalidStatus) as refused:
            async with srv.connect("CP-STRANGER", "1.6"):
                pass
        assert refused.value.response.status_code == 404
        async with srv.connect("CP-KNOWN", "1.6") as ws:
            await heartbeat_is_answered(ws)
        async with srv.http() as api:
            assert (await api.get("/api/stations/CP-STRANGER")).status_code == 404


async def test_a_path_outside_ocpp_is_refused_with_404(sqlite_server: Running) -> None:
    url = sqlite_server.ocpp_url.replace("/ocpp/", "/other/") + "CP-1"
    with pytest.raises(InvalidStatus) as refused:
        async with connect(url, subprotocols=["ocpp1.6"]):  # type: ignore[list-item]
            pass
    assert refused.value.response.status_code == 404


async def test_a_station_with_a_password_needs_the_right_one(server: Running) -> None:
    await server.services.stations.add("CP-SECURE", password=PASSWORD)
    for password in (None, "a-wrong-password-of-16-chars", PASSWORD.upper()):
        with pytest.raises(InvalidStatus) as refused:
            async with server.connect("CP-SECURE", "1.6", password=password):
                pass
        assert refused.value.response.status_code == 401, password
    async with server.connect("CP-SECURE", "1.6", password=PASSWORD) as ws:
        await heartbeat_is_answered(ws)


async def test_credentials_of_another_identity_are_refused(server: Running) -> None:
    await server.services.stations.add("CP-SECURE2", password=PASSWORD)
    url = server.ocpp_url.replace("ws://", f"ws://CP-OTHER:{PASSWORD}@") + "CP-SECURE2"
    with pytest.raises(InvalidStatus) as refused:
        async with connect(url, subprotocols=["ocpp1.6"]):  # type: ignore[list-item]
            pass
    assert refused.value.response.status_code == 401


async def test_a_second_connection_replaces_the_first(server: Running) -> None:
    async with server.connect("CP-TWICE", "1.6") as first:
        await heartbeat_is_answered(first)
        async with server.connect("CP-TWICE", "1.6") as second:
            await closed_with(first)
            await heartbeat_is_answered(second)
            async with server.http() as api:
                detail = (await api.get("/api/stations/CP-TWICE")).json()
                assert detail["connected"] is True
                healthz = (await api.get("/healthz")).json()
                assert healthz["stations_connected"] == 1
            await heartbeat_is_answered(second, "hb-2")


# -- custom messages --------------------------------------------------------------------------------------


async def test_16_data_transfer_from_an_unknown_vendor_is_recorded_masked(server: Running) -> None:
    data = '{"pan":"4111111111111111","amount":12.5}'
    frame = [2, "dt-1", "DataTransfer", {"vendorId": "com.acme.pay", "messageId": "Receipt", "data": data}]
    async with server.connect("CP-DT", "1.6") as ws:
        reply = await raw_call(ws, frame)
        assert reply == [3, "dt-1", {"status": "UnknownVendorId"}]

    async with server.http() as api:
        response = await api.get("/api/unrecognised-messages", params={"station_id": "CP-DT"})
        assert response.status_code == 200
        assert "4111111111111111" not in response.text
        items = response.json()["items"]
        assert len(items) == 1
        record = items[0]
        assert record["vendor_id"] == "com.acme.pay"
        assert record["message_id"] == "Receipt"
        assert record["ocpp_version"] == "1.6"
        assert record["count"] == 1
        assert record["sample"]["data"] == {"pan": "***", "amount": 12.5}

    async with server.connect("CP-DT", "1.6") as ws:
        reply = await raw_call(ws, [*frame[:1], "dt-2", *frame[2:]])
        assert reply == [3, "dt-2", {"status": "UnknownVendorId"}]

    async with server.http() as api:
        items = (await api.get("/api/unrecognised-messages", params={"station_id": "CP-DT"})).json()["items"]
        assert [x["count"] for x in items] == [2]


async def test_201_data_transfer_from_an_unknown_vendor_has_no_data_in_the_answer(server: Running) -> None:
    payload = {"vendorId": "com.acme.pay", "messageId": "Auth", "data": {"card": {"pan": "5500000000000004"}}}
    async with server.connect("CP-DT2", "2.0.1") as ws:
        reply = await raw_call(ws, [2, "dt-1", "DataTransfer", payload])
        assert reply == [3, "dt-1", {"status": "UnknownVendorId"}]
    async with server.http() as api:
        response = await api.get("/api/unrecognised-messages", params={"station_id": "CP-DT2"})
        assert "5500000000000004" not in response.text
        assert response.json()["items"][0]["ocpp_version"] == "2.0.1"


async def test_the_unrecognised_inbox_keeps_bounded_samples_and_kinds(
    sqlite_server: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(custom_messages, "MAX_KINDS_PER_STATION", 3)
    big = {"vendorId": "com.acme", "messageId": "Big", "data": {"text": "x" * 100_000, "rows": list(range(500))}}
    async with sqlite_server.connect("CP-FLOODDT", "2.0.1") as ws:
        assert (await raw_call(ws, [2, "big", "DataTransfer", big]))[2] == {"status": "UnknownVendorId"}
        for n in range(5):  # every kind is answered, only the first ones are recorded
            reply = await raw_call(ws, [2, f"k{n}", "DataTransfer", {"vendorId": "com.acme", "messageId": f"K{n}"}])
            assert reply[2] == {"status": "UnknownVendorId"}
    async with sqlite_server.http() as api:
        items = (await api.get("/api/unrecognised-messages", params={"station_id": "CP-FLOODDT"})).json()["items"]
    assert sorted(x["message_id"] for x in items) == ["Big", "K0", "K1"]
    sample = next(x for x in items if x["message_id"] == "Big")["sample"]["data"]
    assert sample["text"].endswith("(98000 more characters)") and len(sample["text"]) < 2_100
    assert len(sample["rows"]) == 51 and sample["rows"][-1] == "... (450 more items)"


async def test_removing_a_connected_station_closes_its_connection(sqlite_server: Running) -> None:
    async with sqlite_server.connect("CP-GONE", "1.6") as ws:
        await raw_call(ws, [2, "b1", "BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"}])
        async with sqlite_server.http() as api:
            assert (await api.delete("/api/stations/CP-GONE")).status_code == 204
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
