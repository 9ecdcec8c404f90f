"""API tokens: created once with a secret shown once, checked by the hash of that secret, revoked for good."""

from __future__ import annotations

import hashlib

import pytest

from ocpay.access.api_tokens import ENV_TOKEN_NAME, OPEN, ApiTokenError, ApiTokens, Principal, hash_secret
from ocpay.store.db import Database


def test_the_stored_hash_is_the_sha256_of_the_secret() -> None:
    assert hash_secret("ocp_abc") == hashlib.sha256(b"ocp_abc").hexdigest()
    assert hash_secret("ocp_abc") != hash_secret("ocp_abd")


def test_only_admins_may_write() -> None:
    assert Principal("ops", "admin").can_write and OPEN.can_write
    assert not Principal("ci", "read-only").can_write


async def test_a_created_token_is_checked_by_its_secret_until_it_is_revoked(db: Database) -> None:
    tokens = ApiTokens(db)
    token, secret = await tokens.create("  ci  ", "read-only")
    assert token.name == "ci" and secret.startswith("ocp_") and token.hint == secret[:8]
    assert token.secret_hash == hash_secret(secret) != secret
    assert await tokens.check(secret) == Principal("ci", "read-only", token.id)
    assert await tokens.check(secret + "x") is None
    assert await tokens.revoke("ci") is True
    assert await tokens.revoke("ci") is False  # revoked already
    assert await tokens.check(secret) is None


@pytest.mark.parametrize(
    ("name", "role", "reason"),
    [("", "admin", "1 to 100 characters"), ("x" * 101, "admin", "1 to 100"), ("ok", "root", "role is one of")],
)
async def test_a_token_needs_a_short_name_and_a_known_role(db: Database, name: str, role: str, reason: str) -> None:
    with pytest.raises(ApiTokenError, match=reason):
        await ApiTokens(db).create(name, role)


async def test_a_name_is_taken_even_by_a_revoked_token(db: Database) -> None:
    tokens = ApiTokens(db)
    await tokens.create("ops", "admin")
    await tokens.revoke("ops")
    with pytest.raises(ApiTokenError, match="exists already"):
        await tokens.create("ops", "admin")
    assert [x.name for x in await tokens.all()] == ["ops"]
    assert await tokens.all(include_revoked=False) == []


async def test_authentication_is_required_once_an_active_token_or_the_environment_token_exists(db: Database) -> None:
    tokens = ApiTokens(db)
    assert await tokens.auth_required() is False
    await tokens.create("ops", "admin")
    assert await tokens.auth_required() is True
    await tokens.revoke("ops")
    assert await tokens.auth_required() is False
    assert await ApiTokens(db, env_token="from-env").auth_required() is True


async def test_the_environment_token_is_an_admin(db: Database) -> None:
    tokens = ApiTokens(db, env_token="from-env")
    assert await tokens.check("from-env") == Principal(ENV_TOKEN_NAME, "admin")
    assert await ApiTokens(db).check("from-env") is None


async def test_a_console_cookie_stands_for_its_token_while_it_lives(db: Database) -> None:
    tokens = ApiTokens(db)
    token, _ = await tokens.create("ops", "admin")
    principal = Principal("ops", "admin", token.id)
    cookie = await tokens.session_cookie(principal)
    assert await tokens.check_session(cookie) == principal
    assert await ApiTokens(db).check_session(cookie) == principal  # the signing key is kept in the database
    payload, _, signature = cookie.partition(".")
    assert await tokens.check_session(f"{payload}.{signature[::-1]}") is None
    assert await tokens.check_session(await tokens.session_cookie(principal, seconds=-1)) is None  # expired
    await tokens.revoke("ops")
    assert await tokens.check_session(cookie) is None


async def test_a_console_cookie_of_the_environment_token_dies_with_a_new_token(db: Database) -> None:
    principal = Principal(ENV_TOKEN_NAME, "admin")
    cookie = await ApiTokens(db, env_token="first").session_cookie(principal)
    assert await ApiTokens(db, env_token="first").check_session(cookie) == principal
    assert await ApiTokens(db, env_token="second").check_session(cookie) is None
