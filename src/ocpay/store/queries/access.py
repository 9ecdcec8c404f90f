"""Queries of the access domain: API tokens and the secrets the server keeps for itself."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from ocpay.store.models import ApiToken, Secret


async def token(s: AsyncSession, token_id: int) -> ApiToken | None:
    """The API token with this id, or None."""
    return await s.get(ApiToken, token_id)


async def token_named(s: AsyncSession, name: str) -> ApiToken | None:
    """The API token with this name (revoked or not), or None."""
    return await s.scalar(select(ApiToken).where(ApiToken.name == name))


async def token_with_hash(s: AsyncSession, secret_hash: str) -> ApiToken | None:
    """The API token whose secret has this hash (revoked or not), or None."""
    return await s.scalar(select(ApiToken).where(ApiToken.secret_hash == secret_hash))


async def tokens(s: AsyncSession, *, include_revoked: bool) -> list[ApiToken]:
    """The API tokens by name; without the revoked ones unless asked."""
    query = select(ApiToken).order_by(ApiToken.name)
    if not include_revoked:
        query = query.where(ApiToken.revoked_at.is_(None))
    return list(await s.scalars(query))


async def count_active_tokens(s: AsyncSession) -> int:
    """How many API tokens are not revoked."""
    query = select(func.count()).select_from(ApiToken).where(ApiToken.revoked_at.is_(None))
    return int(await s.scalar(query) or 0)


def _generation_key(token_id: int | None) -> str:
    """The secret that counts a token's console logouts (the environment's token: `env`)."""
    return f"console_generation:{'env' if token_id is None else token_id}"


async def console_generation(s: AsyncSession, token_id: int | None) -> int:
    """How many times the token logged out of the console (a session cookie names the count it began at)."""
    row = await s.get(Secret, _generation_key(token_id))
    return int(row.value) if row is not None else 0


async def next_console_generation(s: AsyncSession, token_id: int | None) -> None:
    """Count one more logout of the token: every console session it has ends."""
    row = await s.get(Secret, _generation_key(token_id))
    if row is None:
        s.add(Secret(name=_generation_key(token_id), value="1"))
    else:
        row.value = str(int(row.value) + 1)


async def secret(s: AsyncSession, name: str) -> Secret | None:
    """The server's secret with this name, or None."""
    return await s.get(Secret, name)


async def is_done(s: AsyncSession, task: str) -> bool:
    """Whether a once-per-database task (a clean-up of older rows, say) was done on this database."""
    return await s.get(Secret, f"done:{task}") is not None


async def mark_done(s: AsyncSession, task: str) -> None:
    """Remember that the once-per-database task is done (another node may have just said so too)."""
    insert = postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert
    await s.execute(insert(Secret).values(name=f"done:{task}", value="1").on_conflict_do_nothing())
