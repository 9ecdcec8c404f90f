"""The API token check as a dependency: who is calling, and whether they may write from where they are."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
import pytest
from fastapi import FastAPI

from ocpay.access.api_tokens import OPEN, Principal
from ocpay.api import errors
from ocpay.api.auth import COOKIE, ApiPrincipal, ConsoleReader, ConsoleWriter, HostRule

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


def _client(
    tokens: FakeTokens, base_url: str = "http://localhost:8080", allowed: tuple[str, ...] = ()
) -> httpx.AsyncClient:
    app = FastAPI()
    app.state.tokens = tokens
    app.state.hosts = HostRule.of(allowed, bind=None)
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

    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)


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
    assert (await client.post("/api/who", headers={"Origin": "http://localhost:8080"})).status_code == 200


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


@pytest.mark.parametrize(
    ("headers", "refused"),
    [
        ({"Sec-Fetch-Site": "cross-site"}, True),
        ({"Sec-Fetch-Site": "same-site"}, True),  # a sibling sub-domain is another site's page too
        ({"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost:8080"}, False),
        ({"Sec-Fetch-Site": "none"}, False),  # typed by the user
        ({"Origin": "null"}, True),  # a sandboxed page
        ({"Referer": "https://evil.example/form.html"}, True),  # an older browser without Origin
        ({"Referer": "http://localhost:8080/console/"}, False),
        ({}, False),  # a script
    ],
)
async def test_writes_from_another_sites_page_are_refused_by_every_sign_a_browser_gives(
    headers: dict[str, str], refused: bool
) -> None:
    client = _client(FakeTokens(required=False))
    response = await client.post("/api/who", headers=headers)
    assert response.status_code == (403 if refused else 200)


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("localhost:8080", True),
        ("LOCALHOST", True),
        ("127.0.0.1:9", True),
        ("[::1]:8080", True),
        ("evil.example:8080", False),  # DNS rebinding: the attacker's name pointing at 127.0.0.1
        ("localhost.evil.example", False),
        ("127.0.0.1.nip.io", False),
        ("[::1", False),
        ("", False),
    ],
)
def test_open_mode_answers_only_to_local_host_names(host: str, allowed: bool) -> None:
    rule = HostRule.of([], bind="0.0.0.0")
    assert rule.enforced(open_mode=True) and not rule.enforced(open_mode=False)
    assert rule.allows(host) is allowed


def test_the_bound_name_and_the_listed_ones_are_allowed_too_and_a_list_applies_with_tokens() -> None:
    rule = HostRule.of(["ocpay.example.com", "[fd00::5]"], bind="ocpay.lan")
    assert all(rule.allows(h) for h in ("ocpay.example.com:443", "ocpay.lan:8080", "[fd00::5]:80", "localhost"))
    assert not rule.allows("evil.example") and rule.enforced(open_mode=False)
    assert HostRule.of(["*"], bind=None).allows("anything.example")


async def test_dns_rebinding_gets_no_answer_in_open_mode_neither_read_nor_write() -> None:
    client = _client(FakeTokens(required=False), base_url="http://evil.example:8080")
    origin = {"Origin": "http://evil.example:8080"}  # the page's own origin: the cross-site check passes
    for response in (await client.get("/api/who"), await client.post("/api/who", headers=origin)):
        assert response.status_code == 400 and "host" in response.json()["detail"]
    assert (await client.get("/console/who")).status_code == 400


async def test_with_tokens_any_host_is_answered_unless_the_operator_lists_hosts() -> None:
    anywhere = _client(FakeTokens(), base_url="http://ocpay.example.com")
    assert (await anywhere.get("/api/who", headers=_bearer("admin-secret"))).status_code == 200
    listed = _client(FakeTokens(), base_url="http://ocpay.example.com", allowed=("ocpay.lan",))
    assert (await listed.get("/api/who", headers=_bearer("admin-secret"))).status_code == 400
