"""The API token check as a dependency: who is calling, and whether they may write from where they are."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
from fastapi import FastAPI

from ocpay.access.api_tokens import OPEN, Principal
from ocpay.api import errors
from ocpay.api.auth import COOKIE, ApiPrincipal, ConsoleReader, ConsoleWriter

ADMIN = Principal("ops", "admin", 1)
READER = Principal("dashboard", "read-only", 2)


@dataclass
class FakeTokens:
    """Stands in for ApiTokens: secrets and session cookies map to principals."""

    required: bool = True
    secrets: dict[str, Principal] = field(default_factory=lambda: {"admin-secret": ADMIN, "reader-secret": READER})

    async def auth_required(self) -> bool:
        return self.required

    async def check(self, secret: str) -> Principal | None:
        return self.secrets.get(secret)

    async def check_session(self, cookie: str) -> Principal | None:
        return self.secrets.get(cookie)


def _client(tokens: FakeTokens) -> httpx.AsyncClient:
    app = FastAPI()
    app.state.tokens = tokens
    errors.install(app)

    @app.get("/api/who")
    async def who(principal: ApiPrincipal) -> str:
        return principal.name

    @app.post("/api/who")
    async def write(principal: ApiPrincipal) -> str:
        return principal.name

    @app.get("/console/who")
    async def console_who(principal: ConsoleReader) -> str:
        return principal.name

    @app.post("/console/who")
    async def console_write(principal: ConsoleWriter) -> str:
        return principal.name

    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ocpay.test")


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


async def test_without_any_token_everyone_is_the_open_principal() -> None:
    client = _client(FakeTokens(required=False))
    assert (await client.get("/api/who")).json() == OPEN.name
    assert (await client.post("/api/who")).json() == OPEN.name


async def test_a_missing_or_wrong_bearer_token_gets_401_with_the_challenge() -> None:
    client = _client(FakeTokens())
    for headers in ({}, _bearer("guess")):
        response = await client.get("/api/who", headers=headers)
        assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"


async def test_a_read_only_token_reads_but_does_not_write() -> None:
    client = _client(FakeTokens())
    assert (await client.get("/api/who", headers=_bearer("reader-secret"))).json() == "dashboard"
    refused = await client.post("/api/who", headers=_bearer("reader-secret"))
    assert refused.status_code == 403 and refused.json() == {"detail": "API token dashboard is read-only"}
    assert (await client.post("/api/who", headers=_bearer("admin-secret"))).json() == "ops"


async def test_a_write_from_another_sites_page_is_refused_even_in_open_mode() -> None:
    client = _client(FakeTokens(required=False))
    forged = await client.post("/api/who", headers={"Origin": "https://evil.example"})
    assert forged.status_code == 403 and "another site" in forged.json()["detail"]
    assert (await client.post("/api/who", headers={"Origin": "http://ocpay.test"})).status_code == 200


async def test_the_console_sends_a_visitor_without_a_session_to_the_login_page() -> None:
    client = _client(FakeTokens())
    response = await client.get("/console/who")
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login?next=/console/who"
    client.cookies.set(COOKIE, "reader-secret")
    assert (await client.get("/console/who")).json() == "dashboard"


async def test_the_console_refuses_writes_of_a_read_only_session_and_forms_from_other_sites() -> None:
    client = _client(FakeTokens())
    client.cookies.set(COOKIE, "reader-secret")
    assert (await client.post("/console/who")).status_code == 403
    client.cookies.set(COOKIE, "admin-secret")
    assert (await client.post("/console/who")).json() == "ops"
    assert (await client.post("/console/who", headers={"Origin": "https://evil.example"})).status_code == 403
