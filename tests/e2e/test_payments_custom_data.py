"""A dialect can read payment facts from `customData` on standard OCPP 2.x messages."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import running
from tests.payment_flows import RawStation

DIALECT = """
id: com.example.customdata
title: Example terminal reporting in customData
version: "1"
provenance: {kind: inferred, source: written for this test}
ocpp_versions: ["2.0.1"]
messages:
  - name: PaidAtTerminal
    kind: custom_data
    vendor_id: com.example.pay
    action: TransactionEvent
    direction: to_csms
    schema:
      type: object
      required: [vendorId, paidAmount]
      properties:
        paidAmount: {type: number}
        cardPan: {type: string}
    event: settled
    map: {amount: paidAmount, currency: currency}
    payment_identifiers: {drop: [cardPan]}
"""


def event(kind: str, seq: int, custom: dict[str, object] | None = None) -> dict[str, object]:
    payload: dict[str, object] = {
        "eventType": kind, "timestamp": "2026-11-25T12:00:00Z", "triggerReason": "Authorized", "seqNo": seq,
        "transactionInfo": {"transactionId": "CD-1"}, "evse": {"id": 1, "connectorId": 1},
    }  # fmt: skip
    if custom is not None:
        payload["customData"] = custom
    return payload


async def test_custom_data_on_a_transaction_event_settles_the_session(db_url: str, tmp_path: Path) -> None:
    (tmp_path / "customdata.yaml").write_text(DIALECT)
    async with running(db_url, open_registration=True, dialect_dirs=[str(tmp_path)]) as srv:
        async with srv.connect("CD-STATION", "2.0.1") as ws:
            station = RawStation(ws)
            await station.ok(
                "BootNotification", {"reason": "PowerUp", "chargingStation": {"vendorName": "X", "model": "Y"}}
            )
            await station.ok("TransactionEvent", event("Started", 0))
            paid = {"vendorId": "com.example.pay", "paidAmount": 17.4, "currency": "EUR", "cardPan": "4111111111111111"}
            await station.ok("TransactionEvent", event("Ended", 1, paid))
            # someone else's customData is ignored, not rejected
            await station.ok("TransactionEvent", event("Updated", 2, {"vendorId": "org.other", "x": 1}))
        async with srv.http() as api:
            session = (await api.get("/api/sessions", params={"station_id": "CD-STATION"})).json()["items"][0]
            events = (await api.get(f"/api/sessions/{session['id']}")).json()["payment_events"]
    assert session["billing"] == "terminal"
    assert session["payment"]["status"] == "settled" and session["payment"]["final_amount"] == 17.4
    assert [(e["kind"], e["amount"], e["currency"]) for e in events] == [("settled", 17.4, "EUR")]
