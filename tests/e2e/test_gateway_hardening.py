"""One frame, one socket or one attacker must never stop the server: the connection side (issue 10).

Real server, real sockets on loopback; every loop is bounded.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner
from websockets.client import ClientProtocol
from websockets.exceptions import InvalidStatus
from websockets.typing import Subprotocol
from websockets.uri import parse_uri

from ocpay.cli.main import app
from tests.e2e.test_bad_input import PASSWORD, heartbeat_is_answered
from tests.helpers import Running, raw_call, running

# -- station identities -------------------------------------------------------------------------------

# As they appear in the URL path: percent-encoded where a URL needs it.
BAD_IDENTITIES = {
    "newline": "CP%0AINFO%20forged%20line",
    "crlf": "CP%0D%0AX",
    "nul": "CP%00NUL",
    "bidi": "CP%E2%80%AEevil",
    "dots": "..",
    "colon": "CP:1",
    "space": "CP%201",
    "too long": "A" * 49,
    "non-ascii": "Lades%C3%A4ule",
}


@pytest.mark.parametrize("name", list(BAD_IDENTITIES))
async def test_a_station_identity_ocpp_does_not_allow_is_refused_at_the_handshake(
    server: Running, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="ocpay.gateway")
    with pytest.raises(InvalidStatus) as refused:
        async with server.connect(BAD_IDENTITIES[name], "1.6"):
            pass
    assert refused.value.response.status_code == 400  # on PostgreSQL too: NUL was a 500 before
    async with server.http() as api:
        assert (await api.get("/api/stations")).json()["total"] == 0  # open registration registered nothing
    lines = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert len(lines) == 1 and "\n" not in lines[0] and "\r" not in lines[0] and "\x00" not in lines[0]
    assert "\u202e" not in lines[0]


async def test_the_api_applies_the_same_identity_rule(server: Running) -> None:
    async with server.http() as api:
        for bad in ["CP\nX", "CP\x00X", "..", "CP:1", "A" * 49, "CP\u202eX"]:
            assert (await api.post("/api/stations", json={"id": bad})).status_code == 422, repr(bad)
            response = await api.get("/api/sessions", params={"station_id": bad})
            assert response.status_code == 422 and "detail" in response.json()
        assert (await api.get("/api/stations/CP%00X")).status_code == 422
        assert (await api.post("/api/stations", json={"id": "CP-OK.1"})).status_code == 201
        assert (await api.get("/api/stations/CP-OK.1")).status_code == 200


def test_the_cli_applies_the_same_identity_rule(tmp_path: Path) -> None:
    runner, db = CliRunner(), f"sqlite:///{tmp_path / 'cli.sqlite'}"
    for bad in ["CP\nX", "CP\x00X", "..", "CP:1", "A" * 49, "CP\u202eX", "CP/1"]:
        result = runner.invoke(app, ["stations", "add", bad, "--db", db])
        assert result.exit_code == 2 and "identity" in result.output, repr(bad)
    assert runner.invoke(app, ["stations", "add", "CP-OK.1", "--db", db]).exit_code == 0
    listed = runner.invoke(app, ["stations", "list", "--json", "--db", db])
    assert [x["id"] for x in json.loads(listed.output)] == ["CP-OK.1"]


# -- failed logins --------------------------------------------------------------------------------------


async def refused_status(srv: Running, station_id: str, password: str | None) -> int:
    with pytest.raises(InvalidStatus) as refused:
        async with srv.connect(station_id, "1.6", password=password):
            pass
    return refused.value.response.status_code


async def test_failed_logins_slow_the_attacker_per_station_and_are_logged_and_counted(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="ocpay.gateway")
    settings = {"login_failures_per_station": 3, "login_failures_per_source": 100}
    async with running(f"sqlite:///{tmp_path / 'ocpay.sqlite'}", **settings) as srv:
        await srv.services.stations.add("CP-VICTIM", password=PASSWORD)
        await srv.services.stations.add("CP-OTHER", password=PASSWORD)
        assert [await refused_status(srv, "CP-VICTIM", f"guess-number-{n:04}") for n in range(3)] == [401] * 3
        assert await refused_status(srv, "CP-VICTIM", "guess-number-0004") == 429
        assert await refused_status(srv, "CP-VICTIM", PASSWORD) == 429  # until the window has passed
        async with srv.connect("CP-OTHER", "1.6", password=PASSWORD) as ws:  # other stations are not affected
            await heartbeat_is_answered(ws)
        async with srv.http() as api:
            metrics = (await api.get("/metrics")).text
    assert 'ocpay_failed_logins_total{reason="bad_credentials"}' in metrics
    assert 'ocpay_failed_logins_total{reason="throttled"}' in metrics
    assert "CP-VICTIM" not in metrics and "guess-number" not in metrics  # no station ids, no passwords
    lines = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert len(lines) == 4  # each failure, and the first throttled attempt of this source
    assert all("CP-VICTIM" in x and "127.0.0.1" in x and "guess-number" not in x for x in lines)


async def test_failed_logins_from_one_source_slow_it_down_for_every_identity(tmp_path: Path) -> None:
    settings = {"login_failures_per_station": 100, "login_failures_per_source": 4, "open_registration": False}
    async with running(f"sqlite:///{tmp_path / 'ocpay.sqlite'}", **settings) as srv:
        statuses = [await refused_status(srv, f"CP-GUESS-{n}", None) for n in range(5)]
        assert statuses == [404, 404, 404, 404, 429]  # guessing identities counts too


async def test_a_brute_force_does_not_hold_up_other_stations(sqlite_server: Running) -> None:
    """scrypt runs in worker threads: another station's Heartbeats stay quick meanwhile."""
    await sqlite_server.services.stations.add("CP-TARGET", password=PASSWORD)

    async def guess(n: int) -> None:
        with pytest.raises(InvalidStatus):
            async with sqlite_server.connect("CP-TARGET", "1.6", password=f"guess-number-{n:04}"):
                pass

    async with sqlite_server.connect("CP-BUSY", "2.0.1") as ws:
        await heartbeat_is_answered(ws, "hb-first")  # CALL ids are never reused on a connection
        attack = asyncio.gather(*(guess(n) for n in range(12)))
        slowest = 0.0
        for n in range(20):
            started = time.perf_counter()
            await heartbeat_is_answered(ws, f"hb-{n}")
            slowest = max(slowest, time.perf_counter() - started)
        await attack
    assert slowest < 0.5, slowest  # each scrypt on the loop would add up (12 x ~50 ms)


# -- the rate of CALLs --------------------------------------------------------------------------------


async def test_calls_beyond_the_rate_wait_and_every_one_is_answered(tmp_path: Path) -> None:
    settings = {"ocpp_frame_rate": 20, "ocpp_frame_burst": 5, "open_registration": True}
    async with running(f"sqlite:///{tmp_path / 'ocpay.sqlite'}", **settings) as srv:
        async with srv.connect("CP-FAST", "1.6") as ws:
            started = time.perf_counter()
            for n in range(25):  # pipelined: the station does not wait for answers
                await ws.send(json.dumps([2, f"hb-{n}", "Heartbeat", {}]))
            answers = [json.loads(await asyncio.wait_for(ws.recv(), 5)) for _ in range(25)]
            elapsed = time.perf_counter() - started
        assert [a[:2] for a in answers] == [[3, f"hb-{n}"] for n in range(25)]  # no CALLERROR: all answered
        assert elapsed >= 0.9  # 5 at once, then 20 at 20 a second


async def test_the_default_rate_does_not_slow_a_station_that_waits_for_its_answers(sqlite_server: Running) -> None:
    async with sqlite_server.connect("CP-NORMAL", "2.0.1") as ws:
        started = time.perf_counter()
        for n in range(300):
            reply = await raw_call(ws, [2, f"hb-{n}", "Heartbeat", {}])
            assert reply[0] == 3
    assert time.perf_counter() - started < 10


# -- deep frames ------------------------------------------------------------------------------------------


def deep(levels: int) -> Any:
    value: Any = {}
    for _ in range(levels - 1):
        value = {"k": value}
    return value


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_a_deep_data_transfer_is_refused_and_nothing_breaks_afterwards(
    server: Running, version: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="ocpay")
    async with server.connect(f"CP-DEEP-{version}", version) as ws:
        for n, levels in enumerate([300, 500, 300, 500]):
            reply = await raw_call(ws, [2, f"dt-{n}", "DataTransfer", {"vendorId": "X", "data": deep(levels)}])
            assert reply[:3] == [4, f"dt-{n}", "FormatViolation"]
        await heartbeat_is_answered(ws)  # the connection stays
    async with server.http() as api:
        response = await api.get("/api/unrecognised-messages")
        assert response.status_code == 200 and response.json()["total"] == 0
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert text.count("broken frame") == 1  # once per station and kind, not once per frame
    assert "Traceback" not in caplog.text and len(caplog.text) < 5000


async def test_a_2x_frame_deeper_than_the_parser_goes_gets_rpc_framework_error(sqlite_server: Running) -> None:
    async with sqlite_server.connect("CP-BRACKETS", "2.1") as ws:
        reply = await raw_call(ws, "[" * 20_000)
        assert reply[:3] == [4, "-1", "RpcFrameworkError"]
        await heartbeat_is_answered(ws)


# -- clients that never read -----------------------------------------------------------------------------


async def never_reading_station(port: int, station_id: str, frames: int) -> str:
    """Connect as `station_id`, then send up to `frames` CALLs without reading a byte; how it ended.

    "dropped": the server cut the connection; "stuck": our sends could not go on for 20 s (the server
    stopped reading us but kept the socket); "done": everything went out.
    The CALLs name an action nobody handles, 250 characters long: each answer is a CALLERROR of 300 bytes
    that says so, and they pile up beyond what the kernel buffers hold (4 MB at most).
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a small window: the server's sends block soon
    sock.connect(("127.0.0.1", port))
    sock.setblocking(False)
    reader, writer = await asyncio.open_connection(sock=sock, limit=1024)
    protocol = ClientProtocol(
        parse_uri(f"ws://127.0.0.1:{port}/ocpp/{station_id}"), subprotocols=[Subprotocol("ocpp2.0.1")]
    )
    protocol.send_request(protocol.connect())
    writer.write(b"".join(protocol.data_to_send()))
    protocol.receive_data(await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5))
    assert protocol.handshake_exc is None, protocol.handshake_exc
    try:
        for n in range(frames):
            protocol.send_text(json.dumps([2, f"m-{n}", "X" * 250, {}]).encode())
            writer.write(b"".join(protocol.data_to_send()))
            await asyncio.wait_for(writer.drain(), 20)
            if writer.transport.is_closing():
                return "dropped"
    except ConnectionError:
        return "dropped"
    except TimeoutError:
        return "stuck"
    finally:
        writer.transport.abort()
    return "done"


async def test_stations_that_never_read_are_dropped_and_others_keep_connecting(tmp_path: Path) -> None:
    settings = {
        "ocpp_send_timeout": 1,
        "ocpp_write_limit": 16 * 1024,
        "ocpp_frame_rate": 0,  # as fast as they can, to fill the buffers quickly
        "open_registration": True,
    }
    async with running(f"sqlite:///{tmp_path / 'ocpay.sqlite'}", **settings) as srv:
        assert srv.system.gateway is not None
        port = srv.system.gateway.port
        attackers = [asyncio.create_task(never_reading_station(port, f"CP-DEAF-{n}", 40_000)) for n in range(5)]
        try:
            for n in range(10):  # meanwhile, new stations connect and are answered promptly
                started = time.perf_counter()
                async with srv.connect(f"CP-GOOD-{n}", "2.0.1") as ws:
                    await heartbeat_is_answered(ws)
                assert time.perf_counter() - started < 3
                await asyncio.sleep(0.2)
            outcomes = await asyncio.wait_for(asyncio.gather(*attackers), 60)
        finally:
            for task in attackers:
                task.cancel()
        assert outcomes == ["dropped"] * 5  # the server cut each deaf station off (1 s after its sends stalled)
        for _ in range(50):
            if not any(x.startswith("CP-DEAF") for x in srv.system.gateway.connections):
                break
            await asyncio.sleep(0.1)
        assert not any(x.startswith("CP-DEAF") for x in srv.system.gateway.connections)
