"""API tokens: created once with their secret, stored as a hash, roles enforced, revocation at once."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from ocpay.cli.main import app as cli_app
from ocpay.ocpp.model import CustomMessage
from tests.helpers import running


async def _ocpay(db: str, *args: str) -> tuple[int, str, str]:
    """The command line, in a thread: it runs its own event loop."""

    def run() -> tuple[int, str, str]:
        result = CliRunner().invoke(cli_app, [*args, "--db", db], env={"COLUMNS": "200"})
        return result.exit_code, result.stdout, result.stderr

    return await asyncio.to_thread(run)


async def test_tokens_roles_and_revocation(tmp_path: Path) -> None:
    path = tmp_path / "tokens.sqlite"
    db = f"sqlite:///{path}"
    async with running(db) as srv:
        async with srv.http() as anonymous:  # no token yet: open, as on a fresh install
            assert (await anonymous.get("/api/stations")).status_code == 200

        code, admin, _ = await _ocpay(db, "api-tokens", "add", "ops", "--role", "admin")
        assert code == 0 and admin.strip().startswith("ocp_")
        admin = admin.strip()
        code, reader, _ = await _ocpay(db, "api-tokens", "add", "dashboard", "--role", "read-only")
        reader = reader.strip()
        assert (await _ocpay(db, "api-tokens", "add", "ops", "--role", "admin"))[0] == 1  # names are unique
        assert (await _ocpay(db, "api-tokens", "add", "x", "--role", "root"))[0] == 2

        # only hashes are stored
        stored = sqlite3.connect(path).execute("SELECT secret_hash, hint FROM api_tokens").fetchall()
        assert len(stored) == 2 and all(admin not in row[0] and reader not in row[0] for row in stored)
        code, listing, _ = await _ocpay(db, "api-tokens", "list", "--json")
        assert code == 0 and admin not in listing and '"role": "read-only"' in listing

        async with srv.http() as anonymous:
            refused = await anonymous.get("/api/stations")
            assert refused.status_code == 401 and refused.json() == {"detail": "a valid bearer token is required"}
            assert (await anonymous.get("/healthz")).status_code == 200
        async with srv.http(reader) as api:
            page = (await api.get("/api/stations")).json()
            assert page == {"items": [], "offset": 0, "limit": 100, "total": 0}
            for method, url, body in [
                ("POST", "/api/stations", {"id": "CP-RO"}),
                ("POST", "/api/id-tokens", {"value": "RFID-RO"}),
                ("PATCH", "/api/stations/CP-RO", {"password": None}),
                ("DELETE", "/api/stations/CP-RO", None),
                ("POST", "/api/unrecognised-messages/assess?station_id=CP-RO", None),
            ]:
                response = await api.request(method, url, json=body)
                assert response.status_code == 403, (method, url)
                assert "read-only" in response.json()["detail"]
        async with srv.http(admin) as api:
            assert (await api.post("/api/stations", json={"id": "CP-RW"})).status_code == 201
            credentials = (await api.post("/api/stations/CP-RW/credentials")).json()
            assert 16 <= len(credentials["password"]) <= 40
            assert (await api.get("/api/stations/CP-RW")).json()["has_password"] is True
            patched = await api.patch("/api/stations/CP-RW", json={"password": None})
            assert patched.status_code == 200 and patched.json()["has_password"] is False

        assert (await _ocpay(db, "api-tokens", "revoke", "dashboard"))[0] == 0
        assert (await _ocpay(db, "api-tokens", "revoke", "dashboard"))[0] == 1
        async with srv.http(reader) as api:
            assert (await api.get("/api/stations")).status_code == 401


async def test_the_environment_token_is_an_admin_token_beside_stored_ones(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'env.sqlite'}"
    code, reader, _ = await _ocpay(db, "api-tokens", "add", "viewer", "--role", "read-only")
    assert code == 0
    async with running(db, api_token="env-admin-token") as srv:
        async with srv.http("env-admin-token") as api:
            assert (await api.post("/api/stations", json={"id": "CP-ENV"})).status_code == 201
        async with srv.http(reader.strip()) as api:
            assert (await api.get("/api/stations/CP-ENV")).status_code == 200
            assert (await api.delete("/api/stations/CP-ENV")).status_code == 403


async def test_errors_are_json_with_a_reason_and_lists_have_totals(tmp_path: Path) -> None:
    async with running(f"sqlite:///{tmp_path / 'errors.sqlite'}") as srv, srv.http() as api:
        invalid = await api.post("/api/stations", json={"id": ""})
        assert invalid.status_code == 422 and "id" in invalid.json()["detail"]
        assert isinstance(invalid.json()["detail"], str)
        missing = await api.get("/api/sessions/12345")
        assert missing.status_code == 404 and missing.json() == {"detail": "no session 12345"}
        unknown = await api.get("/api/no-such-thing")
        assert unknown.status_code == 404 and isinstance(unknown.json()["detail"], str)
        bad_limit = await api.get("/api/sessions", params={"limit": 0})
        assert bad_limit.status_code == 422 and "limit" in bad_limit.json()["detail"]
        lists = ["stations", "sessions", "id-tokens", "unrecognised-messages", "dialects", "catalog", "requests"]
        for url in [f"/api/{x}" for x in [*lists, "feature-requests", "commands"]]:
            page = (await api.get(url, params={"limit": 2})).json()
            assert set(page) == {"items", "offset", "limit", "total"}, url
            assert page["limit"] == 2 and len(page["items"]) <= 2 and page["total"] >= len(page["items"])
        catalog = (await api.get("/api/catalog", params={"limit": 2})).json()
        assert catalog["total"] == 5 and len(catalog["items"]) == 2
        naive = await api.get("/api/sessions", params={"since": "2026-01-01T00:00:00"})
        assert naive.status_code == 200
        assert (await api.post("/api/stations", json={"id": "CP-H"})).status_code == 201
        health = (await api.get("/api/stations/CP-H/health")).json()
        assert health["status"] == "unbound" and health["failure_rate"] is None
        bound = await api.patch("/api/stations/CP-H", json={"integration": "alpitronic-hyc-worldline-valina"})
        assert bound.status_code == 200 and bound.json()["integration"] == "alpitronic-hyc-worldline-valina"
        health = (await api.get("/api/stations/CP-H/health")).json()
        assert health["dialect"] and health["status"] in ("unverified", "ok")
        assert all(c["state"] == "unknown" for c in health["configuration"])
        offline = await api.post("/api/stations/CP-H/commands/reset", json={})
        assert offline.status_code == 409
        log = (await api.get("/api/commands", params={"station_id": "CP-H"})).json()
        assert log["total"] == 1 and log["items"][0]["outcome"] == "offline"
        # what the station sent that no dialect knew: the DBT report shape under another vendorId
        report = {"tx_ID": 7, "tx_Time": "2026-11-25T12:00:00Z", "totalTaxedCost": 9.5, "customerTicket": "x"}
        await srv.services.custom.record_unrecognised("CP-H", "1.6", CustomMessage("ACME.TPE", "CardTxReport", report))
        assessed = await api.post("/api/unrecognised-messages/assess", params={"station_id": "CP-H"})
        assert assessed.status_code == 200, assessed.text
        assert (assessed.json()["verdict"], assessed.json()["dialect"]) == ("compatible", "com.dbt.cardtxreport")
        assert (await api.post("/api/unrecognised-messages/assess", params={"station_id": "NOPE"})).status_code == 404


async def test_another_sites_page_cannot_write_through_the_api(tmp_path: Path) -> None:
    async with running(f"sqlite:///{tmp_path / 'x.sqlite'}") as srv, srv.http() as api:  # open mode: no token
        await api.post("/api/stations", json={"id": "CP-CSRF"})
        forged = await api.post("/api/stations/CP-CSRF/credentials", headers={"Origin": "https://evil.example"})
        assert forged.status_code == 403 and "another site" in forged.json()["detail"]
        own = await api.post("/api/stations/CP-CSRF/credentials", headers={"Origin": srv.http_url})
        assert own.status_code in (200, 201)
