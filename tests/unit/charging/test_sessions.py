"""Sessions: each station message is applied once, retries are answered alike, energy comes from the register."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ocpay.charging.sessions import ENERGY, IdTokenExists, Sessions
from ocpay.charging.stations import Stations
from ocpay.ocpp.model import (
    Authorization,
    IdToken,
    MeterReport,
    MeterSample,
    SessionStart,
    SessionStop,
    TransactionEvent,
)
from ocpay.store.db import Database

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def register(value: float, unit: str | None = "Wh", minutes: int = 0, phase: str | None = None) -> MeterSample:
    return MeterSample(at(minutes), ENERGY, value, unit, phase)


def event(event_type: Any, seq_no: int, *samples: MeterSample, **fields: Any) -> TransactionEvent:
    return TransactionEvent(event_type, "tx-1", seq_no, "Updated", at(seq_no), samples=samples, **fields)


@pytest.fixture
async def sessions(db: Database) -> Sessions:
    await Stations(db).add("CP-1")
    return Sessions(db)


# -- id tokens and authorisation --------------------------------------------------------------------------


async def test_an_id_token_is_authorised_by_its_status_and_expiry(sessions: Sessions) -> None:
    await sessions.add_id_token("GOOD", parent_id="FLEET")
    await sessions.add_id_token("BLOCKED", status="Blocked")
    await sessions.add_id_token("OLD", expires_at=at(-1))
    assert await sessions.authorize("CP-1", IdToken("GOOD")) == Authorization("Accepted", None, "FLEET")
    assert (await sessions.authorize("CP-1", IdToken("BLOCKED"))).status == "Blocked"
    assert await sessions.authorize("CP-1", IdToken("OLD")) == Authorization("Expired", at(-1), None)
    assert (await sessions.authorize("CP-1", IdToken("NOBODY"))).status == "Unknown"


async def test_unknown_id_tokens_are_accepted_when_so_configured(db: Database) -> None:
    assert (await Sessions(db, authorize_unknown=True).authorize("CP-1", IdToken("NOBODY"))).status == "Accepted"


async def test_an_id_token_is_added_once_and_listed_by_value(sessions: Sessions) -> None:
    await sessions.add_id_token("B")
    await sessions.add_id_token("A")
    with pytest.raises(IdTokenExists):
        await sessions.add_id_token("B")
    assert [x.value for x in await sessions.id_tokens()] == ["A", "B"]


# -- 1.6 ----------------------------------------------------------------------------------------------


async def test_a_retried_start_transaction_gets_the_same_session(sessions: Sessions) -> None:
    start = SessionStart(connector_id=1, id_token=IdToken("TAG"), meter_start_wh=1000, timestamp=T0)
    first = await sessions.start("CP-1", start)
    again = await sessions.start("CP-1", start)
    assert again.transaction_id == first.transaction_id
    assert await sessions.count(station_id="CP-1") == 1
    later = await sessions.start("CP-1", SessionStart(1, IdToken("TAG"), 1000, at(1)))
    assert later.transaction_id != first.transaction_id


async def test_a_stop_completes_the_session_once_with_its_energy(sessions: Sessions) -> None:
    started = await sessions.start("CP-1", SessionStart(1, IdToken("TAG"), 1000, T0))
    await sessions.stop("CP-1", SessionStop(started.transaction_id, 4500, at(30), "Local"))
    await sessions.stop("CP-1", SessionStop(started.transaction_id, 9999, at(40), "Other"))  # a late retry
    session = await sessions.get(started.transaction_id)
    assert session is not None
    assert (session.status, session.energy_wh, session.stopped_at, session.stop_reason) == (
        "completed",
        3500,
        at(30),
        "Local",
    )


async def test_a_stop_of_another_stations_session_changes_nothing(sessions: Sessions, db: Database) -> None:
    await Stations(db).add("CP-2")
    started = await sessions.start("CP-1", SessionStart(1, IdToken("TAG"), 0, T0))
    assert await sessions.stop("CP-2", SessionStop(started.transaction_id, 10, at(1))) is None
    session = await sessions.get(started.transaction_id)
    assert session is not None and session.status == "active"


# -- 2.x ----------------------------------------------------------------------------------------------


async def test_transaction_events_are_applied_once_per_sequence_number(sessions: Sessions) -> None:
    await sessions.transaction_event("CP-1", "2.0.1", event("Started", 0, register(1.0, "kWh"), evse_id=2))
    await sessions.transaction_event("CP-1", "2.0.1", event("Updated", 1, register(1500)))
    await sessions.transaction_event("CP-1", "2.0.1", event("Updated", 1, register(9000)))  # a retry: ignored
    await sessions.transaction_event("CP-1", "2.0.1", event("Ended", 2, register(2500)))
    [session] = await sessions.all(station_id="CP-1")
    assert (session.evse_id, session.meter_start_wh, session.meter_stop_wh, session.energy_wh) == (2, 1000, 2500, 1500)
    assert (session.status, session.stop_reason, session.last_seq_no) == ("completed", "Local", 2)
    assert [x.value for x in await sessions.meter_values_of(session.id)] == [1.0, 1500, 2500]


async def test_phase_readings_and_other_measurands_do_not_count_as_energy(sessions: Sessions) -> None:
    power, phase = MeterSample(at(0), "Power.Active.Import", 7000, "W"), register(900, phase="L1")
    await sessions.transaction_event("CP-1", "2.0.1", event("Started", 0, register(100), power, phase))
    [session] = await sessions.all()
    assert (session.meter_start_wh, session.meter_stop_wh) == (100, 100)


async def test_a_transaction_event_answers_with_the_tokens_authorisation(sessions: Sessions) -> None:
    await sessions.add_id_token("TAG")
    reply = await sessions.transaction_event("CP-1", "2.0.1", event("Started", 0, id_token=IdToken("TAG", "ISO14443")))
    assert reply.authorization == Authorization("Accepted")
    assert (await sessions.transaction_event("CP-1", "2.0.1", event("Updated", 1))).authorization is None
    [session] = await sessions.all()
    assert (session.id_token, session.id_token_type, session.billing) == ("TAG", "ISO14443", "csms")


async def test_meter_values_widen_the_sessions_energy_through_the_journal(sessions: Sessions) -> None:
    await sessions.transaction_event("CP-1", "2.0.1", event("Started", 0, register(1000)))
    await sessions.meter_values("CP-1", MeterReport(1, "tx-1", (register(1200, minutes=5), register(1.8, "kWh", 6))))
    [session] = await sessions.all()
    assert (session.meter_start_wh, session.meter_stop_wh, session.energy_wh) == (1000, 1800, 800)
    assert len(await sessions.meter_values_of(session.id)) == 3


# -- queries ------------------------------------------------------------------------------------------


async def test_sessions_are_listed_newest_first_and_filtered(sessions: Sessions) -> None:
    for minutes in (0, 10, 20):
        await sessions.start("CP-1", SessionStart(1, IdToken("TAG"), 0, at(minutes)))
    listed = await sessions.all(since=at(10))
    assert [x.started_at for x in listed] == [at(20), at(10)]
    assert await sessions.count(status="active", since=at(10)) == 2
    assert await sessions.count(status="completed") == 0
