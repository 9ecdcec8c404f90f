"""Id tokens the CSMS issues for a card: good for 30 minutes to start a session, then for that session only."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from ocpay.payments import issued_tokens
from ocpay.payments.issued_tokens import LIFETIME, IssuedTokens
from ocpay.store.queries import payments as queries
from tests.unit.payments.fakes import Clock, FakeDb


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(issued_tokens, "now", clock)
    return clock


@pytest.fixture
def tokens() -> IssuedTokens:
    return IssuedTokens(FakeDb())  # type: ignore[arg-type]


def test_an_issued_token_is_a_fresh_1_6_id_tag_of_its_dialect(clock: Clock, tokens: IssuedTokens) -> None:
    first, second = tokens.issue("CS1", "com.alpitronic.onsitepay"), tokens.issue("CS1", "com.alpitronic.onsitepay")
    assert first != second and len(first) == 20 and first.startswith("CARD")
    assert tokens.dialect_of("CS1", first) == "com.alpitronic.onsitepay"
    assert tokens.dialect_of("CS2", first) is None  # issued for one station only
    assert tokens.any_for("CS1") and not tokens.any_for("CS2")


def test_a_token_not_used_within_its_lifetime_starts_no_card_session(clock: Clock, tokens: IssuedTokens) -> None:
    token = tokens.issue("CS1", "d")
    clock.advance(seconds=LIFETIME.total_seconds() - 1)
    assert tokens.dialect_of("CS1", token) == "d"
    clock.advance(seconds=2)
    assert tokens.dialect_of("CS1", token) is None
    assert tokens.holds("CS1", token)  # kept until the next refresh forgets it
    tokens.forget_expired()
    assert not tokens.holds("CS1", token) and not tokens.any_for("CS1")


async def test_a_token_in_use_serves_its_session_until_it_stops(
    clock: Clock, tokens: IssuedTokens, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = SimpleNamespace(
        id=7,
        station_id="CS1",
        billing="csms",
        dialect=None,
        payment_status=None,
        authorized_amount=None,
        final_amount=None,
        currency=None,
        card_brand=None,
    )
    earlier = SimpleNamespace(session_id=None, dialect="d", kind="authorized", amount=Decimal("50"), currency="EUR")

    async def by_id(s: Any, session_id: int) -> Any:
        return session if session_id == 7 else None

    async def unlinked(s: Any, station_id: str, token: str) -> list[Any]:
        return [earlier]

    monkeypatch.setattr(queries, "session", by_id)
    monkeypatch.setattr(queries, "unlinked_events_of_token", unlinked)
    token = tokens.issue("CS1", "d")
    assert await tokens.link("CS1", 7, token) is session
    assert earlier.session_id == 7
    assert (session.billing, session.payment_status, session.authorized_amount) == ("terminal", "authorized", 50)
    clock.advance(hours=5)
    tokens.forget_expired()
    assert tokens.dialect_of("CS1", token) == "d"  # in use: no lifetime
    tokens.release("CS1", token)
    assert tokens.dialect_of("CS1", token) is None and not tokens.holds("CS1", token)


async def test_a_token_is_not_linked_to_another_station_s_session(
    clock: Clock, tokens: IssuedTokens, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def by_id(s: Any, session_id: int) -> Any:
        return SimpleNamespace(id=session_id, station_id="OTHER")

    monkeypatch.setattr(queries, "session", by_id)
    token = tokens.issue("CS1", "d")
    assert await tokens.link("CS1", 7, token) is None
    assert tokens["CS1"][token][1] is not None  # still waiting for its own session


async def test_tokens_issued_before_a_restart_keep_the_rest_of_their_lifetime(
    clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    issued_at = clock.moment - LIFETIME / 2
    since: list[Any] = []

    async def unlinked(s: Any, moment: Any) -> list[tuple[str, str | None, str, Any]]:
        since.append(moment)
        return [("CS1", "CARD00000000000000AA", "d", issued_at), ("CS1", None, "d", issued_at)]

    monkeypatch.setattr(queries, "unlinked_issued_tokens", unlinked)
    tokens = IssuedTokens(FakeDb())  # type: ignore[arg-type]
    await tokens.load()
    assert since == [clock.moment - LIFETIME]
    assert tokens["CS1"] == {"CARD00000000000000AA": ("d", issued_at + LIFETIME)}
