"""OCPP 2.1 direct payment: a DirectPayment id token, transaction limits, NotifySettlement, VatNumberValidation.

The PSP reference arrives as the id token; the CSMS keeps only a keyed hash of it, so a later
NotifySettlement still finds its session while the reference itself is stored and logged nowhere.
The station speaks raw OCPP-J frames: the `ocpp` package mangles `receiptUrl`.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import Running, running
from tests.payment_flows import RawStation, iso, server_log_lines, stored_anywhere

PSP_REF = "PSP-REF-123456"
DIALECT = "ocpp21.direct-payment"
START = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def at(minutes: int) -> str:
    return iso(START + timedelta(minutes=minutes))


def transaction_event(
    event_type: str, seq_no: int, transaction_id: str, minutes: int, wh: float | None = None, **extra: Any
) -> dict[str, Any]:
    info: dict[str, Any] = {"transactionId": transaction_id, **extra.pop("info", {})}
    payload: dict[str, Any] = {
        "eventType": event_type,
        "timestamp": at(minutes),
        "triggerReason": extra.pop(
            "trigger", {"Started": "Authorized", "Ended": "EVCommunicationLost"}.get(event_type, "MeterValuePeriodic")
        ),
        "seqNo": seq_no,
        "transactionInfo": info,
        "evse": {"id": 1, "connectorId": 1},
        **extra,
    }
    if wh is not None:
        payload["meterValue"] = [
            {"timestamp": at(minutes), "sampledValue": [{"value": wh, "measurand": "Energy.Active.Import.Register"}]}
        ]
    return payload


def direct_payment(psp_ref: str) -> dict[str, Any]:
    return {"idToken": psp_ref, "type": "DirectPayment"}


def settlement(psp_ref: str, status: str, amount: float, **extra: Any) -> dict[str, Any]:
    return {"pspRef": psp_ref, "status": status, "settlementAmount": amount, "settlementTime": at(40), **extra}


async def boot(st: RawStation) -> None:
    answer = await st.ok(
        "BootNotification", {"chargingStation": {"vendorName": "Acme", "model": "DC-21"}, "reason": "PowerUp"}
    )
    assert answer["status"] == "Accepted"


async def start_paid_session(st: RawStation, psp_ref: str, transaction_id: str, max_cost: float) -> dict[str, Any]:
    return await st.ok(
        "TransactionEvent",
        transaction_event(
            "Started",
            0,
            transaction_id,
            0,
            0.0,
            idToken=direct_payment(psp_ref),
            info={"transactionLimit": {"maxCost": max_cost}},
        ),
    )


async def session_of(api: Any, station_id: str, transaction_id: str) -> dict[str, Any]:
    sessions = (await api.get("/api/sessions", params={"station_id": station_id})).json()["items"]
    (found,) = [s for s in sessions if s["transaction_id"] == transaction_id]
    return dict(found)


async def test_a_direct_payment_session_is_settled_without_the_psp_reference_in_clear(
    server: Running, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="ocpay")
    async with server.connect("DP-21", "2.1") as ws, server.http() as api:
        st = RawStation(ws)
        await boot(st)
        started = await start_paid_session(st, PSP_REF, "DP-TX-1", 50)
        assert started["idTokenInfo"]["status"] == "Accepted"  # no id token registered: the PSP authorised it

        session = await session_of(api, "DP-21", "DP-TX-1")
        assert session["billing"] == "terminal"
        assert session["id_token"] not in (None, PSP_REF)
        assert session["payment"]["method"] == "terminal"
        assert session["payment"]["dialect"] == DIALECT
        assert session["payment"]["authorized_amount"] == 50

        # The terminal raises the hold.
        await st.ok(
            "TransactionEvent",
            transaction_event(
                "Updated", 1, "DP-TX-1", 10, 4000.0, trigger="LimitSet", info={"transactionLimit": {"maxCost": 80}}
            ),
        )
        assert (await session_of(api, "DP-21", "DP-TX-1"))["payment"]["authorized_amount"] == 80
        await st.ok("TransactionEvent", transaction_event("Ended", 2, "DP-TX-1", 30, 9000.0))

        # Settlement names only the PSP reference: it must still find its session.
        assert await st.ok("NotifySettlement", settlement(PSP_REF, "Settled", 23.45)) == {}
        session = await session_of(api, "DP-21", "DP-TX-1")
        assert session["payment"]["status"] == "settled"
        assert session["payment"]["final_amount"] == 23.45
        assert session["payment"]["authorized_amount"] == 80

        # The station did not see our answer and sends it again: one settlement, not two.
        await st.ok("NotifySettlement", settlement(PSP_REF, "Settled", 23.45))
        detail = await api.get(f"/api/sessions/{session['id']}")
        kinds = [e["kind"] for e in detail.json()["payment_events"]]
        assert kinds.count("settled") == 1, kinds
        assert kinds.count("authorized") == 2, kinds  # 50, then raised to 80

        for path in (
            "/api/sessions",
            f"/api/sessions/{session['id']}",
            "/api/sessions/export",
            "/api/stations/DP-21",
            "/api/stations/DP-21/notices",
            "/api/unrecognised-messages",
        ):
            response = await api.get(path)
            assert response.status_code == 200
            assert PSP_REF not in response.text, f"{path} shows the PSP reference"

        assert await stored_anywhere(db_url, "DP-TX-1")  # the scan does see what is stored
        assert await stored_anywhere(db_url, PSP_REF) == []
    logs = server_log_lines(caplog.records)
    assert "NotifySettlement" in logs  # the capture does see what the CSMS logs
    assert PSP_REF not in logs


@pytest.mark.parametrize(
    ("status", "payment_status"), [("Canceled", "canceled"), ("Rejected", "declined"), ("Failed", "failed")]
)
async def test_an_unsuccessful_settlement_sets_the_payment_status(
    sqlite_server: Running, status: str, payment_status: str
) -> None:
    psp_ref = f"PSP-{status.upper()}-987654"
    async with sqlite_server.connect("DP-STATUS", "2.1") as ws, sqlite_server.http() as api:
        st = RawStation(ws)
        await boot(st)
        await start_paid_session(st, psp_ref, "DP-TX-S", 40)
        await st.ok("TransactionEvent", transaction_event("Ended", 1, "DP-TX-S", 1, 0.0))
        await st.ok("NotifySettlement", settlement(psp_ref, status, 0, statusInfo="card declined by issuer"))
        session = await session_of(api, "DP-STATUS", "DP-TX-S")
        assert session["billing"] == "terminal"
        assert session["payment"]["status"] == payment_status
        assert session["payment"]["final_amount"] is None


async def test_the_receipt_url_follows_the_stations_receipt_by_csms_variable(db_url: str) -> None:
    """C21.FR.03: the CSMS provides the receipt URL when the station's PaymentCtrlr.ReceiptByCSMS is true."""
    async with (
        running(db_url, open_registration=True, receipt_url_template="https://r.example/{transaction_id}") as srv,
        srv.connect("DP-RECEIPT", "2.1") as ws,
    ):
        st = RawStation(ws)
        await boot(st)
        await start_paid_session(st, "PSP-REF-RECEIPT-1", "DP-TX-R", 30)
        await st.ok("TransactionEvent", transaction_event("Ended", 1, "DP-TX-R", 20, 5000.0))
        answer = await st.ok(
            "NotifySettlement", settlement("PSP-REF-RECEIPT-1", "Settled", 12.5, transactionId="DP-TX-R")
        )
        assert "receiptUrl" not in answer  # the station did not ask for one

        await st.ok(
            "NotifyReport",
            {
                "requestId": 1, "generatedAt": "2026-11-25T12:00:00Z", "seqNo": 0,
                "reportData": [{
                    "component": {"name": "PaymentCtrlr"}, "variable": {"name": "ReceiptByCSMS"},
                    "variableAttribute": [{"value": "true"}],
                }],
            },
        )  # fmt: skip
        await start_paid_session(st, "PSP-REF-RECEIPT-2", "DP-TX-R3", 30)
        await st.ok("TransactionEvent", transaction_event("Ended", 1, "DP-TX-R3", 20, 5000.0))
        answer = await st.ok(
            "NotifySettlement", settlement("PSP-REF-RECEIPT-2", "Settled", 12.5, transactionId="DP-TX-R3")
        )
        assert answer.get("receiptUrl") == "https://r.example/DP-TX-R3"


CATALOG_21 = """
id: test-direct-payment
charger: {manufacturer: Acme, models: [DC-21]}
terminal: {manufacturer: Acme Pay, models: [P1]}
dialect: ocpp21.direct-payment
status: beta
ocpp_versions: ["2.1"]
match: {vendor: "^Acme$", model: "^DC-21$"}
parameters: {receipt_by_csms: "true"}
documentation: A test entry for a 2.1 station whose receipts the CSMS provides (PaymentCtrlr.ReceiptByCSMS true).
setup_guide: "# Test entry"
"""


async def test_a_station_with_receipt_by_csms_gets_the_receipt_url_of_its_session(db_url: str, tmp_path: Path) -> None:
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    (catalog / "test-direct-payment.yaml").write_text(CATALOG_21)
    async with (
        running(
            db_url,
            open_registration=True,
            catalog_dirs=[str(catalog)],
            receipt_url_template="https://r.example/{station_id}/{transaction_id}",
        ) as srv,
        srv.connect("DP-RCPT-CSMS", "2.1") as ws,
        srv.http() as api,
    ):
        st = RawStation(ws)
        await boot(st)
        assert (await api.get("/api/stations/DP-RCPT-CSMS")).json()["dialect"] == DIALECT
        await start_paid_session(st, "PSP-REF-RECEIPT-2", "DP-TX-R2", 30)
        await st.ok("TransactionEvent", transaction_event("Ended", 1, "DP-TX-R2", 20, 5000.0))
        answer = await st.ok("NotifySettlement", settlement("PSP-REF-RECEIPT-2", "Settled", 7.5))
        assert answer.get("receiptUrl") == "https://r.example/DP-RCPT-CSMS/DP-TX-R2"


async def test_vat_numbers_are_checked_for_form_and_not_stored(server: Running, db_url: str) -> None:
    async with server.connect("DP-VAT", "2.1") as ws:
        st = RawStation(ws)
        await boot(st)
        accepted = await st.ok("VatNumberValidation", {"vatNumber": "DE123456789", "evseId": 1})
        assert accepted["status"] == "Accepted"
        assert accepted["vatNumber"] == "DE123456789"
        rejected = await st.ok("VatNumberValidation", {"vatNumber": "not a vat number!"})
        assert rejected["status"] == "Rejected"
        assert rejected["vatNumber"] == "not a vat number!"
    assert await stored_anywhere(db_url, "DE123456789") == []


async def test_a_direct_payment_session_ended_before_any_energy_costs_nothing(server: Running) -> None:
    async with server.connect("DP-C20", "2.1") as ws, server.http() as api:
        st = RawStation(ws)
        await boot(st)
        await start_paid_session(st, "PSP-REF-CANCEL-1", "DP-TX-C", 50)
        ended = await st.ok(
            "TransactionEvent",
            transaction_event("Ended", 1, "DP-TX-C", 2, 0.0, info={"stoppedReason": "Local"}),
        )
        assert ended.get("totalCost") == 0  # C20.FR.03

        # A session that delivered energy is not declared free.
        await start_paid_session(st, "PSP-REF-CHARGED-1", "DP-TX-E", 50)
        ended = await st.ok("TransactionEvent", transaction_event("Ended", 1, "DP-TX-E", 30, 7000.0))
        assert ended.get("totalCost") != 0

        assert (await session_of(api, "DP-C20", "DP-TX-C"))["billing"] == "terminal"


async def test_a_late_authorisation_never_takes_a_settled_session_back(sqlite_server: Running) -> None:
    async with sqlite_server.connect("DP-LATE", "2.1") as ws, sqlite_server.http() as api:
        st = RawStation(ws)
        await boot(st)
        await start_paid_session(st, "PSP-LATE-000111", "DP-TX-L", 50)
        await st.ok("NotifySettlement", settlement("PSP-LATE-000111", "Settled", 21.0, transactionId="DP-TX-L"))
        # the Ended event still carries the pre-authorised limit; a retried hold is an old message too
        await st.ok(
            "TransactionEvent",
            transaction_event("Ended", 1, "DP-TX-L", 30, 0.0, info={"transactionLimit": {"maxCost": 50}}),
        )
        session = await session_of(api, "DP-LATE", "DP-TX-L")
    assert session["payment"]["status"] == "settled"
    assert session["payment"]["final_amount"] == 21.0 and session["payment"]["authorized_amount"] == 50.0
