"""The access queries against a real SQLite database: API tokens by id, name and hash; the server's secrets."""

from __future__ import annotations

from datetime import UTC, datetime

from ocpay.store.db import Database
from ocpay.store.models import ApiToken, Secret
from ocpay.store.queries import access as queries

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


async def tokens(db: Database) -> dict[str, ApiToken]:
    """Three tokens: `ops` (admin), `old` (revoked) and `ci` (read-only), keyed by name."""
    rows = {
        "ops": ApiToken(name="ops", role="admin", secret_hash="h-ops", hint="ocp_aaaa", created_at=T0),
        "old": ApiToken(name="old", role="admin", secret_hash="h-old", hint="ocp_bbbb", created_at=T0, revoked_at=T0),
        "ci": ApiToken(name="ci", role="read-only", secret_hash="h-ci", hint="ocp_cccc", created_at=T0),
    }
    async with db.write() as s:
        s.add_all(rows.values())
    return rows


async def test_a_token_is_found_by_id_by_name_and_by_the_hash_of_its_secret(db: Database) -> None:
    rows = await tokens(db)
    async with db.read() as s:
        by_id = await queries.token(s, rows["ci"].id)
        assert by_id is not None and by_id.name == "ci"
        by_name = await queries.token_named(s, "old")
        assert by_name is not None and by_name.revoked_at == T0  # revoked tokens are found too
        by_hash = await queries.token_with_hash(s, "h-ops")
        assert by_hash is not None and by_hash.name == "ops"
        assert await queries.token(s, 999) is None
        assert await queries.token_named(s, "nobody") is None
        assert await queries.token_with_hash(s, "h-nobody") is None


async def test_tokens_come_by_name_with_or_without_the_revoked_ones(db: Database) -> None:
    await tokens(db)
    async with db.read() as s:
        assert [x.name for x in await queries.tokens(s, include_revoked=True)] == ["ci", "old", "ops"]
        assert [x.name for x in await queries.tokens(s, include_revoked=False)] == ["ci", "ops"]


async def test_only_tokens_that_are_not_revoked_count_as_active(db: Database) -> None:
    async with db.read() as s:
        assert await queries.count_active_tokens(s) == 0
    await tokens(db)
    async with db.read() as s:
        assert await queries.count_active_tokens(s) == 2


async def test_a_secret_is_found_by_name(db: Database) -> None:
    async with db.write() as s:
        s.add(Secret(name="console_session_key", value="k"))
    async with db.read() as s:
        found = await queries.secret(s, "console_session_key")
        assert found is not None and found.value == "k"
        assert await queries.secret(s, "other") is None
