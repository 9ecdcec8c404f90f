"""Charging sessions (OCPP transactions), id token authorisation and meter values.

Every method commits before it returns, so the handler answers the station only once what the
message changed is stored. Retried messages (same 1.6 StartTransaction, same 2.x seqNo) are
answered again without being applied twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from ocpay.ocpp.model import (
    Authorization,
    IdToken,
    MeterReport,
    MeterSample,
    SessionStart,
    SessionStarted,
    SessionStop,
    TransactionEvent,
    TransactionEventReply,
    now,
)
from ocpay.payments.redaction import MASK, is_card_number
from ocpay.store.db import Database
from ocpay.store.journal import Write
from ocpay.store.models import ChargingSession, IdTokenRecord, MeterValueRecord, TransactionEventRecord
from ocpay.store.queries import charging as queries
from ocpay.store.statements import INSERT_METER_VALUE, UPDATE_SESSION_ENERGY

ENERGY = "Energy.Active.Import.Register"


class IdTokenExists(Exception):
    """An id token with this value is known already."""


@dataclass(frozen=True, slots=True)
class CardMatch:
    """An id token that marks a card session paid at the terminal."""

    dialect: str
    stored_token: str  # what may be stored: the token, or a keyed hash when it is a payment identifier


class CardSessionPolicy(Protocol):
    """Recognises card sessions on standard messages (the payments layer implements it)."""

    def recognise(self, station_id: str, token: IdToken) -> CardMatch | None:
        """The card session this id token marks at the station (its dialect's rule), or None."""
        ...

    def reference_hash(self, value: str) -> str:
        """A keyed hash of a payment identifier: what is kept of an id token that is a card number."""
        ...


class Sessions:
    """Implements the OCPP session port, and the queries the CLI and API use."""

    def __init__(
        self, db: Database, *, authorize_unknown: bool = False, card_policy: CardSessionPolicy | None = None
    ) -> None:
        self.db = db
        self.authorize_unknown = authorize_unknown
        self.card_policy = card_policy  # the payments layer: which id tokens start card sessions

    def _card(self, station_id: str, token: IdToken | None) -> CardMatch | None:
        if token is None or self.card_policy is None:
            return None
        return self.card_policy.recognise(station_id, token)

    def _kept(self, value: str) -> str:
        """What is stored, and looked up, of an id token: a card number (Luhn-valid, 13-19 digits) is
        card-derived and kept only as its keyed hash, the same for Authorize, Start and Stop; masked
        without a payments layer to hash it."""
        if not is_card_number(value):
            return value
        return self.card_policy.reference_hash(value) if self.card_policy is not None else MASK

    def _stored_token(self, token: IdToken, card: CardMatch | None) -> str:
        return card.stored_token if card is not None else self._kept(token.value)

    # -- id tokens -----------------------------------------------------------------------------
    async def add_id_token(
        self,
        value: str,
        *,
        type: str = "Central",
        status: str = "Accepted",
        expires_at: datetime | None = None,
        parent_id: str | None = None,
        note: str | None = None,
    ) -> IdTokenRecord:
        """Add an id token the CSMS knows (a card number kept as its keyed hash); IdTokenExists if it is known."""
        value = self._kept(value)
        async with self.db.write() as s:
            if await queries.id_token(s, value) is not None:
                raise IdTokenExists(value)
            record = IdTokenRecord(
                value=value,
                type=type,
                status=status,
                expires_at=expires_at,
                parent_id=parent_id,
                note=note,
                created_at=now(),
            )
            s.add(record)
        return record

    async def id_tokens(self, *, offset: int = 0, limit: int = 100) -> list[IdTokenRecord]:
        """One page of the known id tokens, by value."""
        async with self.db.read() as s:
            return await queries.id_tokens(s, offset=offset, limit=limit)

    async def _authorization(self, s: AsyncSession, token: IdToken, card: CardMatch | None = None) -> Authorization:
        if card is not None:
            return Authorization("Accepted")  # the terminal's PSP authorised the card
        record = await queries.id_token(s, self._kept(token.value))
        if record is None:
            return Authorization("Accepted" if self.authorize_unknown else "Unknown")
        if record.expires_at is not None and record.expires_at <= now():
            return Authorization("Expired", record.expires_at, record.parent_id)
        return Authorization(record.status, record.expires_at, record.parent_id)  # type: ignore[arg-type]

    # -- SessionPort ----------------------------------------------------------------------------
    async def authorize(self, station_id: str, token: IdToken) -> Authorization:
        """Accepted for a card session or a valid known token; Unknown, Expired or the token's status otherwise."""
        card = self._card(station_id, token)
        async with self.db.read() as s:
            return await self._authorization(s, token, card)

    async def start(self, station_id: str, start: SessionStart) -> SessionStarted:
        """Open a 1.6 session (once: a retried StartTransaction gets the same one) and authorise its token."""
        card = self._card(station_id, start.id_token)
        token = self._stored_token(start.id_token, card)
        key = f"{start.connector_id}|{token}|{start.timestamp.isoformat()}|{start.meter_start_wh}"
        async with self.db.write() as s:
            authorization = await self._authorization(s, start.id_token, card)
            session = await queries.session_started_as(s, station_id, key)
            if session is None:
                session = ChargingSession(
                    station_id=station_id,
                    start_key=key,
                    evse_id=start.connector_id,
                    connector_id=start.connector_id,
                    id_token=token,
                    id_token_type=start.id_token.type,
                    status="active",
                    started_at=start.timestamp,
                    meter_start_wh=start.meter_start_wh,
                    ocpp_version="1.6",
                )
                _mark_card_session(session, card)
                await queries.insert(s, session)
                session.transaction_id = str(session.id)
        return SessionStarted(session.id, authorization)

    async def stop(self, station_id: str, stop: SessionStop) -> Authorization | None:
        """Complete the 1.6 session (once) with its meter values; the stopping token's authorisation, if any."""
        async with self.db.write() as s:
            session = await queries.station_session(s, station_id, stop.transaction_id)
            if session is not None and session.status != "completed":
                session.status = "completed"
                session.stopped_at = stop.timestamp
                session.meter_stop_wh = stop.meter_stop_wh
                if session.meter_start_wh is not None:
                    session.energy_wh = stop.meter_stop_wh - session.meter_start_wh
                session.stop_reason = stop.reason
                _add_samples(s, station_id, session.id, session.evse_id, stop.samples)
            if stop.id_token is None:
                return None
            return await self._authorization(s, stop.id_token, self._card(station_id, stop.id_token))

    async def transaction_event(self, station_id: str, version: str, event: TransactionEvent) -> TransactionEventReply:
        """Apply a 2.x transaction event to its session (once per seqNo); the token's authorisation, if any."""
        card = self._card(station_id, event.id_token)
        async with self.db.write() as s:
            session = await queries.session_of_transaction(s, station_id, event.transaction_id)
            if session is None:  # Started, or a later event whose Started we never saw
                session = ChargingSession(
                    station_id=station_id,
                    transaction_id=event.transaction_id,
                    status="active",
                    started_at=event.timestamp,
                    ocpp_version=version,
                )
                await queries.insert(s, session)
            if not await queries.has_transaction_event(s, session.id, event.seq_no):
                s.add(
                    TransactionEventRecord(
                        session_id=session.id,
                        seq_no=event.seq_no,
                        event_type=event.event_type,
                        trigger_reason=event.trigger_reason,
                        at=event.timestamp,
                        offline=event.offline,
                    )
                )
                _apply_event(session, event, self._stored_token(event.id_token, card) if event.id_token else None, card)
                _add_samples(s, station_id, session.id, session.evse_id, event.samples)
            authorization = await self._authorization(s, event.id_token, card) if event.id_token else None
        return TransactionEventReply(authorization=authorization)

    async def meter_values(self, station_id: str, report: MeterReport) -> None:
        """Keep the samples and the session's energy, through the journal (no read first)."""
        where = {"station_id": station_id, "transaction_id": report.transaction_id, "evse_id": report.evse_id}
        writes = [Write(INSERT_METER_VALUE, {**where, **_sample_values(x)}) for x in report.samples]
        readings = _energy_readings(report.samples)
        if report.transaction_id is not None and readings:
            params = {"station_id": station_id, "transaction_id": report.transaction_id}
            writes.append(Write(UPDATE_SESSION_ENERGY, {**params, "low": min(readings), "high": max(readings)}))
        if writes:
            await self.db.journal.write(*writes)

    # -- queries -------------------------------------------------------------------------------
    async def all(
        self,
        *,
        station_id: str | None = None,
        status: str | None = None,
        since: datetime | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> list[ChargingSession]:
        """One page of the sessions that pass the filters (each optional), newest first."""
        async with self.db.read() as s:
            return await queries.sessions(
                s, station_id=station_id, status=status, since=since, offset=offset, limit=limit
            )

    async def count(
        self, *, station_id: str | None = None, status: str | None = None, since: datetime | None = None
    ) -> int:
        """How many sessions pass the filters (each optional)."""
        async with self.db.read() as s:
            return await queries.count_sessions(s, station_id=station_id, status=status, since=since)

    async def get(self, session_id: int) -> ChargingSession | None:
        """The session, or None."""
        async with self.db.read() as s:
            return await queries.session(s, session_id)

    async def meter_values_of(self, session_id: int) -> list[MeterValueRecord]:
        """The session's meter values in time order."""
        async with self.db.read() as s:
            return await queries.meter_values(s, session_id)


def _mark_card_session(session: ChargingSession, card: CardMatch | None) -> None:
    if card is not None:
        session.billing = "terminal"  # paid at the terminal: never priced or invoiced by the CSMS
        session.dialect = card.dialect


def _apply_event(session: ChargingSession, event: TransactionEvent, token: str | None, card: CardMatch | None) -> None:
    """What a new 2.x transaction event changes on its session (ids, token as stored, state, energy, end)."""
    if event.evse_id is not None:
        session.evse_id = event.evse_id
    if event.connector_id is not None:
        session.connector_id = event.connector_id
    if event.id_token is not None and session.id_token is None:
        session.id_token = token
        session.id_token_type = event.id_token.type
        _mark_card_session(session, card)
    if event.charging_state is not None:
        session.charging_state = event.charging_state
    if event.event_type == "Started":
        session.started_at = event.timestamp
    session.last_seq_no = max(event.seq_no, session.last_seq_no or 0)
    _update_energy(session, event.samples)
    if event.event_type == "Ended":
        session.status = "completed"
        session.stopped_at = event.timestamp
        session.stop_reason = event.stopped_reason or "Local"


def _energy_readings(samples: Iterable[MeterSample]) -> list[float]:
    """The station's energy register in Wh (phase totals only)."""
    readings = [x.value for x in samples if x.measurand == ENERGY and x.phase is None and x.unit in (None, "Wh")]
    readings += [x.value * 1000 for x in samples if x.measurand == ENERGY and x.phase is None and x.unit == "kWh"]
    return readings


def _update_energy(session: ChargingSession, samples: Iterable[MeterSample]) -> None:
    """Widen the session's meter start and stop to the register readings in `samples`."""
    readings = _energy_readings(samples)
    if not readings:
        return
    if session.meter_start_wh is None:
        session.meter_start_wh = min(readings)
    session.meter_stop_wh = max([*readings, session.meter_stop_wh or 0])
    session.energy_wh = session.meter_stop_wh - session.meter_start_wh


def _add_samples(
    s: AsyncSession,
    station_id: str,
    session_id: int | None,
    evse_id: int | None,
    samples: Iterable[MeterSample],
) -> None:
    s.add_all(
        MeterValueRecord(station_id=station_id, session_id=session_id, evse_id=evse_id, **_sample_values(x))
        for x in samples
    )


def _sample_values(sample: MeterSample) -> dict[str, Any]:
    """The columns of a meter value row that come from the sample itself."""
    return {
        "at": sample.timestamp,
        "measurand": sample.measurand,
        "value": sample.value,
        "unit": sample.unit,
        "phase": sample.phase,
        "context": sample.context,
    }
