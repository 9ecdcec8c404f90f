"""Id tokens the CSMS issues for a card payment (a dialect with `issues_token`), and their lifetime.

The terminal authorises the card, the CSMS answers with a fresh idTag, and the station starts the
session with it. The tag must start its session within LIFETIME; then it serves that session only.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from ocpay.ocpp.model import now
from ocpay.payments.summary import summarise
from ocpay.store.db import Database
from ocpay.store.models import ChargingSession
from ocpay.store.queries import payments as queries

LIFETIME = timedelta(minutes=30)

# token -> (dialect, until when it may start a session; None: in use by a session)
StationTokens = dict[str, tuple[str, datetime | None]]


class IssuedTokens:
    """The id tokens issued per station, with the dialect that issued each and how long it is good."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._issued: dict[str, StationTokens] = {}

    def __getitem__(self, station_id: str) -> StationTokens:
        """The station's issued tokens as kept (token -> (dialect, until)); KeyError if it has none."""
        return self._issued[station_id]

    async def load(self) -> None:
        """Take up the tokens issued within LIFETIME that no session used yet (after a restart)."""
        async with self.db.read() as s:
            rows = await queries.unlinked_issued_tokens(s, now() - LIFETIME)
        for station_id, token, dialect_id, at in rows:
            if token is not None:
                self._issued.setdefault(station_id, {})[token] = (dialect_id, at + LIFETIME)

    def issue(self, station_id: str, dialect_id: str) -> str:
        """A fresh token for the station, good for LIFETIME: 20 characters, so a 1.6 idTag too."""
        token = "CARD" + secrets.token_hex(8).upper()
        self._issued.setdefault(station_id, {})[token] = (dialect_id, now() + LIFETIME)
        return token

    def dialect_of(self, station_id: str, token: str) -> str | None:
        """The dialect that issued `token` if it is still good (in use, or within its lifetime), else None."""
        issued = self._issued.get(station_id, {}).get(token)
        if issued is not None and (issued[1] is None or issued[1] > now()):
            return issued[0]
        return None

    def holds(self, station_id: str, token: str | None) -> bool:
        """Whether `token` is one the station was issued and that is still kept (expired or not)."""
        return token is not None and token in self._issued.get(station_id, {})

    def any_for(self, station_id: str) -> bool:
        """Whether the station has any issued token kept."""
        return bool(self._issued.get(station_id))

    async def link(self, station_id: str, session_id: int, token: str) -> ChargingSession | None:
        """The session started with `token` takes over the card events recorded before it; the token is in use.

        None (and the token left as it is) when no such session of this station exists.
        """
        async with self.db.write() as s:
            session = await queries.session(s, session_id)
            if session is None or session.station_id != station_id:
                return None
            for event in await queries.unlinked_events_of_token(s, station_id, token):
                event.session_id = session.id
                summarise(session, event.dialect, event.kind, event.amount, {"currency": event.currency})
        tokens = self._issued[station_id]
        tokens[token] = (tokens[token][0], None)  # good until this session stops
        return session

    def release(self, station_id: str, token: str) -> None:
        """The session the token served has stopped: the token is good no more."""
        self._issued.get(station_id, {}).pop(token, None)

    def forget_expired(self) -> None:
        """Drop the tokens whose time to start a session has passed."""
        moment = now()
        for tokens in self._issued.values():
            for token, (_, until) in list(tokens.items()):
                if until is not None and until < moment:
                    del tokens[token]
