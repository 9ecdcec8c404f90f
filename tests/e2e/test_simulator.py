"""The simulator plays every catalog entry's dialect against a real ocpay, faults included."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ocpay.cli.main import app
from ocpay.integrations.catalog import Catalog
from ocpay.integrations.dialects import DialectSet
from ocpay.simulator.run import profiles, register, simulate
from ocpay.simulator.station import FAULTS, Options
from tests.helpers import running

DIALECTS = DialectSet.load()
CATALOG = Catalog.load(DIALECTS)


async def test_every_catalog_entry_runs_card_and_rfid_sessions(tmp_path: Path) -> None:
    async with running(f"sqlite:///{tmp_path / 'sim.sqlite'}", open_registration=True) as srv:
        fleet = profiles(CATALOG, DIALECTS, stations=1)
        fleet += profiles(CATALOG, DIALECTS, stations=1, dialect_id="ocpp21.direct-payment")
        await register(srv.http_url, None, fleet, rfid_tokens=10)
        summary = await simulate(srv.ocpp_url, fleet, sessions=4, options=Options(card_ratio=0.7), seed=7)

        assert summary.errors == []
        assert summary.unexpected_failures == []
        assert len(summary.outcomes) == 4 * len(fleet)
        # the OCA station was sent its price and cost messages
        assert summary.received["SetUserPrice"] > 0 and summary.received["FinalCost"] > 0
        async with srv.http() as api:
            exported = (await api.get("/api/sessions/export")).json()
        card_ok = sum(1 for o in summary.outcomes if o.kind == "card" and o.result == "ok")
        rfid_ok = sum(1 for o in summary.outcomes if o.kind == "rfid" and o.result == "ok")
        assert len(exported["terminal_paid"]) == card_ok
        assert len(exported["csms_billed"]) == rfid_ok
        dialect_of = {p.station_id: p.dialect.id for p in fleet if p.dialect}
        paid_by_card = {dialect_of[o.station_id] for o in summary.outcomes if o.kind == "card" and o.result == "ok"}
        assert {s["payment"]["dialect"] for s in exported["terminal_paid"]} == paid_by_card
        assert len(paid_by_card) >= 3  # the seed gives card sessions on most dialects
        settled = [s for s in exported["terminal_paid"] if s["payment"]["status"] == "settled"]
        assert settled and all(s["payment"]["final_amount"] > 0 for s in settled)


@pytest.mark.parametrize("fault", FAULTS)
async def test_injected_faults_lose_nothing(tmp_path: Path, fault: str) -> None:
    async with running(f"sqlite:///{tmp_path / 'sim.sqlite'}", open_registration=True) as srv:
        fleet = profiles(CATALOG, DIALECTS, stations=1, entry_id="alpitronic-hyc-worldline-valina")
        fleet += profiles(CATALOG, DIALECTS, stations=1, dialect_id="ocpp21.direct-payment")
        await register(srv.http_url, None, fleet, rfid_tokens=10)
        options = Options(card_ratio=1.0, decline_ratio=0.0, faults=(fault,), fault_ratio=1.0)
        summary = await simulate(srv.ocpp_url, fleet, sessions=3, options=options, seed=3)

        assert summary.unexpected_failures == [] and summary.errors == []
        assert all(o.injected == [fault] for o in summary.outcomes)
        async with srv.http() as api:
            exported = (await api.get("/api/sessions/export")).json()
        # one session per simulated session: no duplicates from retries, none lost while offline
        assert len(exported["terminal_paid"]) == 6 and exported["csms_billed"] == []
        assert all(s["payment"]["status"] == "settled" for s in exported["terminal_paid"])


async def test_a_station_whose_binding_leaves_its_static_tag_unset_charges_with_the_tag_read_at_boot(
    tmp_path: Path,
) -> None:
    async with running(f"sqlite:///{tmp_path / 'sim.sqlite'}", open_registration=True) as srv:
        # DBT card sessions use a static idTag; matched at boot, the binding reads it from TPE_OCPP_TAGID.
        # A driver presents a card some time after the boot, not within its first milliseconds (pause).
        fleet = profiles(CATALOG, DIALECTS, stations=1, entry_id="dbt-keren-worldline-yoneo")
        options = Options(card_ratio=1.0, decline_ratio=0, pause=0.05)
        summary = await simulate(srv.ocpp_url, fleet, sessions=2, options=options)
        assert [o.result for o in summary.outcomes] == ["ok", "ok"]


async def test_a_card_session_the_csms_does_not_recognise_is_reported_as_failed(tmp_path: Path) -> None:
    async with running(f"sqlite:///{tmp_path / 'sim.sqlite'}", open_registration=True) as srv:
        (profile,) = profiles(CATALOG, DIALECTS, stations=1, entry_id="dbt-keren-worldline-yoneo")
        async with srv.http() as api:  # the binding names another tag than the simulated terminal uses
            assert (await api.post("/api/stations", json={"id": profile.station_id})).status_code == 201
            binding = {"entry": "dbt-keren-worldline-yoneo", "params": {"static_id_tag": "NOT-THE-TERMINALS"}}
            assert (await api.put(f"/api/stations/{profile.station_id}/integration", json=binding)).status_code == 200
        options = Options(card_ratio=1.0, decline_ratio=0)
        summary = await simulate(srv.ocpp_url, [profile], sessions=2, options=options)
        assert [o.result for o in summary.outcomes] == ["failed", "failed"]
        assert "Invalid" in summary.outcomes[0].reason


def test_simulate_command_exit_status_and_summary(tmp_path: Path) -> None:
    runner = CliRunner()
    refused = runner.invoke(app, ["simulate", "--url", "ws://127.0.0.1:1/ocpp/", "--integration", "nope"])
    assert refused.exit_code == 2 and "no catalog entry 'nope'" in refused.output
    unreachable = runner.invoke(
        app,
        ["simulate", "--url", "ws://127.0.0.1:1/ocpp/", "--integration", "siemens-sicharge-d-ccv", "--stations", "1"],
    )
    assert unreachable.exit_code == 1 and "did not boot" in unreachable.output
    bad_fault = runner.invoke(app, ["simulate", "--fault", "gremlins"])
    assert bad_fault.exit_code == 2 and "unknown faults" in bad_fault.output


@pytest.mark.parametrize("version", ["1.6", "2.1"])
async def test_a_remote_stop_ends_the_simulated_session(tmp_path: Path, version: str) -> None:
    async with running(f"sqlite:///{tmp_path / 'sim.sqlite'}", open_registration=True) as srv:
        if version == "1.6":
            fleet = profiles(CATALOG, DIALECTS, stations=1, entry_id="siemens-sicharge-d-ccv")
        else:
            fleet = profiles(CATALOG, DIALECTS, stations=1, dialect_id="ocpp21.direct-payment")
        await register(srv.http_url, None, fleet, rfid_tokens=3)
        options = Options(card_ratio=0.0, meter_values=50, pause=0.1)
        run = asyncio.create_task(simulate(srv.ocpp_url, fleet, sessions=1, options=options))
        async with srv.http() as api:
            active: list[dict[str, object]] = []
            for _ in range(100):
                active = (await api.get("/api/sessions", params={"status": "active"})).json()["items"]
                if active:
                    break
                await asyncio.sleep(0.1)
            assert active, "the simulated session started"
            station_id, transaction_id = active[0]["station_id"], active[0]["transaction_id"]
            stopped = await api.post(
                f"/api/stations/{station_id}/commands/remote-stop", json={"transaction_id": transaction_id}
            )
            assert stopped.status_code == 200 and stopped.json()["answer"] == {"status": "Accepted"}
            summary = await asyncio.wait_for(run, 30)
            session = (await api.get("/api/sessions", params={"station_id": station_id})).json()["items"][0]
    assert [o.result for o in summary.outcomes] == ["ok"]
    assert session["status"] == "completed" and session["stop_reason"] == "Remote"


async def test_a_remote_start_gives_the_next_session_its_id_token(tmp_path: Path) -> None:
    async with running(f"sqlite:///{tmp_path / 'sim.sqlite'}", open_registration=True) as srv:
        fleet = profiles(CATALOG, DIALECTS, stations=1, entry_id="siemens-sicharge-d-ccv")
        await register(srv.http_url, None, fleet, rfid_tokens=3)
        async with srv.http() as api:
            await api.post("/api/id-tokens", json={"value": "REMOTE-1"})
            run = asyncio.create_task(
                simulate(srv.ocpp_url, fleet, sessions=2, options=Options(card_ratio=0.0, meter_values=5, pause=0.1))
            )
            station_id = fleet[0].station_id
            for _ in range(100):
                if (await api.get("/api/sessions", params={"status": "active"})).json()["items"]:
                    break
                await asyncio.sleep(0.1)
            started = await api.post(f"/api/stations/{station_id}/commands/remote-start", json={"id_token": "REMOTE-1"})
            assert started.json()["answer"] == {"status": "Accepted"}
            summary = await asyncio.wait_for(run, 30)
            tokens = [s["id_token"] for s in (await api.get("/api/sessions")).json()["items"]]
    assert [o.result for o in summary.outcomes] == ["ok", "ok"]
    assert tokens[0] == "REMOTE-1"  # the newest session
