"""Sessions: each station message is applied once, retries are answered alike, energy comes from the register."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from ocpay.charging.sessions import ENERGY, READING_CONTEXTS, EnergyReadings, IdTokenExists, Sessions, energy_readings
from ocpay.charging.stations import Stations
from ocpay.ocpp.model import (
    Authorization,
    IdToken,
    MeterReport,
    MeterSample,
    SessionStart,
    SessionStop,
    SessionStopped,
    TransactionEvent,
)
from ocpay.store.db import Database

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def register(
    value: float, unit: str | None = "Wh", minutes: int = 0, phase: str | None = None, context: str | None = None
) -> MeterSample:
    return MeterSample(at(minutes), ENERGY, value, unit, phase, context=context)


def begin(value: float, minutes: int = 0) -> MeterSample:
    return register(value, minutes=minutes, context="Transaction.Begin")


def periodic(value: float, minutes: int) -> MeterSample:
    return register(value, minutes=minutes, context="Sample.Periodic")


def end(value: float, minutes: int) -> MeterSample:
    return register(value, minutes=minutes, context="Transaction.End")


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
    assert await sessions.stop("CP-2", SessionStop(started.transaction_id, 10, at(1))) == SessionStopped()
    session = await sessions.get(started.transaction_id)
    assert session is not None and session.status == "active"


# -- 2.x ----------------------------------------------------------------------------------------------


async def test_transaction_events_are_applied_once_per_sequence_number(sessions: Sessions) -> None:
    await sessions.transaction_event("CP-1", "2.0.1", event("Started", 0, register(1.0, "kWh"), evse_id=2))
    await sessions.transaction_event("CP-1", "2.0.1", event("Updated", 1, register(1500, minutes=1)))
    await sessions.transaction_event("CP-1", "2.0.1", event("Updated", 1, register(9000, minutes=1)))  # a retry
    await sessions.transaction_event("CP-1", "2.0.1", event("Ended", 2, register(2500, minutes=2)))
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


# -- energy by reading context -------------------------------------------------------------------------

# (context, what a reading of 1000 Wh says: EnergyReadings(begin, low, end, high)), one row per context.
CONTEXT_TABLE = [
    ("Transaction.Begin", EnergyReadings(begin=1000, high=1000)),
    ("Transaction.End", EnergyReadings(end=1000)),
    ("Sample.Periodic", EnergyReadings(low=1000, high=1000)),
    ("Sample.Clock", EnergyReadings(low=1000, high=1000)),
    ("Trigger", EnergyReadings(low=1000, high=1000)),
    ("Interruption.Begin", EnergyReadings(low=1000, high=1000)),
    ("Interruption.End", EnergyReadings(low=1000, high=1000)),
    ("Other", EnergyReadings(low=1000, high=1000)),
    (None, EnergyReadings(low=1000, high=1000)),  # the spec's default: Sample.Periodic
]


@pytest.mark.parametrize(("context", "says"), CONTEXT_TABLE)
def test_a_register_reading_says_what_its_context_says(context: str | None, says: EnergyReadings) -> None:
    assert energy_readings([register(1000, context=context)]) == says


def test_the_context_table_has_a_row_for_every_reading_context_of_the_spec() -> None:
    assert set(READING_CONTEXTS) == {context for context, _ in CONTEXT_TABLE}


def test_only_the_registers_phase_total_in_wh_or_kwh_is_energy() -> None:
    samples = [
        register(2, "kWh", context="Transaction.End"),
        register(900, phase="L1", context="Transaction.End"),
        register(900, "varh"),
        MeterSample(at(0), "SoC", 80, "Percent"),
        MeterSample(at(0), "Energy.Active.Import.Interval", 500, "Wh"),
    ]
    assert energy_readings(samples) == EnergyReadings(end=2000)


async def test_a_201_session_started_without_a_reading_counts_from_its_transaction_begin(sessions: Sessions) -> None:
    # MicroOcpp by default: Started without meter, periodic readings, then Ended with Begin and End samples
    await sessions.transaction_event("CP-1", "2.0.1", event("Started", 0))
    await sessions.transaction_event("CP-1", "2.0.1", event("Updated", 1, periodic(1500, 1)))
    await sessions.transaction_event("CP-1", "2.0.1", event("Updated", 2, periodic(1750, 2)))
    [session] = await sessions.all()
    assert (session.meter_start_wh, session.meter_stop_wh, session.energy_wh) == (1500, 1750, 250)  # so far
    ended = event("Ended", 3, begin(1000, 0), periodic(1500, 1), periodic(1750, 2), end(2250, 3))
    await sessions.transaction_event("CP-1", "2.0.1", ended)
    [session] = await sessions.all()
    assert (session.meter_start_wh, session.meter_stop_wh, session.energy_wh) == (1000, 2250, 1250)
    assert (session.meter_start_exact, session.meter_stop_exact) == (True, True)


async def test_readings_after_the_exact_ones_do_not_move_them(sessions: Sessions) -> None:
    await sessions.transaction_event("CP-1", "2.0.1", event("Started", 0, begin(1000)))
    await sessions.transaction_event("CP-1", "2.0.1", event("Updated", 1, periodic(900, 1)))  # a glitch, not a start
    await sessions.transaction_event("CP-1", "2.0.1", event("Updated", 2, end(3000, 2), periodic(3100, 2)))
    await sessions.transaction_event("CP-1", "2.0.1", event("Ended", 3, begin(1200, 0), end(3300, 3)))
    [session] = await sessions.all()
    assert (session.meter_start_wh, session.meter_stop_wh, session.energy_wh) == (1000, 3000, 2000)


async def test_periodic_readings_lower_an_estimated_start_in_any_order(sessions: Sessions) -> None:
    await sessions.transaction_event("CP-1", "2.0.1", event("Started", 0))
    await sessions.transaction_event("CP-1", "2.0.1", event("Updated", 2, periodic(1700, 2)))
    await sessions.transaction_event("CP-1", "2.0.1", event("Updated", 1, periodic(1400, 1)))  # sent late
    [session] = await sessions.all()
    assert (session.meter_start_wh, session.meter_stop_wh, session.energy_wh) == (1400, 1700, 300)
    assert (session.meter_start_exact, session.meter_stop_exact) == (False, False)


async def test_a_transaction_end_reading_alone_gives_no_start(sessions: Sessions) -> None:
    await sessions.transaction_event("CP-1", "2.0.1", event("Started", 0))
    await sessions.transaction_event("CP-1", "2.0.1", event("Ended", 1, end(2250, 1)))
    [session] = await sessions.all()
    assert (session.meter_start_wh, session.meter_stop_wh, session.energy_wh) == (None, 2250, None)


async def test_16_meter_start_and_stop_are_exact_whatever_the_readings_say(sessions: Sessions) -> None:
    started = await sessions.start("CP-1", SessionStart(1, IdToken("TAG"), 1000, T0))
    tx = str(started.transaction_id)
    await sessions.meter_values("CP-1", MeterReport(1, tx, (begin(1010), periodic(1500, 5))))
    stop = SessionStop(started.transaction_id, 3000, at(30), samples=(end(3010, 30), periodic(2900, 29)))
    await sessions.stop("CP-1", stop)
    await sessions.meter_values("CP-1", MeterReport(1, tx, (periodic(3500, 31),)))  # late: after the stop
    session = await sessions.get(started.transaction_id)
    assert session is not None
    assert (session.meter_start_wh, session.meter_stop_wh, session.energy_wh) == (1000, 3000, 2000)


async def test_16_meter_values_give_a_session_its_energy_by_context_through_the_journal(sessions: Sessions) -> None:
    await sessions.transaction_event("CP-1", "2.0.1", event("Started", 0))  # a session with no start known
    await sessions.meter_values("CP-1", MeterReport(1, "tx-1", (periodic(1500, 1), periodic(1750, 2))))
    [session] = await sessions.all()
    assert (session.meter_start_wh, session.meter_stop_wh, session.energy_wh) == (1500, 1750, 250)
    await sessions.meter_values("CP-1", MeterReport(1, "tx-1", (begin(1000), end(2250, 3))))
    await sessions.meter_values("CP-1", MeterReport(1, "tx-1", (periodic(900, 4), periodic(2600, 4))))
    [session] = await sessions.all()
    assert (session.meter_start_wh, session.meter_stop_wh, session.energy_wh) == (1000, 2250, 1250)
    assert (session.meter_start_exact, session.meter_stop_exact) == (True, True)


# -- each reading kept once -----------------------------------------------------------------------------


async def test_readings_repeated_in_the_ended_event_are_kept_once(sessions: Sessions) -> None:
    await sessions.transaction_event("CP-1", "2.0.1", event("Started", 0, begin(1000)))
    await sessions.transaction_event("CP-1", "2.0.1", event("Updated", 1, periodic(1500, 1)))
    await sessions.transaction_event("CP-1", "2.0.1", event("Ended", 2, begin(1000), periodic(1500, 1), end(2000, 2)))
    [session] = await sessions.all()
    kept = [(x.value, x.context) for x in await sessions.meter_values_of(session.id)]
    assert kept == [(1000, "Transaction.Begin"), (1500, "Sample.Periodic"), (2000, "Transaction.End")]


async def test_a_retried_meter_values_is_kept_once(sessions: Sessions) -> None:
    started = await sessions.start("CP-1", SessionStart(1, IdToken("TAG"), 1000, T0))
    report = MeterReport(1, str(started.transaction_id), (periodic(1500, 1), MeterSample(at(1), "SoC", 40, "Percent")))
    await sessions.meter_values("CP-1", report)
    await sessions.meter_values("CP-1", report)  # the answer was lost: the station sends it again
    stop = SessionStop(started.transaction_id, 2000, at(2), samples=(periodic(1500, 1), end(2000, 2)))
    await sessions.stop("CP-1", stop)  # transactionData repeats the periodic reading
    kept = [(x.measurand, x.value) for x in await sessions.meter_values_of(started.transaction_id)]
    assert kept == [(ENERGY, 1500), ("SoC", 40), (ENERGY, 2000)]


async def test_readings_that_differ_in_phase_location_or_context_are_all_kept(sessions: Sessions) -> None:
    started = await sessions.start("CP-1", SessionStart(1, IdToken("TAG"), 0, T0))
    current = [MeterSample(at(1), "Current.Import", 16, "A", phase) for phase in ("L1", "L2", "L3", None)]
    located = [MeterSample(at(1), "Temperature", 30, "Celsius", location=x) for x in ("Body", "Cable", None)]
    contexts = [register(500, minutes=1, context=x) for x in ("Sample.Clock", "Sample.Periodic", None)]
    report = MeterReport(1, str(started.transaction_id), (*current, *located, *contexts))
    await sessions.meter_values("CP-1", report)
    await sessions.meter_values("CP-1", report)
    assert len(await sessions.meter_values_of(started.transaction_id)) == 10


async def test_readings_outside_a_session_are_kept_once_per_evse(sessions: Sessions, db: Database) -> None:
    report = MeterReport(1, None, (register(700),))
    for _ in range(2):
        await sessions.meter_values("CP-1", report)
        await sessions.meter_values("CP-1", MeterReport(2, None, (register(700),)))
    async with db.read() as s:
        rows = (await s.execute(text("SELECT evse_id, value FROM meter_values ORDER BY evse_id"))).all()
    assert [tuple(r) for r in rows] == [(1, 700), (2, 700)]


# -- retries are recognised ---------------------------------------------------------------------------------


async def test_a_retried_start_stop_or_transaction_event_says_it_is_a_repeat(sessions: Sessions) -> None:
    start = SessionStart(1, IdToken("TAG"), 1000, T0)
    assert [(await sessions.start("CP-1", start)).repeated for _ in range(2)] == [False, True]
    started = await sessions.start("CP-1", start)
    stop = SessionStop(started.transaction_id, 2000, at(1))
    assert [(await sessions.stop("CP-1", stop)).repeated for _ in range(2)] == [False, True]
    events = [event("Started", 0), event("Started", 0), event("Ended", 1), event("Ended", 1)]
    assert [(await sessions.transaction_event("CP-1", "2.0.1", x)).repeated for x in events] == [
        False,
        True,
        False,
        True,
    ]


# -- queries ------------------------------------------------------------------------------------------


async def test_sessions_are_listed_newest_first_and_filtered(sessions: Sessions) -> None:
    for minutes in (0, 10, 20):
        await sessions.start("CP-1", SessionStart(1, IdToken("TAG"), 0, at(minutes)))
    listed = await sessions.all(since=at(10))
    assert [x.started_at for x in listed] == [at(20), at(10)]
    assert await sessions.count(status="active", since=at(10)) == 2
    assert await sessions.count(status="completed") == 0
