"""Uploads never stop the server: hostile documents are read off the event loop, on a clock, within bounds.

A station beside the upload keeps its Heartbeats answered within 100 ms; the hostile document gets a
clear refusal naming the file; the next normal upload works. Bodies over the limit are refused while
they stream; a huge log keeps a small assessment.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection

from ocpay.store.models import IntegrationRequest
from tests.helpers import Running, raw_call, running
from tests.unit.assessment.corpus import alias_bomb, many_page_pdf

FIXTURES = Path(__file__).parents[1] / "fixtures" / "assessment"
FIELDS = {"requester": "Ops <ops@cpo.example>", "charger": "Voltaro V50", "terminal": "VoltPay T1"}


def document(name: str, content: bytes, media_type: str = "application/octet-stream") -> Any:
    return [("documents[]", (name, content, media_type))]


async def slowest_heartbeat_while(ws: ClientConnection, work: asyncio.Task[Any]) -> float:
    """Heartbeats one after another until `work` is done; the slowest answer's time in seconds."""
    slowest, n = 0.0, 0
    while not work.done():
        n += 1
        started = time.perf_counter()
        reply = await raw_call(ws, [2, f"hb-{n}", "Heartbeat", {}])
        assert reply[0] == 3, reply
        slowest = max(slowest, time.perf_counter() - started)
        await asyncio.sleep(0.02)
    assert n >= 3, "the upload was over before the station could be measured"
    return slowest


@pytest.fixture
async def reader_server(tmp_path: Path) -> AsyncIterator[Running]:
    """A server whose readers give each document one second."""
    async with running(f"sqlite:///{tmp_path / 'x.sqlite'}", open_registration=True, request_read_seconds=1) as srv:
        yield srv


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("manual.pdf", many_page_pdf(500, 120), ["manual.pdf", "took longer than 1 s to read"]),
        ("vendor.yaml", alias_bomb(9), ["vendor.yaml", "expands to more than"]),
        ("log.jsonl", b'{"direction": "to_csms", "message": ' + b"[" * 50_000 + b"}\n", ["log.jsonl", "deeper than"]),
    ],
    ids=["500-page-pdf", "yaml-alias-bomb", "deep-json"],
)
async def test_a_hostile_document_is_refused_and_stations_are_answered_meanwhile(
    reader_server: Running, name: str, content: bytes, words: list[str]
) -> None:
    async with reader_server.connect("CP-BESIDE", "2.0.1") as ws, reader_server.http() as client:
        await raw_call(ws, [2, "hb-0", "Heartbeat", {}])
        upload = asyncio.create_task(client.post("/api/requests", data=FIELDS, files=document(name, content)))
        slowest = await slowest_heartbeat_while(ws, upload)
        refused = upload.result()
        assert refused.status_code == 422, refused.text
        for word in words:
            assert word in refused.json()["detail"], (word, refused.json())
        assert slowest < 0.1, slowest

        log = (FIXTURES / "acme-cardtxreport.jsonl").read_bytes()
        normal = await client.post("/api/requests", data=FIELDS, files=document("acme.jsonl", log))
        assert normal.status_code == 201, normal.text
        assert normal.json()["dialect"] == "com.dbt.cardtxreport"


async def test_a_reader_killed_meanwhile_does_not_wedge_later_uploads(reader_server: Running) -> None:
    log = (FIXTURES / "acme-cardtxreport.jsonl").read_bytes()
    slow = many_page_pdf(500, 120)
    async with reader_server.http() as client:
        # Both readers busy with slow documents, a third upload waiting for one of them.
        answers = await asyncio.gather(
            *(client.post("/api/requests", data=FIELDS, files=document(f"slow-{n}.pdf", slow)) for n in range(2)),
            client.post("/api/requests", data=FIELDS, files=document("acme.jsonl", log)),
        )
        assert [a.status_code for a in answers] == [422, 422, 201], [a.text for a in answers]
        assert "slow-0.pdf" in answers[0].json()["detail"] and "slow-1.pdf" in answers[1].json()["detail"]
        for worker in reader_server.services.requests.readers._busy:
            worker.kill()  # nothing busy is left, and a reader killed from outside is replaced too
        idle = [w for w in list(reader_server.services.requests.readers._idle._queue) if w is not None]
        for worker in idle:
            worker.process.kill()
            worker.process.join()
        again = await client.post("/api/requests", data=FIELDS, files=document("acme.jsonl", log))
        assert again.status_code == 201, again.text


# -- bodies over the limit are refused while they stream ------------------------------------------------------
class Body:
    """A chunked multipart body of `total` bytes, counting what the client could send."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        head = (
            b'--b\r\nContent-Disposition: form-data; name="requester"\r\n\r\nOps\r\n'
            b'--b\r\nContent-Disposition: form-data; name="documents[]"; filename="big.txt"\r\n'
            b"Content-Type: text/plain\r\n\r\n"
        )
        yield head
        chunk = b"x" * 65536
        while self.sent < self.total:
            self.sent += len(chunk)
            yield chunk
        yield b"\r\n--b--\r\n"


HEADERS = {"Content-Type": "multipart/form-data; boundary=b"}


@pytest.mark.parametrize("path", ["/api/requests", "/console/requests"])
async def test_a_chunked_body_over_the_limit_is_refused_before_it_is_read(tmp_path: Path, path: str) -> None:
    limit = 1024 * 1024
    async with running(f"sqlite:///{tmp_path / 'x.sqlite'}", request_max_total_bytes=limit) as srv:
        body = Body(300 * 1024 * 1024)
        async with httpx.AsyncClient(base_url=srv.http_url, timeout=30) as client:
            try:
                answer = await client.post(path, content=body, headers=HEADERS)
            except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError):
                answer = None  # the server answered and closed while the body was still coming: cut short
        assert body.sent < 20 * limit, body.sent  # stopped early, not after 300 MB
        if answer is not None:
            assert "content-length" not in {k.lower() for k in answer.request.headers}  # chunked
            assert answer.status_code in (303, 413), answer.text
        async with srv.services.db.read() as s:
            assert (await s.get(IntegrationRequest, 1)) is None


@pytest.mark.parametrize(("path", "refusal"), [("/api/requests", b"413"), ("/console/requests", b"303")])
async def test_the_refusal_of_a_chunked_body_arrives_while_it_is_sent(
    tmp_path: Path, path: str, refusal: bytes
) -> None:
    limit = 1024 * 1024
    async with running(f"sqlite:///{tmp_path / 'x.sqlite'}", request_max_total_bytes=limit) as srv:
        reader, writer = await asyncio.open_connection("127.0.0.1", srv.system.http_port)
        writer.write(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
            f"Content-Type: {HEADERS['Content-Type']}\r\n\r\n".encode()
        )
        answer = asyncio.create_task(reader.readuntil(b"\r\n\r\n"))
        sent = 0
        async for chunk in Body(300 * 1024 * 1024):
            if answer.done():
                break
            try:
                writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                await writer.drain()
            except ConnectionError:
                break
            sent += len(chunk)
        try:
            head: bytes | None = await asyncio.wait_for(answer, 10)
        except (ConnectionError, asyncio.IncompleteReadError):
            head = None  # the server closed with our body unread: TCP may reset away its answer
        writer.close()
    assert sent < 20 * limit, sent  # the server stopped taking the body early, not after 300 MB
    if head is not None:
        assert head.split(b" ")[1] == refusal, head
        assert b"bytes%20accepted" in head or refusal == b"413"


# -- a huge log keeps a small assessment -------------------------------------------------------------------------
def huge_log(broken_lines: int, messages: int) -> bytes:
    """A log of many unreadable lines and many different unknown DataTransfer messages."""
    lines = []
    for n in range(messages):
        frame = [2, f"m{n}", "DataTransfer", {"vendorId": "Acme", "messageId": f"Msg{n}", "data": json.dumps({"n": n})}]
        lines.append(json.dumps({"direction": "to_csms", "message": frame}).encode())
    return b"\n".join(lines + [b"not json"] * broken_lines) + b"\n"


async def test_a_huge_log_stores_and_returns_a_small_assessment(tmp_path: Path) -> None:
    log = huge_log(broken_lines=400_000, messages=3_000)
    assert len(log) > 3_000_000
    async with (
        running(f"sqlite:///{tmp_path / 'x.sqlite'}") as srv,
        httpx.AsyncClient(base_url=srv.http_url, timeout=120) as client,
    ):
        answer = await client.post("/api/requests", data=FIELDS, files=document("capture.jsonl", log))
        assert answer.status_code == 201, answer.text[:500]
        shown = await client.get(f"/api/requests/{answer.json()['id']}")
    detail = shown.json()
    assert len(shown.content) < 200_000, len(shown.content)  # the gaps are shown three times (with the feature)
    source = detail["assessment"]["source"]
    assert source["messages"] == 3_000  # counts are exact
    assert source["problems_total"] == 400_000 and len(source["problems"]) == 50
    assert source["problems"][0]["reason"].startswith("not JSON")
    assert detail["assessment"]["gaps_total"] >= 3_000 and len(detail["gaps"]) == 50
    customs = detail["assessment"]["message_set"]
    assert customs["custom_messages_total"] == 3_000 and len(customs["custom_messages"]) == 50
