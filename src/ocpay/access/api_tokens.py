"""API tokens: what operators and scripts present to the REST API and the console (never an id token).

A token has a name and a role: `admin` may change things, `read-only` may only look. Only a SHA-256
hash of the secret is stored (the secret is 32 random bytes, so a plain hash cannot be reversed);
the secret itself is shown once, when the token is created. `OCPAY_API_TOKEN`, when set, is one
more admin token that lives in the environment.

The rule: authentication is required as soon as `OCPAY_API_TOKEN` is set or one API token exists
(revoked ones do not count). With neither, the API and the console are open, as on a fresh install.

The console keeps its login in a cookie signed with a key kept in the database; the cookie names
the token and its console generation, and every request checks that the token still exists, is not
revoked, and has not logged out since: a logout moves the token's generation on (kept in the database,
so it holds on every node and after a restart), which ends every console session of that token.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any, Literal

from ocpay.ocpp.model import now
from ocpay.store.db import Database
from ocpay.store.models import ApiToken, Secret
from ocpay.store.queries import access as queries

Role = Literal["admin", "read-only"]
ROLES: tuple[Role, ...] = ("admin", "read-only")
PREFIX = "ocp_"
ENV_TOKEN_NAME = "OCPAY_API_TOKEN"
SESSION_SECONDS = 12 * 3600


class ApiTokenError(Exception):
    """A token that cannot be created as asked; the message says why."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the token's name and role (or nobody, when authentication is off)."""

    name: str
    role: Role
    token_id: int | None = None  # None: the environment's token, or no authentication at all

    @property
    def can_write(self) -> bool:
        """Whether the caller may change things (admin), not only look."""
        return self.role == "admin"


OPEN = Principal("anonymous", "admin")  # no token configured: everyone may do everything


# Not the station passwords' scrypt (charging/stations.py): a token secret is 32 random bytes, so a fast
# unsalted hash cannot be reversed, and being deterministic it lets `check` find the token by its hash.
def hash_secret(secret: str) -> str:
    """The SHA-256 hex digest of an API token's secret: what is stored and looked up instead of the secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _principal(token: ApiToken | None) -> Principal | None:
    """The principal a token stands for, or None when there is no token or it is revoked."""
    if token is None or token.revoked_at is not None:
        return None
    return Principal(token.name, token.role, token.id)  # type: ignore[arg-type]


class ApiTokens:
    """API tokens: created and revoked by the CLI, checked on every API and console request."""

    def __init__(self, db: Database, env_token: str | None = None) -> None:
        self.db = db
        self.env_token = env_token or None
        self._session_key: bytes | None = None
        self._key_lock = asyncio.Lock()

    # -- management (the CLI) ----------------------------------------------------------------------
    async def create(self, name: str, role: str) -> tuple[ApiToken, str]:
        """A new token and its secret; the secret is not kept and cannot be shown again."""
        name = name.strip()
        if not name or len(name) > 100:
            raise ApiTokenError("a token name is 1 to 100 characters")
        if role not in ROLES:
            raise ApiTokenError(f"role is one of {', '.join(ROLES)}")
        secret = PREFIX + secrets.token_urlsafe(32)
        async with self.db.write() as s:
            if await queries.token_named(s, name) is not None:
                raise ApiTokenError(f"an API token named {name!r} exists already")
            token = ApiToken(name=name, role=role, secret_hash=hash_secret(secret), hint=secret[:8], created_at=now())
            s.add(token)
        return token, secret

    async def all(self, *, include_revoked: bool = True) -> list[ApiToken]:
        """Every token by name; the active ones only with `include_revoked=False`."""
        async with self.db.read() as s:
            return await queries.tokens(s, include_revoked=include_revoked)

    async def revoke(self, name: str) -> bool:
        """Revoke the named token; False when there is no such token or it is revoked already."""
        async with self.db.write() as s:
            token = await queries.token_named(s, name)
            if token is None or token.revoked_at is not None:
                return False
            token.revoked_at = now()
        return True

    # -- checks (the API and the console) --------------------------------------------------------------
    async def auth_required(self) -> bool:
        """Whether callers must authenticate: `OCPAY_API_TOKEN` is set or an active token exists."""
        if self.env_token:
            return True
        async with self.db.read() as s:
            count = await queries.count_active_tokens(s)
        return bool(count)

    async def check(self, secret: str) -> Principal | None:
        """The principal a presented secret stands for, or None."""
        if self.env_token and hmac.compare_digest(secret.encode(), self.env_token.encode()):
            return Principal(ENV_TOKEN_NAME, "admin")
        async with self.db.read() as s:
            token = await queries.token_with_hash(s, hash_secret(secret))
        return _principal(token)

    # -- console sessions ----------------------------------------------------------------------------
    async def session_cookie(self, principal: Principal, seconds: int = SESSION_SECONDS) -> str:
        """A signed console login cookie for the principal, valid `seconds` from now or until it logs out."""
        async with self.db.read() as s:
            generation = await queries.console_generation(s, principal.token_id)
        body: dict[str, Any] = {"i": principal.token_id, "e": int(time.time()) + seconds, "g": generation}
        if principal.token_id is None:
            body["h"] = self._env_fingerprint()
        payload = base64.urlsafe_b64encode(json.dumps(body, separators=(",", ":")).encode()).decode()
        return f"{payload}.{await self._sign(payload)}"

    async def check_session(self, cookie: str) -> Principal | None:
        """The principal of a console cookie that is signed, unexpired, names a live token and was issued
        since the token's last logout; else None."""
        body = await self._session_body(cookie)
        if body is None:
            return None
        token_id = body.get("i")
        if token_id is not None and not isinstance(token_id, int):
            return None
        async with self.db.read() as s:
            if body.get("g") != await queries.console_generation(s, token_id):
                return None  # logged out since
            token = await queries.token(s, token_id) if token_id is not None else None
        if token_id is None:
            return Principal(ENV_TOKEN_NAME, "admin") if self._env_cookie(body) else None
        return _principal(token)

    async def end_session(self, cookie: str) -> bool:
        """Log out: this cookie, and every other console session of the same token, stop working now (on
        every node). False when the cookie was no valid session."""
        body = await self._session_body(cookie)
        if body is None or await self.check_session(cookie) is None:
            return False
        async with self.db.write() as s:
            await queries.next_console_generation(s, body.get("i"))
        return True

    async def _session_body(self, cookie: str) -> dict[str, Any] | None:
        """What a console cookie says, when its signature is ours and it has not expired."""
        payload, _, signature = cookie.partition(".")
        if not payload or not hmac.compare_digest(signature.encode(), (await self._sign(payload)).encode()):
            return None
        try:
            body = json.loads(base64.urlsafe_b64decode(payload.encode()))
        except ValueError:
            return None
        if not isinstance(body, dict) or not isinstance(body.get("e"), int) or body["e"] < time.time():
            return None
        return body

    def _env_cookie(self, body: dict[str, Any]) -> bool:
        """Whether a cookie stands for the environment's token as it is now (a changed token ends its sessions)."""
        return bool(self.env_token) and hmac.compare_digest(str(body.get("h", "")), self._env_fingerprint())

    def _env_fingerprint(self) -> str:
        return hashlib.sha256(b"ocpay-console:" + (self.env_token or "").encode()).hexdigest()[:32]

    async def _sign(self, payload: str) -> str:
        async with self._key_lock:
            if self._session_key is None:
                async with self.db.write() as s:
                    secret = await queries.secret(s, "console_session_key")
                    if secret is None:
                        secret = Secret(name="console_session_key", value=secrets.token_hex(32))
                        s.add(secret)
                    value = secret.value
                self._session_key = value.encode()
        return hmac.new(self._session_key, payload.encode(), hashlib.sha256).hexdigest()
