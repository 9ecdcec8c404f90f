"""Open mode (no API token) is for a server on one's own machine; with tokens, the documents and the console
session follow the API's rule. What a browser on another site, or behind a rebinding DNS name, can do."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from ocpp.v16 import ChargePoint as ChargePoint16
from typer.testing import CliRunner

from ocpay.api.auth import COOKIE
from ocpay.app.config import Settings
from ocpay.app.runtime import CentralSystem
from ocpay.cli.main import app as cli_app
from tests.helpers import running, station

DOCUMENTS = ("/docs", "/redoc", "/openapi.json")


@contextlib.asynccontextmanager
async def central_system(db: str, **settings: Any) -> AsyncIterator[CentralSystem]:
    """A server started as `ocpay serve` would be, with the given settings (ports chosen by the system)."""
    system = CentralSystem(Settings(ocpp_port=0, http_port=0, db=db, **settings))
    await system.start()
    try:
        yield system
    finally:
        await system.stop()


def _listening_on(system: CentralSystem) -> str:
    assert system._http is not None
    return str(system._http.servers[0].sockets[0].getsockname()[0])


async def _add_token(db: str, name: str, role: str = "admin") -> str:
    def run() -> str:
        result = CliRunner().invoke(cli_app, ["api-tokens", "add", name, "--role", role, "--db", db])
        assert result.exit_code == 0, result.stderr
        return result.stdout.strip()

    return await asyncio.to_thread(run)


async def test_without_a_token_the_http_api_listens_on_loopback_only_unless_told_otherwise(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'bind.sqlite'}"
    async with central_system(db, host="0.0.0.0") as system:
        assert system.gateway is not None and system.gateway._server is not None
        assert _listening_on(system) == "127.0.0.1"  # the API and the console: this machine only
        assert system.gateway._server.sockets[0].getsockname()[0] == "0.0.0.0"  # stations: the network
    async with central_system(db, host="0.0.0.0", http_host="0.0.0.0") as system:
        assert _listening_on(system) == "0.0.0.0"  # the operator said so
    async with central_system(db, host="0.0.0.0", api_token="an-operator-secret-1234") as system:
        assert _listening_on(system) == "0.0.0.0"  # with a token, where the stations' server listens


async def test_a_page_behind_a_rebinding_dns_name_gets_no_answer_in_open_mode(tmp_path: Path) -> None:
    async with running(f"sqlite:///{tmp_path / 'rebind.sqlite'}") as srv, srv.http() as api:
        assert (await api.post("/api/stations", json={"id": "CP-HOME"})).status_code == 201
        port = srv.system.http_port
        # evil.example resolves to 127.0.0.1 now: the page's own origin, so the cross-site check alone passes
        rebound = {"Host": f"evil.example:{port}", "Origin": f"http://evil.example:{port}"}
        for method, url, body in [
            ("POST", "/api/stations", {"id": "CP-EVIL"}),
            ("DELETE", "/api/stations/CP-HOME", None),
            ("GET", "/api/stations", None),
            ("GET", "/console/", None),
            ("GET", "/docs", None),
        ]:
            refused = await api.request(method, url, json=body, headers=rebound)
            assert refused.status_code == 400, (method, url)
            assert "does not answer to host" in refused.text
        stations = (await api.get("/api/stations")).json()["items"]
        assert [s["id"] for s in stations] == ["CP-HOME"]
        for host in (f"localhost:{port}", f"[::1]:{port}", f"127.0.0.1:{port}"):
            assert (await api.get("/api/stations", headers={"Host": host})).status_code == 200


async def test_the_allow_list_admits_the_names_the_operator_gives(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'names.sqlite'}"
    async with running(db, allowed_hosts=["ocpay.lan"]) as srv, srv.http() as api:
        assert (await api.get("/api/stations", headers={"Host": "ocpay.lan:8080"})).status_code == 200
        assert (await api.get("/api/stations", headers={"Host": "evil.example"})).status_code == 400
    # with a token, the list holds when given, and any name is answered when not
    async with running(db, api_token="an-operator-secret-1234", allowed_hosts=["ocpay.lan"]) as srv:
        async with srv.http("an-operator-secret-1234") as api:
            assert (await api.get("/api/stations", headers={"Host": "evil.example"})).status_code == 400
    async with running(db, api_token="an-operator-secret-1234") as srv:
        async with srv.http("an-operator-secret-1234") as api:
            assert (await api.get("/api/stations", headers={"Host": "ocpay.example.com"})).status_code == 200


async def test_the_api_documents_follow_the_apis_rule(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'docs.sqlite'}"
    async with running(db) as srv, srv.http() as anonymous:  # open mode: open
        for url in DOCUMENTS:
            assert (await anonymous.get(url)).status_code == 200, url
        assert "/api/stations" in (await anonymous.get("/openapi.json")).json()["paths"]
    secret = await _add_token(db, "reader", "read-only")
    async with running(db) as srv:
        async with srv.http() as anonymous:
            for url in DOCUMENTS:
                refused = await anonymous.get(url)
                assert refused.status_code == 401 and refused.json() == {"detail": "a valid bearer token is required"}
        async with srv.http(secret) as api:
            for url in DOCUMENTS:
                assert (await api.get(url)).status_code == 200, url
        async with srv.http() as browser:  # signed in to the console: the documents open in the browser
            await _login(browser, secret)
            for url in DOCUMENTS:
                assert (await browser.get(url)).status_code == 200, url


async def _login(client: httpx.AsyncClient, secret: str) -> str:
    response = await client.post("/console/login", data={"token": secret, "next": "/console/"})
    assert response.status_code == 303 and response.headers["location"] == "/console/"
    cookie = client.cookies.get(COOKIE)
    assert cookie
    return cookie


async def test_logout_ends_the_session_on_every_node_not_only_in_this_browser(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'logout.sqlite'}"
    secret = await _add_token(db, "ops")
    async with running(db) as node_a, running(db) as node_b:
        async with node_a.http() as browser, node_a.http() as elsewhere:
            cookie = await _login(browser, secret)
            other = await _login(elsewhere, secret)
            assert (await browser.get("/console/")).status_code == 200
            logout = await browser.post("/console/logout")
            assert logout.status_code == 303 and logout.headers["location"] == "/console/login"
            assert COOKIE not in browser.cookies
        for node in (node_a, node_b):
            for kept in (cookie, other):  # a copy of the cookie, kept by whoever stole it; the token's other session
                async with node.http() as replay:
                    replay.cookies.set(COOKIE, kept)
                    page = await replay.get("/console/")
                    assert page.status_code == 303 and page.headers["location"].startswith("/console/login")
                    assert (await replay.get("/openapi.json")).status_code == 401
        async with node_b.http() as browser:  # a new login works, on any node
            await _login(browser, secret)
            assert (await browser.get("/console/")).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Referer": "https://evil.example/phish.html"},
    ],
)
async def test_a_login_posted_from_another_sites_page_is_refused(tmp_path: Path, headers: dict[str, str]) -> None:
    db = f"sqlite:///{tmp_path / 'csrf.sqlite'}"
    secret = await _add_token(db, "ops")
    async with running(db) as srv, srv.http() as browser:
        forged = await browser.post("/console/login", data={"token": secret}, headers=headers)
        assert forged.status_code == 403 and COOKIE not in browser.cookies
        assert "another site" in forged.text
        await _login(browser, secret)
        assert (await browser.post("/console/logout", headers=headers)).status_code == 403  # no forced logout
        assert (await browser.get("/console/")).status_code == 200


async def test_a_command_argument_the_station_cannot_take_is_refused_in_words(tmp_path: Path) -> None:
    async with running(f"sqlite:///{tmp_path / 'cmd.sqlite'}", open_registration=True) as srv, srv.http() as api:
        async with station(srv, "CP-16", "1.6", ChargePoint16):
            await asyncio.sleep(0.1)
            response = await api.post("/api/stations/CP-16/commands/remote-stop", json={"transaction_id": "abc"})
        assert response.status_code == 422
        assert response.json() == {"detail": "transaction_id: OCPP 1.6 transaction ids are whole numbers, not 'abc'"}
