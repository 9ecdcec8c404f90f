"""The operator console in a real browser: Debian's Chromium driven by Playwright, against a live ocpay
with simulated stations.

Set OCPAY_SCREENSHOTS=docs/screenshots to refresh the README's screenshots (by default they go to a
temporary directory, so a test run changes nothing in the repository).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from ocpay.integrations.catalog import Catalog
from ocpay.integrations.dialects import DialectSet
from ocpay.simulator.run import profiles, register, simulate
from ocpay.simulator.station import Options, SimulatedStation
from tests.helpers import Running, running

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
playwright_api = pytest.importorskip("playwright.async_api")

TOKEN = "console-admin-token-for-tests"
FIXTURES = Path(__file__).parents[1] / "fixtures" / "assessment"
ENTRY = "alpitronic-hyc-worldline-valina"
DIALECTS = DialectSet.load()
CATALOG = Catalog.load(DIALECTS)
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    target = Path(os.environ.get("OCPAY_SCREENSHOTS") or tmp_path / "screenshots")
    target.mkdir(parents=True, exist_ok=True)
    return target


@pytest.fixture
async def srv(tmp_path: Path) -> AsyncIterator[Running]:
    async with running(f"sqlite:///{tmp_path / 'console.sqlite'}", api_token=TOKEN) as server:
        yield server


@pytest.fixture
async def page(srv: Running) -> AsyncIterator[Any]:
    async with playwright_api.async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = await browser.new_context(viewport={"width": 1400, "height": 900}, base_url=srv.http_url)
            context.set_default_timeout(15_000)
            yield await context.new_page()
        finally:
            await browser.close()


async def login(page: Any) -> None:
    await page.goto("/console/")
    assert "/console/login" in page.url  # the console needs a token
    await page.fill("input[name=token]", "not-the-token")
    await page.click("button[type=submit]")
    await playwright_api.expect(page.get_by_role("alert")).to_contain_text("not valid")
    await page.fill("input[name=token]", TOKEN)
    await page.click("button[type=submit]")
    await playwright_api.expect(page.locator("h1")).to_have_text("Dashboard")


def fleet(stations: int = 1) -> list[Any]:
    return profiles(CATALOG, DIALECTS, stations=stations, entry_id=ENTRY)


@contextlib.asynccontextmanager
async def booted(srv: Running, profile: Any, options: Options | None = None) -> AsyncIterator[SimulatedStation]:
    station = SimulatedStation(srv.ocpp_url, profile, options or Options(), random.Random(5))
    await station.boot()
    try:
        yield station
    finally:
        await station.close()


async def test_login_and_a_station_comes_online_without_reloading(srv: Running, page: Any, shots: Path) -> None:
    profile = fleet()[0]
    await register(srv.http_url, TOKEN, [profile], rfid_tokens=3)
    await login(page)
    row = page.locator(f"[data-testid=stations] tr[data-station='{profile.station_id}']")
    await playwright_api.expect(row).to_contain_text("offline")
    await page.evaluate("window.notReloaded = true")

    async with booted(srv, profile):
        await playwright_api.expect(row).to_contain_text("online", timeout=10_000)
        await playwright_api.expect(page.get_by_test_id("stations-online")).to_have_text("1")
        assert await page.evaluate("window.notReloaded") is True  # live update, not a reload
        await page.screenshot(path=str(shots / "dashboard.png"), full_page=True)

        await row.get_by_role("link", name=profile.station_id).click()
        await playwright_api.expect(page.get_by_test_id("station-state")).to_contain_text("online")
        await playwright_api.expect(page.get_by_test_id("connectors")).to_contain_text("Available")
        await playwright_api.expect(page.get_by_test_id("health")).to_be_visible()

    await playwright_api.expect(page.get_by_test_id("station-state")).to_contain_text("offline", timeout=10_000)
    await playwright_api.expect(page.get_by_test_id("connectors")).to_contain_text("Unknown")
    await playwright_api.expect(page.get_by_test_id("connectors")).to_contain_text("last reported Available")


async def test_follow_a_card_session_to_its_payment_timeline(srv: Running, page: Any, shots: Path) -> None:
    stations = fleet()
    await register(srv.http_url, TOKEN, stations, rfid_tokens=3)
    summary = await simulate(
        srv.ocpp_url, stations, sessions=2, options=Options(card_ratio=1.0, decline_ratio=0.0), seed=11
    )
    assert [o.result for o in summary.outcomes] == ["ok", "ok"], summary.outcomes
    async with booted(srv, stations[0]):
        await login(page)
        await playwright_api.expect(page.get_by_test_id("card-sessions-today")).to_have_text("2")
        await page.click("nav >> text=Sessions")
        first = page.get_by_test_id("sessions").locator("tbody tr").first
        await playwright_api.expect(first).to_contain_text("card")
        await first.locator("a").first.click()
        timeline = page.get_by_test_id("timeline")
        await playwright_api.expect(timeline).to_contain_text("session started")
        await playwright_api.expect(timeline).to_contain_text("authorized")
        await playwright_api.expect(timeline).to_contain_text("settled")
        await playwright_api.expect(timeline).to_contain_text("session ended")
        await playwright_api.expect(page.get_by_test_id("payment-summary")).to_contain_text("EUR")
        await page.screenshot(path=str(shots / "session.png"), full_page=True)

        await page.get_by_role("link", name=stations[0].station_id).first.click()
        events = page.get_by_test_id("payment-events")
        await playwright_api.expect(events).to_contain_text("settled")
        await page.screenshot(path=str(shots / "station.png"), full_page=True)

    await page.goto(f"/console/catalog/{ENTRY}")
    await playwright_api.expect(page.get_by_test_id("setup-guide")).to_be_visible()
    assert await page.locator("[data-testid=setup-guide] h2, [data-testid=setup-guide] li").count() > 1
    await page.screenshot(path=str(shots / "catalog-entry.png"), full_page=True)


async def test_submit_an_integration_request_with_a_log_and_read_its_verdict(
    srv: Running, page: Any, shots: Path
) -> None:
    await login(page)
    await page.click("nav >> text=Integration requests")
    form = page.get_by_test_id("request-form")
    await form.locator("input[name=requester]").fill("Ops Team <ops@example.com>")
    await form.locator("input[name=charger]").fill("DBT Keren")
    await form.locator("input[name=terminal]").fill("Acme Pay 3000")
    await form.locator("input[name=documents]").set_input_files(str(FIXTURES / "acme-cardtxreport.jsonl"))
    await form.locator("button[type=submit]").click()

    await playwright_api.expect(page.get_by_test_id("verdict")).to_have_text("compatible")
    await playwright_api.expect(page.locator("h2").first).to_contain_text("com.dbt.cardtxreport")
    await playwright_api.expect(page.get_by_test_id("gaps")).to_be_visible()
    await page.screenshot(path=str(shots / "integration-request.png"), full_page=True)

    # the reviewer overrides the verdict with a note; the page shows the decision
    decision = page.get_by_test_id("decision-form")
    await decision.locator("select[name=action]").select_option("needs_development")
    await decision.locator("textarea[name=note]").fill("the terminal's receipts need a new message")
    await decision.locator("button[type=submit]").click()
    await playwright_api.expect(page.get_by_test_id("verdict")).to_have_text("needs development")
    await playwright_api.expect(page.get_by_test_id("request-status")).to_contain_text("feature requested")


async def test_send_a_remote_stop_to_a_station_with_an_active_session(srv: Running, page: Any) -> None:
    stations = fleet()
    await register(srv.http_url, TOKEN, stations, rfid_tokens=3)
    slow = Options(card_ratio=0.0, meter_values=200, pause=0.2)  # a long session, so that it is still on
    running_session = asyncio.create_task(simulate(srv.ocpp_url, stations, sessions=1, options=slow, seed=3))
    try:
        async with srv.http(TOKEN) as api:
            for _ in range(100):
                active = (await api.get("/api/sessions", params={"status": "active"})).json()["items"]
                if active:
                    break
                await asyncio.sleep(0.1)
        assert active, "the simulated session did not start"
        await login(page)
        await page.goto(f"/console/stations/{stations[0].station_id}")
        stop = page.get_by_test_id("active-sessions").get_by_role("button", name="Remote stop")
        await stop.click()
        last = page.get_by_test_id("last-command")
        await playwright_api.expect(last).to_contain_text("remote-stop")
        await playwright_api.expect(last).to_contain_text("answered")
        await playwright_api.expect(last).to_contain_text("Accepted")
        async with srv.http(TOKEN) as api:
            log = (await api.get("/api/commands", params={"station_id": stations[0].station_id})).json()
        assert log["items"][0]["command"] == "remote-stop" and log["items"][0]["answer"] == {"status": "Accepted"}
        assert log["items"][0]["arguments"] == {
            "transaction_id": active[0]["transaction_id"]
        }  # as the station got them
    finally:
        running_session.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await running_session


async def test_a_read_only_token_sees_but_cannot_send(srv: Running, page: Any) -> None:
    async with srv.http(TOKEN) as api:
        assert (await api.post("/api/stations", json={"id": "CP-VIEW"})).status_code == 201
    reader = await asyncio.to_thread(_add_token, srv, "viewer")
    await page.goto("/console/login")
    await page.fill("input[name=token]", reader)
    await page.click("button[type=submit]")
    await page.goto("/console/stations/CP-VIEW")
    await playwright_api.expect(page.locator("h1")).to_have_text("Station CP-VIEW")
    assert await page.get_by_test_id("command-form").count() == 0
    answer = await page.request.post("/console/stations/CP-VIEW/command", form={"command": "reset"})
    assert answer.status == 403
    # escaping: markup in a station id is shown as text, never interpreted
    hostile = "<b>CP&amp;\"'<i>"
    async with srv.http(TOKEN) as api:
        assert (await api.post("/api/stations", json={"id": hostile})).status_code == 201
    await page.goto("/console/stations")
    await playwright_api.expect(page.get_by_test_id("stations")).to_contain_text(hostile)
    assert await page.locator("[data-testid=stations] b, [data-testid=stations] i").count() == 0


def _add_token(srv: Running, name: str) -> str:
    from typer.testing import CliRunner

    from ocpay.cli.main import app

    result = CliRunner().invoke(
        app, ["api-tokens", "add", name, "--role", "read-only", "--db", srv.services.settings.db]
    )
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def test_screenshots_directory_is_documented() -> None:
    """The committed screenshots exist (refresh them with OCPAY_SCREENSHOTS=docs/screenshots)."""
    committed = Path(__file__).parents[2] / "docs" / "screenshots"
    if not committed.exists():
        pytest.skip("no docs/screenshots in this checkout")
    names = {p.name for p in committed.glob("*.png")}
    assert {"dashboard.png", "station.png", "session.png", "catalog-entry.png", "integration-request.png"} <= names
