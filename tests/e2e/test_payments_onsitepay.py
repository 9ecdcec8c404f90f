"""Alpitronic OnSitePay (OCPP 1.6): the terminal authorises, the CSMS issues the idTag, the station sends a receipt.

Payment identifiers in these messages (paymentId, the terminal's transaction id, STAN, receipt number,
card data, authorisation codes, receipt text) must never be stored or logged.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from ocpp.v16 import call as call16

from tests.helpers import Running, station
from tests.payment_flows import iso, minutes_ago, server_log_lines, settle, stored_anywhere

DIALECT = "com.alpitronic.onsitepay"
PAYMENT_ID = "PAY-999"
STAN = "123456"
RECEIPT_NO = "R-1"
PAN = "411111******1111"
TERMINAL_TX = "TERMTX-70707070"
AUTH_CODE = "AUTHCODE-5555"
RECEIPT_TEXT = "RECEIPT-TEXT-MARKER"


def receipt(transaction_id: int, gross: Any = 12.34, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "merchant": {"name": "Fast Charge GmbH", "address": "Hauptstr. 1, Bozen", "taxId": "IT00000000000"},
        "chargePoint": {"serialNumber": "HYC300-0042", "id": "OSP-HYC"},
        "chargingProcess": {
            "energyDelivered": 20.5,
            "chargingTime": 1800,
            "netPriceEnergy": 0.49,
            "netValueEnergy": 10.05,
            "netValueTotal": 10.11,
            "vat": 2.23,
            "vatRate": 22,
            "grossValue": gross,
        },
        "paymentTransaction": {
            "id": TERMINAL_TX,
            "timestamp": iso(minutes_ago(0)),
            "receiptNo": RECEIPT_NO,
            "aid": "A0000000031010",
            "vuNumber": "VU-4711",
            "terminalId": "T1",
            "stan": STAN,
            "currency": "EUR",
            "paymentType": "Contactless",
            "card": {"type": "VISA", "pan": PAN, "expiryDate": "12/29"},
            "authorization": {"type": "Online", "code": AUTH_CODE, "acknowledgementCode": "ACK-1"},
        },
        "transactionId": transaction_id,
        "receiptString": RECEIPT_TEXT,
    }
    data.update(changes)
    return data


async def boot_hyc(cp: Any) -> None:
    boot = await cp.call(call16.BootNotification(charge_point_vendor="alpitronic", charge_point_model="HYC 300"))
    assert boot.status == "Accepted"


async def onsitepay(cp: Any, message_id: str, data: Any) -> Any:
    text = data if isinstance(data, str) else json.dumps(data)
    return await cp.call(call16.DataTransfer(vendor_id="OnSitePay", message_id=message_id, data=text))


async def test_an_onsitepay_card_session_from_terminal_authorisation_to_receipt(
    server: Running, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="ocpay")
    async with station(server, "OSP-HYC", "1.6") as cp, server.http() as api:
        await boot_hyc(cp)
        detail = (await api.get("/api/stations/OSP-HYC")).json()
        assert (detail["integration"], detail["dialect"]) == ("alpitronic-hyc-worldline-valina", DIALECT)

        # The terminal pre-authorised the card; the station asks the CSMS for an idTag.
        authorized = await onsitepay(cp, "Authorize", {"terminalId": "T1", "paymentId": PAYMENT_ID})
        assert authorized.status == "Accepted"
        assert isinstance(authorized.data, str)  # 1.6: data is a JSON string
        tag = json.loads(authorized.data)["tagId"]
        assert isinstance(tag, str) and 0 < len(tag) <= 20  # a valid 1.6 idTag
        assert (await api.get("/api/id-tokens")).json()["items"] == []

        started = await cp.call(
            call16.StartTransaction(connector_id=1, id_tag=tag, meter_start=0, timestamp=iso(minutes_ago(30)))
        )
        assert started.id_tag_info["status"] == "Accepted"
        sessions = (await api.get("/api/sessions", params={"station_id": "OSP-HYC"})).json()["items"]
        (session,) = sessions
        assert session["id_token"] == tag
        assert session["billing"] == "terminal"
        assert session["payment"]["status"] == "authorized"
        events = (await api.get(f"/api/sessions/{session['id']}")).json()["payment_events"]
        assert [(e["kind"], e["terminal_id"]) for e in events] == [("authorized", "T1")]

        await cp.call(
            call16.StopTransaction(
                transaction_id=started.transaction_id, meter_stop=20500, timestamp=iso(minutes_ago(1)), id_tag=tag
            )
        )
        answered = await onsitepay(cp, "Receipt", receipt(started.transaction_id))
        assert answered.status == "Accepted"
        await settle(server)

        detail = (await api.get(f"/api/sessions/{session['id']}")).json()
        assert detail["billing"] == "terminal"
        assert detail["payment"]["status"] == "settled"
        assert detail["payment"]["final_amount"] == 12.34
        assert detail["payment"]["currency"] == "EUR"
        assert detail["payment"]["brand"] == "VISA"
        assert [e["kind"] for e in detail["payment_events"]] == ["authorized", "settled"]

        exported = (await api.get("/api/sessions/export")).json()
        assert [s["id"] for s in exported["terminal_paid"]] == [session["id"]]
        assert exported["csms_billed"] == []

        assert await stored_anywhere(db_url, "VISA")  # the scan does see what is stored
        for secret in (PAYMENT_ID, STAN, RECEIPT_NO, PAN, TERMINAL_TX, AUTH_CODE, RECEIPT_TEXT):
            assert await stored_anywhere(db_url, secret) == [], f"{secret} is stored"
    logs = server_log_lines(caplog.records)
    assert "Receipt" in logs
    for secret in (PAYMENT_ID, STAN, PAN, TERMINAL_TX, AUTH_CODE, RECEIPT_TEXT):
        assert secret not in logs, f"{secret} is logged"


async def test_a_malformed_receipt_is_rejected_stores_nothing_and_tells_the_operator(
    server: Running, db_url: str
) -> None:
    async with station(server, "OSP-BAD", "1.6") as cp, server.http() as api:
        await boot_hyc(cp)
        tag = json.loads((await onsitepay(cp, "Authorize", {"terminalId": "T1", "paymentId": "PAY-1"})).data)["tagId"]
        started = await cp.call(
            call16.StartTransaction(connector_id=1, id_tag=tag, meter_start=0, timestamp=iso(minutes_ago(10)))
        )
        await cp.call(
            call16.StopTransaction(
                transaction_id=started.transaction_id, meter_stop=5000, timestamp=iso(minutes_ago(1))
            )
        )

        wrong_type = await onsitepay(cp, "Receipt", receipt(started.transaction_id, gross="12,34"))
        assert wrong_type.status == "Rejected"
        notices = (await api.get("/api/stations/OSP-BAD/notices")).json()
        assert [(n["kind"], n["status"]) for n in notices] == [("dialect", "rejected")]
        assert notices[0]["detail"]["message"] == "Receipt"
        assert "schema" in notices[0]["detail"]["reason"]

        missing = receipt(started.transaction_id)
        del missing["chargingProcess"]
        assert (await onsitepay(cp, "Receipt", missing)).status == "Rejected"
        assert (await onsitepay(cp, "Receipt", '{"transactionId": 1, "chargingProcess": ')).status == "Rejected"
        assert (await onsitepay(cp, "Authorize", "terminal T1 paid")).status == "Rejected"
        notices = (await api.get("/api/stations/OSP-BAD/notices")).json()
        assert len(notices) == 4
        assert any("not JSON" in n["detail"]["reason"] for n in notices)

        (session,) = (await api.get("/api/sessions", params={"station_id": "OSP-BAD"})).json()["items"]
        assert session["payment"]["status"] == "authorized"  # no settlement half-way
        assert session["payment"]["final_amount"] is None
        for secret in (PAN, STAN, TERMINAL_TX, AUTH_CODE, RECEIPT_TEXT):
            assert await stored_anywhere(db_url, secret) == [], f"{secret} is stored"


async def test_an_issued_idtag_not_used_in_time_is_no_card_session(sqlite_server: Running) -> None:
    async with station(sqlite_server, "OSP-LATE", "1.6") as cp:
        await boot_hyc(cp)
        tag = json.loads((await onsitepay(cp, "Authorize", {"terminalId": "T1", "paymentId": "PAY-2"})).data)["tagId"]
        assert (await cp.call(call16.Authorize(id_tag=tag))).id_tag_info["status"] == "Accepted"
        # thirty minutes later (the issued tag's lifetime) nobody has started a session with it
        issued = sqlite_server.services.payments.issued["OSP-LATE"]
        issued[tag] = (issued[tag][0], datetime.now(UTC) - timedelta(seconds=1))
        late = await cp.call(
            call16.StartTransaction(connector_id=1, id_tag=tag, meter_start=0, timestamp=iso(minutes_ago(1)))
        )
        assert late.id_tag_info["status"] == "Invalid"
