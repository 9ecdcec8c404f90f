"""Integration requests: submission with documents, automatic verdict, notifications, decisions, refusals.

Webhooks go to a real HTTP server on loopback and e-mail to a real SMTP server (aiosmtpd) on loopback.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import zipfile
from collections.abc import AsyncIterator
from email import message_from_bytes
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.smtp import SMTP as SMTPProtocol
from sqlalchemy import func, select
from typer.testing import CliRunner

from ocpay.cli.main import app as cli_app
from ocpay.integrations.dialects import load_dialect
from ocpay.store.models import FeatureRequest, IntegrationRequest, RequestDocument, RequestHistoryEntry
from tests.helpers import Running, running
from tests.unit.assessment.corpus import SECRETS, minimal_pdf

FIXTURES = Path(__file__).parents[1] / "fixtures" / "assessment"
REQUESTER = "Charge Ops <ops@cpo.example>"


# -- a real webhook receiver and a real SMTP server on loopback ------------------------------------------------
class WebhookSink:
    """A tiny HTTP/1.1 server: records each POST, answers with `status`."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.status = 204
        self.arrived = asyncio.Event()
        self.server: asyncio.Server | None = None

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            lines = head.split("\r\n")
            headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:] if x)}
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            method, path, _ = lines[0].split(" ", 2)
            self.received.append({"method": method, "path": path, "headers": headers, "body": body})
            self.arrived.set()
            writer.write(f"HTTP/1.1 {self.status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())
            await writer.drain()
        finally:
            writer.close()

    @property
    def url(self) -> str:
        assert self.server is not None
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/hooks/ocpay?secret=s3"


class MailSink:
    """aiosmtpd handler: keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.port = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
async def sinks() -> AsyncIterator[tuple[WebhookSink, MailSink]]:
    hook, mail = WebhookSink(), MailSink()
    hook.server = await asyncio.start_server(hook.handle, "127.0.0.1", 0)
    loop = asyncio.get_running_loop()
    smtp = await loop.create_server(lambda: SMTPProtocol(mail, hostname="ocpay-test"), "127.0.0.1", 0)
    mail.port = smtp.sockets[0].getsockname()[1]
    try:
        yield hook, mail
    finally:
        hook.server.close()
        smtp.close()
        await hook.server.wait_closed()
        await smtp.wait_closed()


@contextlib.asynccontextmanager
async def notifying_server(db_url: str, hook: WebhookSink, mail: MailSink, **overrides: Any) -> AsyncIterator[Running]:
    async with running(
        db_url,
        request_webhook_url=hook.url,
        request_smtp_host="127.0.0.1",
        request_smtp_port=mail.port,
        request_smtp_from="ocpay@csms.example",
        **overrides,
    ) as srv:
        yield srv


def documents(*names: str) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("documents[]", (name, (FIXTURES / name).read_bytes(), "application/octet-stream")) for name in names]


async def submit(
    client: httpx.AsyncClient,
    files: list[tuple[str, tuple[str, bytes, str]]],
    charger: str = "Voltaro V50",
    terminal: str = "VoltPay T1",
    **fields: str,
) -> httpx.Response:
    data = {"requester": REQUESTER, "charger": charger, "terminal": terminal, **fields}
    return await client.post("/api/requests", data=data, files=files)


def transitions(detail: dict[str, Any]) -> list[str]:
    return [h["to_status"] for h in detail["history"] if h["kind"] == "transition"]


def notices(detail: dict[str, Any], channel: str) -> list[dict[str, Any]]:
    return [h for h in detail["history"] if h["kind"] == "notification" and h["channel"] == channel]


# -- submission, verdict, notifications ----------------------------------------------------------------------------
async def test_submission_is_assessed_stored_and_the_requester_told(
    db_url: str, sinks: tuple[WebhookSink, MailSink]
) -> None:
    hook, mail = sinks
    async with notifying_server(db_url, hook, mail) as srv, srv.http() as client:
        answer = await submit(
            client,
            documents("alpitronic-onsitepay.jsonl"),
            charger="Alpitronic HYC 300",
            terminal="Worldline Valina",
            ocpp_version="1.6",
        )
        assert answer.status_code == 201, answer.text
        detail = answer.json()
        assert detail["status"] == "supported" and detail["verdict"] == "supported"
        assert detail["dialect"] == "com.alpitronic.onsitepay"
        assert detail["assessment"]["catalog_entry"] == "alpitronic-hyc-worldline-valina"
        assert transitions(detail) == ["received", "assessed", "supported"]
        assert detail["history"][0]["actor"] == REQUESTER and detail["history"][1]["actor"] == "ocpay"
        assert [d["name"] for d in detail["documents"]] == ["alpitronic-onsitepay.jsonl"]
        assert detail["documents"][0]["media_type"] == "application/x-ndjson"
        assert len(detail["documents"][0]["sha256"]) == 64
        assert detail["feature_request"] is None
        # Each channel's outcome is in the history: always the history itself, then webhook and e-mail.
        assert notices(detail, "history")[0]["outcome"] == "recorded"
        assert notices(detail, "webhook")[0]["outcome"] == "delivered"
        assert notices(detail, "email")[0]["outcome"] == "delivered"
        assert "secret" not in json.dumps(detail["history"])  # the webhook URL's query is not recorded

        # The webhook: one JSON POST with the outcome.
        assert len(hook.received) == 1
        post = hook.received[0]
        assert post["method"] == "POST" and post["path"] == "/hooks/ocpay?secret=s3"
        assert post["headers"]["content-type"] == "application/json"
        body = json.loads(post["body"])
        assert body["event"] == "assessed"
        assert body["request"]["id"] == detail["id"] and body["request"]["verdict"] == "supported"
        assert body["request"]["dialect"] == "com.alpitronic.onsitepay"
        assert body["next_steps"] and body["reasons"]

        # The e-mail, to the requester's address.
        assert len(mail.messages) == 1
        envelope = mail.messages[0]
        assert envelope.mail_from == "ocpay@csms.example" and envelope.rcpt_tos == ["ops@cpo.example"]
        message = message_from_bytes(envelope.content)
        assert "supported" in message["Subject"] and f"#{detail['id']}" in message["Subject"]
        text = message.get_payload(decode=True).decode()
        assert "Alpitronic HYC 300" in text and "Next steps" in text

        # No payment identifier from the uploaded log in clear anywhere the requester or the API sees.
        shown = (await client.get(f"/api/requests/{detail['id']}")).text
        for secret in SECRETS:
            assert secret not in post["body"].decode(), secret
            assert secret not in envelope.content.decode(), secret
            assert secret not in shown, secret
            assert secret not in answer.text, secret

        page = (await client.get("/api/requests", params={"limit": 10})).json()
        assert page["offset"] == 0 and page["limit"] == 10
        assert [(x["id"], x["status"], x["documents"]) for x in page["items"]] == [(detail["id"], "supported", 1)]
        assert (await client.get("/api/requests", params={"status": "rejected"})).json()["items"] == []


async def test_several_documents_are_assessed_together(db_url: str) -> None:
    async with running(db_url) as srv, srv.http() as client:
        answer = await submit(
            client,
            documents("keren-payment-integration.md", "acme-cardtxreport.jsonl"),
            charger="DBT Keren",
            terminal="Worldline Yoneo",
        )
        assert answer.status_code == 201, answer.text
        detail = answer.json()
        assert {d["name"]: d["media_type"] for d in detail["documents"]} == {
            "keren-payment-integration.md": "text/markdown",
            "acme-cardtxreport.jsonl": "application/x-ndjson",
        }
        assert detail["assessment"]["source"]["name"] == "keren-payment-integration.md + acme-cardtxreport.jsonl"
        assert detail["dialect"] == "com.dbt.cardtxreport"
        # The Markdown names the catalog's vendorId, the log another one: configuration, not development.
        assert detail["status"] == "compatible"
        assert detail["assessment"]["parameters"]["vendor_id"] == "ACME.Payment.TPE"
        assert detail["assessment"]["source"]["messages"] == 4 + 18  # both documents were read
        # Without channels configured the notice is still in the history.
        assert [n["outcome"] for n in notices(detail, "history")] == ["recorded"]
        assert not notices(detail, "webhook") and not notices(detail, "email")


async def test_html_pdf_and_dialect_files_are_accepted(tmp_path: Path) -> None:
    data = json.dumps({"tx_ID": 12, "tx_Time": "2025-01-01T10:00:00Z", "totalTaxedCost": 8.4, "customerTicket": "x"})
    frame = json.dumps([2, "9", "DataTransfer", {"vendorId": "Kiosk.Pay", "messageId": "CardTxReport", "data": data}])
    pdf = minimal_pdf(["Kiosk charger (OCPP 1.6). The station sends to the CSMS:", frame, "The CSMS answers Accepted."])
    dialect = (Path(__file__).parents[2] / "src/ocpay/dialects/com.dbt.cardtxreport.yaml").read_bytes()
    async with running(f"sqlite:///{tmp_path / 'x.sqlite'}") as srv, srv.http() as client:
        for name, content, media, expected in [
            ("kiosk.pdf", pdf, "application/pdf", "application/pdf"),
            ("onsitepay.html", (FIXTURES / "onsitepay.html").read_bytes(), "text/html", "text/html"),
            ("vendor-dialect.yaml", dialect, "application/yaml", "application/yaml"),
        ]:
            answer = await submit(client, [("documents[]", (name, content, media))])
            assert answer.status_code == 201, answer.text
            assert answer.json()["documents"][0]["media_type"] == expected
            assert answer.json()["verdict"] in ("supported", "compatible"), (name, answer.json()["gaps"])


# -- needs development: the feature request and its state machine ----------------------------------------------------
async def test_needs_development_opens_a_feature_request_that_moves_to_release(
    db_url: str, sinks: tuple[WebhookSink, MailSink], tmp_path: Path
) -> None:
    hook, mail = sinks
    async with notifying_server(db_url, hook, mail) as srv, srv.http() as client:
        answer = await submit(client, documents("unknown-vendor.jsonl"))
        assert answer.status_code == 201, answer.text
        detail = answer.json()
        request_id = detail["id"]
        assert detail["verdict"] == "needs_development"
        assert detail["status"] == "feature_requested"
        assert transitions(detail) == ["received", "assessed", "needs_development", "feature_requested"]
        feature = detail["feature_request"]
        assert feature["status"] == "opened" and feature["request_id"] == request_id
        assert feature["title"] == "Dialect for Voltaro V50 x VoltPay T1"
        kinds = {g["kind"] for g in feature["gaps"]}
        assert {"unknown_message", "needs_csms_data"} <= kinds
        assert any("TariffRequest" in g["message"] for g in feature["gaps"])
        draft_path = tmp_path / "draft.yaml"
        draft_path.write_text(feature["drafted_dialect"])
        draft = load_dialect(draft_path)
        assert draft.provenance.kind == "inferred" and draft.message("PaymentCompleted").event == "settled"
        for secret in SECRETS:
            assert secret not in feature["drafted_dialect"]
            assert secret not in hook.received[0]["body"].decode()
        body = json.loads(hook.received[0]["body"])
        assert body["feature_request"]["id"] == feature["id"] and body["gaps"]

        listed = (await client.get("/api/feature-requests")).json()
        assert [x["id"] for x in listed["items"]] == [feature["id"]] and listed["limit"] == 100
        assert (await client.get("/api/feature-requests", params={"status": "released"})).json()["items"] == []

        # Release comes after in_development, not before.
        early = await client.post(f"/api/requests/{request_id}/decision", json={"feature_status": "released"})
        assert early.status_code == 409
        assert "in_development" in early.json()["detail"]
        going = await client.post(
            f"/api/requests/{request_id}/decision",
            json={"feature_status": "in_development", "note": "sprint 12", "actor": "dev-lead"},
        )
        assert going.status_code == 200, going.text
        assert going.json()["status"] == "in_development"
        assert going.json()["feature_request"]["status"] == "in_development"
        done = await client.post(f"/api/requests/{request_id}/decision", json={"feature_status": "released"})
        assert done.status_code == 200 and done.json()["status"] == "released"
        final = done.json()
        assert transitions(final)[-2:] == ["in_development", "released"]
        assert [h["actor"] for h in final["history"] if h["to_status"] == "in_development"] == ["dev-lead"]
        # A released request is final.
        late = await client.post(f"/api/requests/{request_id}/decision", json={"reject": "too late"})
        assert late.status_code == 409 and "released" in late.json()["detail"]
        # The requester heard of each outcome: assessed, in development, released.
        events = [json.loads(x["body"])["event"] for x in hook.received]
        assert events == ["assessed", "in_development", "released"]
        assert len(mail.messages) == 3
        assert [n["detail"].split(":")[0] for n in notices(final, "history")] == events


async def test_override_and_reject(db_url: str) -> None:
    async with running(db_url) as srv, srv.http() as client:
        detail = (await submit(client, documents("acme-cardtxreport.jsonl"))).json()
        request_id = detail["id"]
        assert detail["status"] == "compatible" and detail["dialect"] == "com.dbt.cardtxreport"
        url = f"/api/requests/{request_id}/decision"

        no_note = await client.post(url, json={"verdict": "needs_development"})
        assert no_note.status_code == 422 and "note" in no_note.json()["detail"]
        same = await client.post(url, json={"verdict": "compatible", "note": "fine"})
        assert same.status_code == 409 and "already compatible" in same.json()["detail"]
        two = await client.post(url, json={"verdict": "supported", "note": "x", "reject": "y"})
        assert two.status_code == 422
        no_feature = await client.post(url, json={"feature_status": "in_development"})
        assert no_feature.status_code == 409 and "no feature request" in no_feature.json()["detail"]
        bad = await client.post(url, json={"verdict": "maybe", "note": "x"})
        assert bad.status_code == 422

        # The reviewer knows the terminal firmware lacks the receipt: needs development after all.
        changed = await client.post(
            url, json={"verdict": "needs_development", "note": "firmware 2.1 drops CardTxReport", "actor": "anna"}
        )
        assert changed.status_code == 200, changed.text
        changed_detail = changed.json()
        assert changed_detail["verdict"] == "needs_development" and changed_detail["assessed_verdict"] == "compatible"
        assert changed_detail["status"] == "feature_requested"
        assert changed_detail["override_note"] == "firmware 2.1 drops CardTxReport"
        assert changed_detail["overridden_by"] == "anna"
        feature = changed_detail["feature_request"]
        assert feature["status"] == "opened"
        assert {"kind": "reviewer", "message": "(review)", "detail": "firmware 2.1 drops CardTxReport"} in feature[
            "gaps"
        ]
        # And back: the feature request is withdrawn.
        back = await client.post(url, json={"verdict": "compatible", "note": "vendor confirmed the firmware"})
        assert back.status_code == 200
        assert back.json()["status"] == "compatible" and back.json()["feature_request"]["status"] == "withdrawn"

        empty = await client.post(url, json={"reject": "  "})
        assert empty.status_code == 422 and "reason" in empty.json()["detail"]
        rejected = await client.post(url, json={"reject": "the operator withdrew the project", "actor": "anna"})
        assert rejected.status_code == 200
        final = rejected.json()
        assert final["status"] == "rejected" and final["reject_reason"] == "the operator withdrew the project"
        assert transitions(final) == [
            "received", "assessed", "compatible", "needs_development", "feature_requested", "compatible", "rejected",
        ]  # fmt: skip
        again = await client.post(url, json={"verdict": "supported", "note": "x"})
        assert again.status_code == 409 and "rejected" in again.json()["detail"]
        missing = await client.post("/api/requests/9999/decision", json={"reject": "x"})
        assert missing.status_code == 404
        assert (await client.get("/api/requests/9999")).status_code == 404


async def test_failing_channels_are_recorded_not_raised(tmp_path: Path, sinks: tuple[WebhookSink, MailSink]) -> None:
    hook, mail = sinks
    hook.status = 500
    async with notifying_server(f"sqlite:///{tmp_path / 'x.sqlite'}", hook, mail) as srv, srv.http() as client:
        answer = await client.post(
            "/api/requests",
            data={"requester": "Charge Ops (no mail)", "charger": "Voltaro V50", "terminal": "VoltPay T1"},
            files=documents("acme-cardtxreport.jsonl"),
        )
        assert answer.status_code == 201
        detail = answer.json()
        webhook = notices(detail, "webhook")[0]
        assert webhook["outcome"] == "failed" and "500" in webhook["detail"]
        email = notices(detail, "email")[0]
        assert email["outcome"] == "skipped" and "no e-mail address" in email["detail"]
    # An unreachable webhook and SMTP server: recorded as failures, the request stands.
    closed = f"sqlite:///{tmp_path / 'y.sqlite'}"
    async with (
        running(
            closed,
            request_webhook_url="http://127.0.0.1:9/hook",
            request_webhook_timeout=2,
            request_smtp_host="127.0.0.1",
            request_smtp_port=9,
            request_smtp_timeout=2,
        ) as srv,
        srv.http() as client,
    ):
        answer = await submit(client, documents("acme-cardtxreport.jsonl"))
        assert answer.status_code == 201
        outcomes = {(n["channel"], n["outcome"]) for n in answer.json()["history"] if n["kind"] == "notification"}
        assert outcomes == {("history", "recorded"), ("webhook", "failed"), ("email", "failed")}


# -- refused uploads: a clear reason naming the file, nothing stored -----------------------------------------------
def _zip(name: str, content: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, content)
    return buffer.getvalue()


async def test_refused_uploads_store_nothing(db_url: str) -> None:
    log = (FIXTURES / "acme-cardtxreport.jsonl").read_bytes()
    bomb = _zip("huge.jsonl", b"\0" * (8 * 1024 * 1024))  # 8 MB of zeros in about 8 KB
    assert len(bomb) < 16384
    cases: list[tuple[list[tuple[str, bytes, str]], int, list[str]]] = [
        ([("huge.md", b"# notes\n" + b"x" * 20_000, "text/markdown")], 413, ["huge.md", "16384 bytes"]),
        ([("logs.zip", _zip("a.jsonl", log), "application/zip")], 415, ["logs.zip", "archives"]),
        ([("capture.jsonl", bomb, "application/octet-stream")], 415, ["capture.jsonl", "ZIP archive"]),
        ([("manual.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ngarbage", "application/pdf")], 422,
         ["manual.pdf", "not a readable PDF"]),
        ([("capture.pdf", log, "application/pdf")], 415, ["capture.pdf", "claims to be a PDF", "JSON"]),
        ([("capture.jsonl", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "image/png")], 415, ["capture.jsonl"]),
        ([("capture.jsonl", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "application/x-ndjson")], 415, ["capture.jsonl", "PNG"]),
        ([("capture.jsonl", b"this is prose, not a log\n", "application/x-ndjson")], 415,
         ["capture.jsonl", "claims to be JSON"]),
        ([("empty.jsonl", b"", "application/x-ndjson")], 422, ["empty.jsonl", "is empty"]),
        ([("setup.exe", b"MZ\x90\0\3\0", "application/octet-stream")], 415, ["setup.exe", "not accepted"]),
        ([("not-a-log.json", b'{"hello": "world"}', "application/json")], 422, ["not-a-log.json", "message log"]),
        # One bad file refuses the whole request, the good one is not kept either.
        ([("acme.jsonl", log, "application/x-ndjson"), ("broken.pdf", b"%PDF-1.4 nothing", "application/pdf")], 422,
         ["broken.pdf"]),
        ([], 422, ["at least one document"]),
    ]  # fmt: skip
    async with running(db_url, request_max_document_bytes=16384) as srv, srv.http() as client:
        for files, status, words in cases:
            answer = await submit(client, [("documents[]", f) for f in files])
            assert answer.status_code == status, (files[0][0] if files else None, answer.text)
            reason = answer.json()["detail"]
            for word in words:
                assert word in reason, (word, reason)
        not_multipart = await client.post("/api/requests", json={"requester": "x"})
        assert not_multipart.status_code == 415
        missing_field = await client.post(
            "/api/requests", data={"requester": REQUESTER, "charger": "A B"}, files=documents("acme-cardtxreport.jsonl")
        )
        assert missing_field.status_code == 422 and "terminal" in missing_field.json()["detail"]
        bad_version = await submit(client, documents("acme-cardtxreport.jsonl"), ocpp_version="1.5")
        assert bad_version.status_code == 422 and "ocpp_version" in bad_version.json()["detail"]
        assert (await client.get("/api/requests")).json()["items"] == []
        async with srv.services.db.read() as s:
            for table in (IntegrationRequest, RequestDocument, RequestHistoryEntry, FeatureRequest):
                assert await s.scalar(select(func.count()).select_from(table)) == 0, table.__tablename__


async def test_total_size_and_count_limits(tmp_path: Path) -> None:
    log = (FIXTURES / "acme-cardtxreport.jsonl").read_bytes()
    async with (
        running(f"sqlite:///{tmp_path / 'x.sqlite'}", request_max_total_bytes=len(log) * 2, request_max_documents=3)
        as srv,
        srv.http() as client,
    ):  # fmt: skip
        three = [("documents[]", (f"a{i}.jsonl", log, "application/x-ndjson")) for i in range(3)]
        too_big = await submit(client, three)
        assert too_big.status_code == 413 and "together" in too_big.json()["detail"]
        four = [("documents[]", (f"a{i}.jsonl", b"{}", "application/x-ndjson")) for i in range(4)]
        too_many = await submit(client, four)
        assert 400 <= too_many.status_code < 500
        assert (await client.get("/api/requests")).json()["items"] == []


async def test_requests_api_needs_the_token(tmp_path: Path) -> None:
    async with running(f"sqlite:///{tmp_path / 'x.sqlite'}", api_token="t0ken-for-tests") as srv:
        async with srv.http() as anonymous:
            assert (await anonymous.get("/api/requests")).status_code == 401
            assert (await anonymous.get("/api/feature-requests")).status_code == 401
            assert (await submit(anonymous, documents("acme-cardtxreport.jsonl"))).status_code == 401
        async with srv.http("t0ken-for-tests") as client:
            assert (await client.get("/api/requests")).status_code == 200
            schema = (await client.get("/openapi.json")).json()
        assert "multipart/form-data" in schema["paths"]["/api/requests"]["post"]["requestBody"]["content"]
        assert "/api/requests/{request_id}/decision" in schema["paths"] and "/api/feature-requests" in schema["paths"]


# -- the command line ------------------------------------------------------------------------------------------------
def test_cli_submit_list_show_decide(tmp_path: Path) -> None:
    runner = CliRunner()
    db = f"sqlite:///{tmp_path / 'cli.sqlite'}"

    def ocpay(*args: str) -> Any:
        return runner.invoke(cli_app, [*args, "--db", db], env={"COLUMNS": "250"})

    submitted = ocpay(
        "requests", "submit", str(FIXTURES / "unknown-vendor.jsonl"), str(FIXTURES / "keren-payment-integration.md"),
        "--requester", REQUESTER, "--charger", "Voltaro V50", "--terminal", "VoltPay T1", "--ocpp-version", "1.6",
        "--json",
    )  # fmt: skip
    assert submitted.exit_code == 0, submitted.output
    detail = json.loads(submitted.output)
    assert detail["status"] == "feature_requested" and len(detail["documents"]) == 2
    request_id = str(detail["id"])

    listed = ocpay("requests", "list")
    assert listed.exit_code == 0 and "Voltaro V50" in listed.output and "feature_requ" in listed.output
    shown = ocpay("requests", "show", request_id)
    assert shown.exit_code == 0, shown.output
    assert "unknown_message" in shown.output and "feature request" in shown.output
    for secret in SECRETS:
        assert secret not in shown.output and secret not in submitted.output

    early = ocpay("requests", "decide", request_id, "--feature-status", "released")
    assert early.exit_code == 1 and "in_development" in early.output
    moved = ocpay("requests", "decide", request_id, "--feature-status", "in_development")
    assert moved.exit_code == 0 and "in_development" in moved.output
    rejected = ocpay("requests", "decide", request_id, "--reject", "budget cut")
    assert rejected.exit_code == 0 and "rejected" in rejected.output
    final = json.loads(ocpay("requests", "show", request_id, "--json").output)
    assert final["reject_reason"] == "budget cut" and final["feature_request"]["status"] == "withdrawn"

    second = ocpay(
        "requests", "submit", str(FIXTURES / "acme-cardtxreport.jsonl"),
        "--requester", REQUESTER, "--charger", "Voltaro V50", "--terminal", "VoltPay T1",
    )  # fmt: skip
    assert second.exit_code == 0 and "compatible" in second.output
    overridden = ocpay("requests", "decide", "2", "--verdict", "supported", "--note", "catalog entry added")
    assert overridden.exit_code == 0 and "supported" in overridden.output
    no_note = ocpay("requests", "decide", "2", "--verdict", "compatible")
    assert no_note.exit_code == 2 and "note" in no_note.output

    refused = ocpay(
        "requests", "submit", str(Path(__file__)), "--requester", REQUESTER, "--charger", "A B", "--terminal", "C D",
    )  # fmt: skip
    assert refused.exit_code == 2 and "test_requests.py" in refused.output and ".py" in refused.output
    missing = ocpay("requests", "show", "99")
    assert missing.exit_code == 1 and "no integration request 99" in missing.output
    assert len(json.loads(ocpay("requests", "list", "--json").output)) == 2


async def test_stored_documents_keep_no_payment_identifier_in_clear(db_url: str) -> None:
    from tests.payment_flows import stored_anywhere

    names = [
        p.name for p in FIXTURES.iterdir() if p.is_file() and any(s in p.read_text(errors="replace") for s in SECRETS)
    ]
    assert names, "the fixtures carry payment identifiers to hide"
    async with running(db_url) as srv, srv.http() as api:
        response = await submit(api, documents(*names))
        assert response.status_code == 201, response.text
        detail = (await api.get(f"/api/requests/{response.json()['id']}")).json()
    assert {d["name"] for d in detail["documents"]} == set(names)
    for secret in SECRETS:
        assert await stored_anywhere(db_url, secret) == [], secret
