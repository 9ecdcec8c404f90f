"""Nothing in clear, ever: a fixed corpus of payment identifiers through every entry point, then a scan.

The corpus (Luhn-valid card numbers in every spacing, as strings and as JSON numbers, partly masked;
STAN, RRN, authorisation and approval codes in several languages; PSP references; CVV and expiry)
goes into every OCPP message that carries free text, DataTransfer known and unknown, a station's
CALLERROR text to a command, 2.1 NotifySettlement, card-number idTags and uploads of every format.
Then the database (SQLite and its WAL, or every column of PostgreSQL), the log, and every API and
console page are scanned for the clear values. Controls that must be found prove the scan sees what
is stored and shown, and that masking keeps what is not an identifier (`AuthorizeRemoteTxRequests`).
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.helpers import Running, running
from tests.payment_flows import RawStation, iso, minutes_ago, server_log_lines, settle, stored_anywhere
from tests.unit.assessment.corpus import minimal_pdf

CARD = "4111111111111111"  # each test card number spelled one way
SPACED = "5555 5555 5555 4444"
DASHED = "6011-1111-1111-1117"
AMEX = "3782 822463 10005"
NUMBER = 4012888888881881  # sent as a JSON number
ID_TAG = "4000056655665556"  # an idTag that is a card number

TEXTS = [  # free text as stations and documents write it, each within 50 characters (1.6 CiString50)
    f"card {CARD} declined, auth A7B3C9",
    f"paid {SPACED} approval code 9Z8Y7X",
    f"{DASHED} Genehmigungsnummer 4G7H2K",
    f"{AMEX} N° d'autorisation: 5T6Y7U",
    "autorización 8K9L0M STAN 731904 RRN 518273649201",
    "pspRef PSP-8F3K2LQ CVV 737 exp 11/31",
    "PAN=*** 2222 3333 4444 Auth ***: Q4W5E6",
]
PSP_TRANSACTION = "PSPTX-77Q9K2"
CLEAR = [  # what must never be stored, logged or shown
    CARD, SPACED, SPACED.replace(" ", ""), DASHED, DASHED.replace("-", ""), AMEX, AMEX.replace(" ", ""),
    str(NUMBER), ID_TAG, "A7B3C9", "9Z8Y7X", "4G7H2K", "5T6Y7U", "8K9L0M", "731904", "518273649201",
    "PSP-8F3K2LQ", "CVV 737", "11/31", "2222 3333 4444", "Q4W5E6", PSP_TRANSACTION,
]  # fmt: skip
CONTROLS = ["AuthorizeRemoteTxRequests", "FW-MARKER-7 APPROVED"]  # kept as sent, found by the same scan


def data(note: str) -> dict[str, Any]:
    """A payment message nobody defined: identifiers under unexpected keys, nested, as numbers."""
    return {"acct": CARD, "nested": {"list": [SPACED, NUMBER], "deeper": {"x": DASHED}}, "note": note, "n": NUMBER}


async def station_16(st: RawStation) -> None:
    boot = {"chargePointVendor": "Acme", "chargePointModel": "X"}
    await st.ok("BootNotification", {**boot, "firmwareVersion": CONTROLS[1]})
    for n, text in enumerate(TEXTS):
        await st.ok("BootNotification", {**boot, "firmwareVersion": text})
        await st.ok(
            "StatusNotification",
            {"connectorId": 1, "errorCode": "OtherError", "status": "Faulted", "info": text, "vendorErrorCode": text},
        )
        await st.ok("SecurityEventNotification", {"type": text, "timestamp": iso(minutes_ago(1)), "techInfo": text})
        unknown = {"vendorId": f"com.pay.{CARD}", "messageId": text, "data": json.dumps(data(text))}
        assert (await st.ok("DataTransfer", unknown))["status"] == "UnknownVendorId"
        known_vendor = {"vendorId": "org.openchargealliance.costmsg", "messageId": f"Ack{n}", "data": text}
        assert (await st.ok("DataTransfer", known_vendor))["status"] == "UnknownMessageId"
        broken = {"transactionId": text, "timestamp": text, "card": CARD}  # a claimed message breaking its schema
        claimed = {"vendorId": "org.openchargealliance.costmsg", "messageId": "ConnectorUnplugged"}
        assert (await st.ok("DataTransfer", {**claimed, "data": json.dumps(broken)}))["status"] == "Rejected"
    await st.ok("Authorize", {"idTag": ID_TAG})
    started = await st.ok(
        "StartTransaction", {"connectorId": 1, "idTag": ID_TAG, "meterStart": 0, "timestamp": iso(minutes_ago(5))}
    )
    stopped = {"transactionId": started["transactionId"], "idTag": ID_TAG, "meterStop": 900}
    await st.ok("StopTransaction", {**stopped, "timestamp": iso(minutes_ago(1))})


async def station_201(st: RawStation) -> None:
    for text in TEXTS:
        boot = {"chargingStation": {"vendorName": "Acme", "model": "Y", "firmwareVersion": text}, "reason": "PowerUp"}
        await st.ok("BootNotification", boot)
        await st.ok("SecurityEventNotification", {"type": "Tamper", "timestamp": iso(minutes_ago(1)), "techInfo": text})
        event = {
            "eventId": 1, "timestamp": iso(minutes_ago(1)), "trigger": "Alerting", "actualValue": text,
            "techInfo": text, "eventNotificationType": "HardWiredNotification", "component": {"name": "PaymentCtrlr"},
            "variable": {"name": "Problem"},
        }  # fmt: skip
        await st.ok("NotifyEvent", {"generatedAt": iso(minutes_ago(1)), "seqNo": 0, "eventData": [event]})
        unknown = {"vendorId": "com.pay.terminal", "messageId": f"Receipt {CARD}", "data": data(text)}
        assert (await st.ok("DataTransfer", unknown))["status"] == "UnknownVendorId"


async def station_21(st: RawStation) -> None:
    await st.ok("BootNotification", {"chargingStation": {"vendorName": "Acme", "model": "Z"}, "reason": "PowerUp"})
    settlement = {
        "pspRef": "PSP-8F3K2LQ", "status": "Settled", "settlementAmount": 12.5, "settlementTime": iso(minutes_ago(1)),
        "transactionId": PSP_TRANSACTION, "receiptUrl": f"https://r.example/receipt?pan={CARD}&auth=A7B3C9",
        "statusInfo": TEXTS[0],
    }  # fmt: skip
    await st.ok("NotifySettlement", settlement)
    await st.ws.send(json.dumps([5, "m1", "FormatViolation", TEXTS[0], {"pan": CARD}]))  # "your answer was wrong"
    await st.ok("Heartbeat", {})  # the CALLRESULTERROR is handled (and logged) before the next call


async def answer_with_callerror(ws: Any) -> None:
    """The station refuses the command it is sent, and says why in its own words."""
    call = json.loads(await asyncio.wait_for(ws.recv(), 5))
    await ws.send(json.dumps([4, call[1], "InternalError", TEXTS[0], {"pan": CARD, "note": TEXTS[1]}]))


async def answer_accepted(ws: Any) -> None:
    call = json.loads(await asyncio.wait_for(ws.recv(), 5))
    await ws.send(json.dumps([3, call[1], {"status": "Accepted"}]))


def uploads() -> list[tuple[str, tuple[str, bytes, str]]]:
    """The corpus in every format an integration request accepts."""
    transfer = {"vendorId": "com.pay", "messageId": "Tx"}
    frames = [[2, str(n), "DataTransfer", {**transfer, "data": data(t)}] for n, t in enumerate(TEXTS)]
    log = "\n".join(json.dumps({"message": f}) for f in frames) + "\n" + "\n".join(TEXTS)
    text = "# Payment terminal\n\n" + "\n".join(f"- {t}" for t in TEXTS) + "\n\n" + json.dumps(frames[0])
    paragraphs = "".join(f"<p>{t}</p>" for t in TEXTS)
    html = f"<html><body><h1>Terminal</h1>{paragraphs}<pre>{json.dumps(frames[0])}</pre></body></html>"
    dialect = (Path(__file__).parents[2] / "src/ocpay/dialects/com.dbt.cardtxreport.yaml").read_text()
    dialect = dialect.replace("description: ", f"description: {TEXTS[0]}. ", 1)
    return [
        ("documents[]", ("terminal.jsonl", log.encode(), "application/octet-stream")),
        ("documents[]", ("terminal.json", json.dumps(frames).encode(), "application/json")),
        ("documents[]", ("terminal.md", text.encode(), "text/markdown")),
        ("documents[]", ("terminal.txt", "\n".join(TEXTS).encode(), "text/plain")),
        ("documents[]", ("terminal.html", html.encode(), "text/html")),
        ("documents[]", ("terminal.pdf", minimal_pdf([*TEXTS, json.dumps(frames[0])]), "application/pdf")),
        ("documents[]", ("vendor-dialect.yaml", dialect.encode(), "application/yaml")),
    ]


async def everything_shown(api: Any) -> str:
    """Every API answer and console page there is about what was sent."""
    pages: list[str] = []

    async def get(path: str, **params: Any) -> Any:
        response = await api.get(path, params=params)
        assert response.status_code == 200, (path, response.text)
        pages.append(response.text)
        return response.json() if "json" in response.headers.get("content-type", "") else None

    for station in (await get("/api/stations"))["items"]:
        sid = station["id"]
        for tail in ("", "/boots", "/connectors", "/health", "/notices"):
            await get(f"/api/stations/{sid}{tail}")
        await get(f"/console/stations/{sid}")
        assessed = await api.post("/api/unrecognised-messages/assess", params={"station_id": sid})
        assert assessed.status_code == 200, assessed.text
        pages.append(assessed.text)
    for session in (await get("/api/sessions"))["items"]:
        await get(f"/api/sessions/{session['id']}")
        await get(f"/console/sessions/{session['id']}")
    await get("/api/sessions/export")
    for command in (await get("/api/commands"))["items"]:
        await get(f"/api/commands/{command['id']}")
    for request in (await get("/api/requests"))["items"]:
        await get(f"/api/requests/{request['id']}")
        await get(f"/console/requests/{request['id']}")
    await get("/api/unrecognised-messages")
    await get("/api/id-tokens")
    for path in ("/console/", "/console/stations", "/console/sessions", "/console/unrecognised", "/console/requests"):
        await get(path)
    await get("/metrics")
    return "\n".join(pages)


async def test_no_identifier_of_the_corpus_is_stored_logged_or_shown_in_clear(
    server: Running, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="ocpay")
    async with server.http() as api:
        async with server.connect("CORPUS-16", "1.6") as ws:
            await station_16(RawStation(ws))
            sent = asyncio.create_task(api.post("/api/stations/CORPUS-16/commands/get-configuration", json={}))
            await answer_with_callerror(ws)
            assert (await sent).status_code == 502, (await sent).text
            change = {"key": "AuthorizeRemoteTxRequests", "value": "true"}
            sent = asyncio.create_task(api.post("/api/stations/CORPUS-16/commands/set-configuration", json=change))
            await answer_accepted(ws)
            assert (await sent).status_code == 200, (await sent).text
        async with server.connect("CORPUS-201", "2.0.1") as ws:
            await station_201(RawStation(ws))
        async with server.connect("CORPUS-21", "2.1") as ws:
            await station_21(RawStation(ws))
        request = {"requester": "ops@example.com", "charger": "X", "terminal": "T"}
        submitted = await api.post("/api/requests", data=request, files=uploads())
        assert submitted.status_code == 201, submitted.text
        await settle(server)
        shown = await everything_shown(api)

    logged = server_log_lines(caplog.records)
    assert "CORPUS-16" in logged  # the capture sees what the CSMS logs
    missing = {}  # the scan sees what is stored and shown, and the masking kept these as sent
    for control in CONTROLS:
        where = [] if await stored_anywhere(db_url, control) else ["database"]
        where += [] if control in shown else ["api/console"]
        if where:
            missing[control] = where
    leaks = {}
    for secret in CLEAR:
        where = [*await stored_anywhere(db_url, secret)]
        where += ["log"] if secret.lower() in logged.lower() else []
        where += ["api/console"] if secret.lower() in shown.lower() else []
        if where:
            leaks[secret] = where
    assert (leaks, missing) == ({}, {}), f"in clear: {leaks}; controls not found as sent: {missing}"


async def test_an_idtag_that_is_a_card_number_is_kept_as_its_keyed_hash_and_still_matches(
    sqlite_server: Running, tmp_path: Path
) -> None:
    """Authorize, Start and Stop of the same card-number idTag find the same token, on 1.6 and 2.x alike."""
    async with sqlite_server.http() as api:
        added = await api.post("/api/id-tokens", json={"value": ID_TAG, "note": "a driver's bank card"})
        assert added.status_code == 201, added.text
        assert added.json()["value"].startswith("ref:")
        again = await api.post("/api/id-tokens", json={"value": ID_TAG})
        assert again.status_code == 409  # the same card, known by its hash
        async with sqlite_server.connect("CARD-16", "1.6") as ws:
            st = RawStation(ws)
            await st.ok("BootNotification", {"chargePointVendor": "Acme", "chargePointModel": "X"})
            assert (await st.ok("Authorize", {"idTag": ID_TAG}))["idTagInfo"]["status"] == "Accepted"
            start = {"connectorId": 1, "idTag": ID_TAG, "meterStart": 0, "timestamp": iso(minutes_ago(5))}
            started = await st.ok("StartTransaction", start)
            assert started["idTagInfo"]["status"] == "Accepted"
            stop = {"transactionId": started["transactionId"], "idTag": ID_TAG, "meterStop": 500}
            stopped = await st.ok("StopTransaction", {**stop, "timestamp": iso(minutes_ago(1))})
            assert stopped["idTagInfo"]["status"] == "Accepted"
        async with sqlite_server.connect("CARD-201", "2.0.1") as ws:
            st = RawStation(ws)
            boot = {"chargingStation": {"vendorName": "Acme", "model": "Y"}, "reason": "PowerUp"}
            await st.ok("BootNotification", boot)
            event = {
                "eventType": "Started", "timestamp": iso(minutes_ago(3)), "triggerReason": "Authorized", "seqNo": 0,
                "transactionInfo": {"transactionId": "T-CARD"}, "idToken": {"idToken": ID_TAG, "type": "ISO14443"},
            }  # fmt: skip
            assert (await st.ok("TransactionEvent", event))["idTokenInfo"]["status"] == "Accepted"
        sessions = (await api.get("/api/sessions")).json()["items"]
    tokens = {s["id_token"] for s in sessions}
    assert len(sessions) == 2 and tokens == {added.json()["value"]}
    assert await stored_anywhere(sqlite_server.system.settings.db, ID_TAG) == []


AUTHORIZATION_KEY_HEX = "6d792d62617369632d617574682d70617373776f7264"


async def test_what_an_older_version_kept_in_clear_is_hashed_or_concealed_at_start(db_url: str) -> None:
    """A card-number idTag (token, session, start key) and an AuthorizationKey in the command log, as an older
    version stored them: the next start keeps them as today's version does, and the token still matches."""
    async with running(db_url, open_registration=True) as srv:
        async with srv.http() as api:
            assert (await api.post("/api/stations", json={"id": "CP-OLD"})).status_code == 201
        async with srv.services.db.engine.begin() as conn:
            await conn.execute(
                sa.text(
                    "INSERT INTO id_tokens (value, type, status, created_at) VALUES (:v, 'ISO14443', 'Blocked', :t)"
                ),
                {"v": ID_TAG, "t": minutes_ago(60)},
            )
            await conn.execute(
                sa.text(
                    "INSERT INTO sessions (station_id, start_key, id_token, status, started_at, ocpp_version, billing)"
                    " VALUES ('CP-OLD', :k, :v, 'completed', :t, '1.6', 'csms')"
                ),
                {"k": f"1|{ID_TAG}|2026-01-01T00:00:00+00:00|0", "v": ID_TAG, "t": minutes_ago(60)},
            )
            await conn.execute(sa.text("DELETE FROM secrets WHERE name LIKE 'done:%'"))  # an older version's database
            set_key = {"key": "AuthorizationKey", "value": AUTHORIZATION_KEY_HEX}
            read_key = {"configurationKey": [{"key": "AuthorizationKey", "value": AUTHORIZATION_KEY_HEX}]}
            for command, arguments, answer in [
                ("set-configuration", set_key, None),
                ("get-configuration", {}, read_key),
            ]:
                await conn.execute(
                    sa.text(
                        "INSERT INTO command_log (station_id, command, arguments, outcome, answer, actor, at)"
                        " VALUES ('CP-OLD', :c, :a, 'answered', :r, 'admin', :t)"
                    ),
                    {"c": command, "a": json.dumps(arguments), "r": json.dumps(answer), "t": minutes_ago(30)},
                )
    async with running(db_url, open_registration=True) as srv:  # the next start
        async with srv.connect("CP-OLD", "1.6") as ws:
            st = RawStation(ws)
            assert (await st.ok("Authorize", {"idTag": ID_TAG}))["idTagInfo"]["status"] == "Blocked"  # still its own
        async with srv.services.db.engine.connect() as conn:
            rows = [
                json.dumps([str(x) for x in row])
                for table in ("id_tokens", "sessions", "command_log")
                for row in (await conn.execute(sa.text(f"SELECT * FROM {table}"))).all()
            ]
    assert rows and not [r for r in rows if ID_TAG in r or AUTHORIZATION_KEY_HEX in r]
    assert any("ref:" in r for r in rows) and any("AuthorizationKey" in r and "set" in r for r in rows)
