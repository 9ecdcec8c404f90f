"""Charging sessions (OCPP transactions), id token authorisation and meter values.

Every method commits before it returns, so the handler answers the station only once what the
message changed is stored. Retried messages (same 1.6 StartTransaction, a stop of a stopped session,
same 2.x seqNo) are answered again without being applied twice, and the answer says it was a repeat
(so that the payments layer sends no follow-up twice). A meter reading is kept once however often it
comes (store/models.py SAME_READING). A session's energy is read from its register readings by their
context (READING_CONTEXTS), not by the order they arrive in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
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
    SessionStopped,
    TransactionEvent,
    TransactionEventReply,
    now,
)
from ocpay.payments.redaction import MASK, is_card_number
from ocpay.store.db import Database
from ocpay.store.journal import Write
from ocpay.store.models import ChargingSession, IdTokenRecord, MeterValueRecord, TransactionEventRecord
from ocpay.store.queries import charging as queries
from ocpay.store.statements import INSERT_METER_VALUE, UPDATE_SESSION_ENERGY, UPDATE_SESSION_METER

ENERGY = "Energy.Active.Import.Register"


CARD_TEXT_MAX = 25  # a card number as text: at most 19 digits and the spaces or dashes between its groups


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

    async def hash_stored_card_numbers(self) -> int:
        """Replace the card-number id tokens an older version stored in clear (id tokens, sessions and their
        start keys) by their keyed hash, as they are stored now; how many rows changed. Needs the payments
        layer's hash; without it nothing is done."""
        if self.card_policy is None:
            return 0
        changed = 0
        async with self.db.write() as s:
            for record in await queries.id_tokens_of_length(s, 13, CARD_TEXT_MAX):
                if is_card_number(record.value):
                    hashed = self._kept(record.value)
                    if await s.get(IdTokenRecord, hashed) is None:
                        record.value = hashed
                    else:  # the hash was added since: the clear copy goes
                        await s.delete(record)
                    changed += 1
            for session in await queries.sessions_with_token_of_length(s, 13, CARD_TEXT_MAX):
                clear = session.id_token or ""
                if is_card_number(clear):
                    session.id_token = self._kept(clear)
                    session.start_key = (session.start_key or "").replace(f"|{clear}|", f"|{session.id_token}|") or None
                    changed += 1
        return changed

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
            repeated = session is not None
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
                    meter_start_exact=True,  # 1.6 meterStart is the register at the start
                    ocpp_version="1.6",
                )
                _mark_card_session(session, card)
                await queries.insert(s, session)
                session.transaction_id = str(session.id)
        return SessionStarted(session.id, authorization, repeated=repeated)

    async def stop(self, station_id: str, stop: SessionStop) -> SessionStopped:
        """Complete the 1.6 session once, with its meter values; a stop of a completed session is a repeat.

        meterStop is the exact stop (no reading in transactionData moves it); the stopping token's
        authorisation when the stop names one.
        """
        async with self.db.write() as s:
            session = await queries.station_session(s, station_id, stop.transaction_id)
            repeated = session is not None and session.status == "completed"
            if session is not None and not repeated:
                session.status = "completed"
                session.stopped_at = stop.timestamp
                session.meter_stop_wh, session.meter_stop_exact = stop.meter_stop_wh, True
                _update_energy(session, energy_readings(stop.samples))
                session.stop_reason = stop.reason
                await _add_samples(s, station_id, session.id, session.evse_id, stop.samples)
            authorization = None
            if stop.id_token is not None:
                authorization = await self._authorization(s, stop.id_token, self._card(station_id, stop.id_token))
        return SessionStopped(authorization, repeated=repeated)

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
            repeated = await queries.has_transaction_event(s, session.id, event.seq_no)
            if not repeated:
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
                await _add_samples(s, station_id, session.id, session.evse_id, event.samples)
            authorization = await self._authorization(s, event.id_token, card) if event.id_token else None
        return TransactionEventReply(authorization=authorization, repeated=repeated)

    async def meter_values(self, station_id: str, report: MeterReport) -> None:
        """Keep the samples (once: a retried MeterValues adds nothing) and the session's energy, by the
        readings' contexts (READING_CONTEXTS), through the journal (no read first)."""
        where = {"station_id": station_id, "transaction_id": report.transaction_id, "evse_id": report.evse_id}
        writes = [Write(INSERT_METER_VALUE, {**where, **_sample_values(x)}) for x in report.samples]
        readings = energy_readings(report.samples)
        if report.transaction_id is not None and readings:
            session = {"station_id": station_id, "transaction_id": report.transaction_id}
            writes.append(Write(UPDATE_SESSION_METER, {**session, **asdict(readings)}))
            writes.append(Write(UPDATE_SESSION_ENERGY, session))
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
    _update_energy(session, energy_readings(event.samples))
    if event.event_type == "Ended":
        session.status = "completed"
        session.stopped_at = event.timestamp
        session.stop_reason = event.stopped_reason or "Local"


# What an energy-register reading says about the session's meter start and stop, by its reading context
# (ReadingContextEnum; a sample without one is Sample.Periodic, the spec's default), never by the order
# the readings arrive in. EXACT: the transaction's own begin or end reading (as 1.6 meterStart and
# meterStop are); the first one kept stays, no other reading moves it. BOUND: a reading taken during the
# session; it lowers the start and raises the stop while they are not exact (a register only grows, so
# the lowest and highest readings seen are the best estimate until the exact ones come). None: the
# reading says nothing about that end (a Transaction.End reading is no start).
EXACT, BOUND = "exact", "bound"
READING_CONTEXTS: dict[str | None, tuple[str | None, str | None]] = {  # context -> (start, stop)
    "Transaction.Begin": (EXACT, BOUND),
    "Transaction.End": (None, EXACT),
    "Sample.Periodic": (BOUND, BOUND),
    "Sample.Clock": (BOUND, BOUND),
    "Trigger": (BOUND, BOUND),
    "Interruption.Begin": (BOUND, BOUND),
    "Interruption.End": (BOUND, BOUND),
    "Other": (BOUND, BOUND),
    None: (BOUND, BOUND),
}
_WH_PER_UNIT = {"Wh": 1, "kWh": 1000}


@dataclass(frozen=True, slots=True)
class EnergyReadings:
    """What a message's register readings (Wh) say about its session's meter start and stop (READING_CONTEXTS)."""

    begin: float | None = None  # the exact start
    low: float | None = None  # the lowest reading that bounds the start
    end: float | None = None  # the exact stop
    high: float | None = None  # the highest reading that bounds the stop

    def __bool__(self) -> bool:
        return any(x is not None for x in (self.begin, self.low, self.end, self.high))


def energy_readings(samples: Iterable[MeterSample]) -> EnergyReadings:
    """The session energy `samples` tell, by context: the station's energy register in Wh, phase totals only."""
    start: dict[str, list[float]] = {EXACT: [], BOUND: []}
    stop: dict[str, list[float]] = {EXACT: [], BOUND: []}
    for x in samples:
        if x.measurand != ENERGY or x.phase is not None or x.unit not in _WH_PER_UNIT:
            continue
        wh = x.value * _WH_PER_UNIT[x.unit]
        start_role, stop_role = READING_CONTEXTS.get(x.context, READING_CONTEXTS[None])
        if start_role:
            start[start_role].append(wh)
        if stop_role:
            stop[stop_role].append(wh)
    return EnergyReadings(
        begin=min(start[EXACT], default=None),
        low=min(start[BOUND], default=None),
        end=max(stop[EXACT], default=None),
        high=max(stop[BOUND], default=None),
    )


def _update_energy(session: ChargingSession, readings: EnergyReadings) -> None:
    """Move the session's meter start and stop as `readings` say (READING_CONTEXTS); the energy between them."""
    if not session.meter_start_exact:
        if readings.begin is not None:
            session.meter_start_wh, session.meter_start_exact = readings.begin, True
        else:
            session.meter_start_wh = _extreme(min, session.meter_start_wh, readings.low)
    if not session.meter_stop_exact:
        if readings.end is not None:
            session.meter_stop_wh, session.meter_stop_exact = readings.end, True
        else:
            session.meter_stop_wh = _extreme(max, session.meter_stop_wh, readings.high)
    if session.meter_start_wh is not None and session.meter_stop_wh is not None:
        session.energy_wh = session.meter_stop_wh - session.meter_start_wh


def _extreme(pick: Callable[[list[float]], float], *values: float | None) -> float | None:
    """`pick` (min or max) of the values that are known; None when none is."""
    known = [x for x in values if x is not None]
    return pick(known) if known else None


async def _add_samples(
    s: AsyncSession,
    station_id: str,
    session_id: int | None,
    evse_id: int | None,
    samples: Iterable[MeterSample],
) -> None:
    """Keep the samples of a session; one the session has already (the same reading sent again) is skipped."""
    where = {"station_id": station_id, "session_id": session_id, "evse_id": evse_id}
    await queries.add_meter_values(s, [{**where, **_sample_values(x)} for x in samples])


def _sample_values(sample: MeterSample) -> dict[str, Any]:
    """The columns of a meter value row that come from the sample itself."""
    return {
        "at": sample.timestamp,
        "measurand": sample.measurand,
        "value": sample.value,
        "unit": sample.unit,
        "phase": sample.phase,
        "location": sample.location,
        "context": sample.context,
    }
