"""The payment observers: one per standard action, each fed the neutral model its handler built."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from ocpay.integrations.dialects import DialectSet
from ocpay.ocpp.model import (
    Authorization,
    BootInfo,
    BootReply,
    CustomData,
    IdToken,
    MeterReport,
    Observation,
    SessionStart,
    SessionStarted,
    SessionStop,
    SessionStopped,
    TransactionEvent,
    TransactionEventReply,
)
from ocpay.payments.bindings import Binding
from ocpay.payments.observers import Observers
from ocpay.store.queries import payments as queries
from tests.unit.payments.fakes import FakeDb, dialect

AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
ACCEPTED = Authorization("Accepted")
TERMINAL = dialect("""
id: test.terminal
title: A terminal that shows prices
version: "1"
provenance: {kind: inferred, source: written for this test}
ocpp_versions: ["1.6", "2.0.1", "2.1"]
messages: []
""")
CUSTOM_DATA = dialect("""
id: test.customdata
title: A terminal reporting in customData
version: "1"
provenance: {kind: inferred, source: written for this test}
ocpp_versions: ["2.0.1"]
messages:
  - {name: PaidAtTerminal, kind: custom_data, vendor_id: com.example.pay, action: TransactionEvent,
     direction: to_csms, event: settled, map: {amount: paidAmount}}
  - {name: TerminalStatus, kind: custom_data, vendor_id: com.example.pay, action: StatusNotification,
     direction: to_csms, event: failed, map: {status: terminalStatus}}
  - {name: TerminalReading, kind: custom_data, vendor_id: com.example.pay, action: MeterValues,
     direction: to_csms, event: authorized, map: {amount: heldAmount}}
""")
LIMITS = dialect("""
id: test.limits
title: Payment facts in a standard TransactionEvent
version: "1"
provenance: {kind: inferred, source: written for this test}
ocpp_versions: ["2.1"]
messages:
  - {name: TransactionLimit, kind: ocpp_action, action: TransactionEvent, direction: to_csms,
     when_present: transactionInfo.transactionLimit.maxCost, event: authorized,
     map: {amount: transactionInfo.transactionLimit.maxCost}}
""")
PRICE_MESSAGE = {"idTokenInfo": {"personalMessage": {"format": "UTF8", "content": "0.42 EUR/kWh"}}}


@pytest.fixture(autouse=True)
def sessions_by_id(monkeypatch: pytest.MonkeyPatch) -> None:
    """The 1.6 session a StartTransaction opened, as the store would find it by its id."""

    async def session(s: Any, session_id: int) -> Any:
        return SimpleNamespace(id=session_id, dialect=None, id_token=None)

    monkeypatch.setattr(queries, "session", session)


class FakeBindings:
    def __init__(self, bound: dict[str, Binding]) -> None:
        self.bound = bound
        self.matched: list[tuple[str, str, str]] = []

    def get(self, station_id: str) -> Binding | None:
        return self.bound.get(station_id)

    def params_for(self, station_id: str, dialect: Any) -> dict[str, Any]:
        binding = self.bound.get(station_id)
        return binding.params if binding and binding.dialect is dialect else dialect.parameter_defaults()

    async def match_at_boot(self, station_id: str, vendor: str, model: str) -> None:
        self.matched.append((station_id, vendor, model))


class FakeIssued:
    def __init__(self, tokens: set[tuple[str, str]] | None = None) -> None:
        self.tokens = tokens or set()
        self.linked: list[tuple[str, int, str]] = []
        self.released: list[tuple[str, str]] = []

    def any_for(self, station_id: str) -> bool:
        return any(station == station_id for station, _ in self.tokens)

    def holds(self, station_id: str, token: str | None) -> bool:
        return (station_id, token or "") in self.tokens

    async def link(self, station_id: str, session_id: int, token: str) -> Any:
        self.linked.append((station_id, session_id, token))
        return SimpleNamespace(id=session_id, dialect="test.terminal", id_token=token)

    def release(self, station_id: str, token: str) -> None:
        self.released.append((station_id, token))


class FakeReceiver:
    def __init__(self, sessions: dict[tuple[str, str], Any] | None = None) -> None:
        self.sessions = sessions or {}
        self.looked_up: list[tuple[str, str]] = []
        self.received: list[tuple[str, str, Any, dict[str, Any] | None]] = []

    async def session(self, station_id: str, transaction_id: str) -> Any:
        self.looked_up.append((station_id, transaction_id))
        return self.sessions.get((station_id, transaction_id))

    async def receive(
        self, station_id: str, dialect: Any, message: Any, params: Any, data: Any, carrier: Any = None
    ) -> Any:
        self.received.append((station_id, message.name, data, carrier))


class FakeTriggers:
    """Records each trigger; answers with the amendments it was given."""

    def __init__(self, amendments: list[dict[str, Any]] | None = None) -> None:
        self.amendments = amendments or []
        self.fired: list[dict[str, Any]] = []

    async def fire(
        self, station_id: str, version: str | None, trigger: str, session: Any, action: str | None = None, **kw: Any
    ) -> list[dict[str, Any]]:
        self.fired.append(
            {"station": station_id, "version": version, "trigger": trigger, "session": session, "action": action, **kw}
        )
        return self.amendments


class Fixture(SimpleNamespace):
    observers: Observers
    bindings: FakeBindings
    issued: FakeIssued
    receiver: FakeReceiver
    triggers: FakeTriggers
    db: FakeDb


def build(
    *,
    bound: tuple[str, ...] = ("CS1",),
    dialects: tuple[Any, ...] = (TERMINAL,),
    issued: set[tuple[str, str]] | None = None,
    sessions: dict[tuple[str, str], Any] | None = None,
    amendments: list[dict[str, Any]] | None = None,
) -> Fixture:
    f = Fixture(
        bindings=FakeBindings({station: Binding(TERMINAL, {}, "entry") for station in bound}),
        issued=FakeIssued(issued),
        receiver=FakeReceiver(sessions),
        triggers=FakeTriggers(amendments),
        db=FakeDb(),
    )
    f.observers = Observers(f.db, DialectSet(dialects), f.bindings, f.issued, f.receiver, f.triggers)  # type: ignore[arg-type]
    return f


def seen(
    action: str,
    request: Any,
    result: Any = None,
    *,
    station: str = "CS1",
    version: str = "1.6",
    custom: CustomData | None = None,
    payload: dict[str, Any] | None = None,
) -> Observation:
    return Observation(station, version, action, request, result, custom, payload or {})


async def dispatch(f: Fixture, observation: Observation, answer: dict[str, Any]) -> dict[str, Any]:
    """What the dispatcher does after a handler answered: ask whether to observe, then let the observers amend."""
    if not f.observers.observes(observation.station_id, observation.action):
        return answer
    return await f.observers.after(observation, answer)


def event(kind: str) -> TransactionEvent:
    return TransactionEvent(kind, "TX-1", 0, "Authorized", AT)  # type: ignore[arg-type]


STANDARD = {
    "Authorize": (seen("Authorize", IdToken("RFID1"), ACCEPTED), "authorized"),
    "StartTransaction": (
        seen("StartTransaction", SessionStart(1, IdToken("RFID1"), 0, AT), SessionStarted(7, ACCEPTED)),
        "session_started",
    ),
    "MeterValues": (seen("MeterValues", MeterReport(1, "7", ())), "meter_values"),
    "StopTransaction": (seen("StopTransaction", SessionStop(7, 900, AT), SessionStopped()), "session_stopped"),
    "TransactionEvent": (
        seen("TransactionEvent", event("Updated"), TransactionEventReply(), version="2.0.1"),
        "meter_values",
    ),
}


def test_the_table_has_an_observer_for_each_observed_action_and_none_for_others() -> None:
    observers = build().observers
    assert set(observers.table) == {"BootNotification", *STANDARD}
    assert observers.observes("CS1", "TransactionEvent")
    assert not observers.observes("CS1", "Heartbeat") and not observers.observes("CS1", "StatusNotification")


@pytest.mark.parametrize("action", list(STANDARD))
async def test_each_action_fires_its_trigger_and_the_amendment_reaches_the_answer(action: str) -> None:
    observation, trigger = STANDARD[action]
    f = build(amendments=[{"totalCost": 1.5}])
    answer = await dispatch(f, observation, {"status": "kept"})
    assert answer == {"status": "kept", "totalCost": 1.5}
    assert [(x["trigger"], x["action"], x["version"]) for x in f.triggers.fired] == [
        (trigger, action, observation.version)
    ]


@pytest.mark.parametrize("action", ["Authorize", "MeterValues", "StopTransaction"])
async def test_an_unbound_station_is_left_alone(action: str) -> None:
    observation, _ = STANDARD[action]
    f = build(bound=())
    assert not f.observers.observes("CS1", action)  # the dispatcher does not even build the observation
    answer = {"idTagInfo": {"status": "Accepted"}}
    assert await dispatch(f, observation, answer) == answer
    assert f.triggers.fired == [] and f.receiver.looked_up == [] and f.db.reads == 0


async def test_an_unbound_station_is_observed_where_card_sessions_start_but_nothing_is_read() -> None:
    f = build(bound=())
    observation, _ = STANDARD["StartTransaction"]
    await dispatch(f, observation, {})
    assert f.db.reads == 0 and f.issued.linked == []
    assert [(x["trigger"], x["session"]) for x in f.triggers.fired] == [("session_started", None)]


async def test_a_station_with_an_issued_token_is_not_left_alone() -> None:
    f = build(bound=(), issued={("CS1", "CARD0001")})
    observation, _ = STANDARD["Authorize"]
    await dispatch(f, observation, {})
    assert [x["trigger"] for x in f.triggers.fired] == ["authorized"]
    assert f.triggers.fired[0]["id_token"] == "RFID1"


async def test_a_declined_id_token_fires_nothing() -> None:
    f = build()
    await dispatch(f, seen("Authorize", IdToken("RFID1"), Authorization("Blocked")), {})
    assert f.triggers.fired == []


@pytest.mark.parametrize(("status", "matched"), [("Accepted", [("CS1", "Acme", "Fast 50")]), ("Pending", [])])
async def test_an_accepted_boot_matches_the_catalog(status: str, matched: list[tuple[str, str, str]]) -> None:
    f = build()
    reply = BootReply(status, 60, AT)  # type: ignore[arg-type]
    assert await dispatch(f, seen("BootNotification", BootInfo("Acme", "Fast 50"), reply), {"x": 1}) == {"x": 1}
    assert f.bindings.matched == matched


async def test_a_session_started_with_an_issued_token_takes_over_its_card_events() -> None:
    f = build(issued={("CS1", "CARD0001")})
    start = SessionStart(1, IdToken("CARD0001"), 0, AT)
    await dispatch(f, seen("StartTransaction", start, SessionStarted(7, ACCEPTED)), {})
    assert f.issued.linked == [("CS1", 7, "CARD0001")]
    assert f.triggers.fired[0]["session"].id == 7


async def test_a_bound_station_s_session_is_read_by_its_id() -> None:
    f = build()
    observation, _ = STANDARD["StartTransaction"]
    await dispatch(f, observation, {})
    assert f.db.reads == 1 and f.triggers.fired[0]["session"].id == 7


async def test_a_stopped_session_releases_its_token() -> None:
    f = build(sessions={("CS1", "7"): SimpleNamespace(id=7, id_token="CARD0001", dialect=None)})
    observation, _ = STANDARD["StopTransaction"]
    await dispatch(f, observation, {})
    assert f.issued.released == [("CS1", "CARD0001")]
    assert f.triggers.fired[0]["session"].id == 7


@pytest.mark.parametrize(
    ("kind", "trigger"), [("Started", "session_started"), ("Updated", "meter_values"), ("Ended", "session_stopped")]
)
async def test_each_transaction_event_type_fires_its_trigger(kind: str, trigger: str) -> None:
    f = build(bound=())
    await dispatch(f, seen("TransactionEvent", event(kind), TransactionEventReply(), version="2.0.1"), {})
    assert f.receiver.looked_up == [("CS1", "TX-1")]
    assert [x["trigger"] for x in f.triggers.fired] == [trigger]


REPEATS = {
    "StartTransaction": seen(
        "StartTransaction", SessionStart(1, IdToken("RFID1"), 0, AT), SessionStarted(7, ACCEPTED, True)
    ),
    "StopTransaction": seen("StopTransaction", SessionStop(7, 900, AT), SessionStopped(repeated=True)),
    "TransactionEvent": seen("TransactionEvent", event("Ended"), TransactionEventReply(repeated=True), version="2.0.1"),
}


@pytest.mark.parametrize("action", list(REPEATS))
async def test_a_retried_start_stop_or_event_fires_its_trigger_as_a_repeat(action: str) -> None:
    f = build(amendments=[{"totalCost": 1.5}])
    first, _ = STANDARD[action]
    await dispatch(f, first, {})
    answer = await dispatch(f, REPEATS[action], {})
    assert answer == {"totalCost": 1.5}  # the retry's answer is amended alike
    assert [x["repeated"] for x in f.triggers.fired] == [False, True]


async def test_amendments_are_merged_into_the_answer_in_order_without_changing_it() -> None:
    f = build(amendments=[PRICE_MESSAGE, {"idTokenInfo": {"personalMessage": {"content": "Welcome"}}}])
    answer = {"idTokenInfo": {"status": "Accepted"}}
    observation, _ = STANDARD["Authorize"]
    amended = await dispatch(f, observation, answer)
    assert amended == {
        "idTokenInfo": {"status": "Accepted", "personalMessage": {"format": "UTF8", "content": "Welcome"}}
    }
    assert answer == {"idTokenInfo": {"status": "Accepted"}}


async def test_custom_data_a_dialect_claims_is_received_with_the_carrier_s_transaction() -> None:
    f = build(bound=(), dialects=(TERMINAL, CUSTOM_DATA))
    paid = {"vendorId": "com.example.pay", "paidAmount": 17.4}
    custom = CustomData("com.example.pay", paid, "TX-1")
    await dispatch(
        f, seen("TransactionEvent", event("Ended"), TransactionEventReply(), version="2.0.1", custom=custom), {}
    )
    assert f.receiver.received == [("CS1", "PaidAtTerminal", paid, {"transaction_id": "TX-1"})]
    assert [x["trigger"] for x in f.triggers.fired] == ["session_stopped"]  # the standard observer still runs


async def test_custom_data_of_another_vendor_is_ignored() -> None:
    f = build(dialects=(TERMINAL, CUSTOM_DATA))
    custom = CustomData("org.other", {"vendorId": "org.other", "x": 1})
    await dispatch(
        f, seen("TransactionEvent", event("Updated"), TransactionEventReply(), version="2.0.1", custom=custom), {}
    )
    assert f.receiver.received == []


async def test_each_engine_builds_its_own_table_from_its_dialects() -> None:
    plain, carrying = build(), build(dialects=(TERMINAL, CUSTOM_DATA))
    assert not plain.observers.observes("CS1", "StatusNotification")
    assert carrying.observers.observes("CS1", "StatusNotification")
    custom = CustomData("com.example.pay", {"vendorId": "com.example.pay", "terminalStatus": "Faulted"})
    answer = await dispatch(carrying, seen("StatusNotification", None, version="2.0.1", custom=custom), {})
    assert answer == {} and [x[1] for x in carrying.receiver.received] == ["TerminalStatus"]


@pytest.mark.parametrize(("limit", "received"), [({"maxCost": 40.0}, ["TransactionLimit"]), ({}, [])])
async def test_payment_facts_in_a_transaction_event_are_read_as_the_session_s_dialect_declares(
    limit: dict[str, Any], received: list[str]
) -> None:
    session = SimpleNamespace(id=3, dialect="test.limits", id_token=None)
    f = build(bound=(), dialects=(TERMINAL, LIMITS), sessions={("CS1", "TX-1"): session})
    payload = {"transactionInfo": {"transactionId": "TX-1", "transactionLimit": limit}}
    await dispatch(
        f, seen("TransactionEvent", event("Updated"), TransactionEventReply(), version="2.1", payload=payload), {}
    )
    assert [x[1] for x in f.receiver.received] == received


async def test_custom_data_on_an_action_for_bound_stations_is_read_but_its_observer_is_skipped() -> None:
    f = build(bound=(), dialects=(TERMINAL, CUSTOM_DATA))
    custom = CustomData("com.example.pay", {"vendorId": "com.example.pay", "heldAmount": 50})
    assert f.observers.observes("CS1", "MeterValues")
    await dispatch(f, seen("MeterValues", MeterReport(1, "7", ()), version="2.0.1", custom=custom), {})
    assert [x[1] for x in f.receiver.received] == ["TerminalReading"]
    assert f.receiver.looked_up == [] and f.triggers.fired == []
