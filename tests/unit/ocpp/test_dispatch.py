"""The dispatcher: from a CALL to its answer, on fake ports, the real routing table and the official schemas."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, cast

import pytest
from prometheus_client import REGISTRY

from ocpay.gateway.framing import Call, Send, parse_frame
from ocpay.gateway.server import StationConnection
from ocpay.ocpp.dispatch import Dispatcher
from ocpay.ocpp.followups import FollowUps
from ocpay.ocpp.model import Authorization, BootInfo, IdToken
from ocpay.ocpp.ports import Admission, CallContext
from ocpay.ocpp.routing import Router
from ocpay.ocpp.schemas import SchemaSet
from tests.unit.ocpp.fakes import (
    SCHEMAS,
    STATION,
    FakePayments,
    FakeSessions,
    FakeStations,
    fake_ports,
)

BOOT_16 = {"chargePointVendor": "ABB", "chargePointModel": "Terra 54"}
AUTHORIZE_2X = {"idToken": {"idToken": "04A2B3C4", "type": "ISO14443"}}


@dataclass
class Connection:
    """What the dispatcher reads of a station's connection: who it is and which version it speaks."""

    station_id: str = STATION
    version: str = "2.0.1"


def connection(version: str) -> StationConnection:
    return cast(StationConnection, Connection(version=version))


async def answer(dispatcher: Dispatcher, version: str, action: str, payload: dict[str, Any]) -> list[Any]:
    """The frame the station hears for one CALL (framed as a station sends it), decoded."""
    call = parse_frame(json.dumps([2, "m-1", action, payload]), version)
    assert isinstance(call, Call)
    return cast(list[Any], json.loads(await dispatcher.call(connection(version), call)))


def dispatcher(
    stations: FakeStations | None = None,
    sessions: FakeSessions | None = None,
    payments: FakePayments | None = None,
    router: Router | None = None,
    followups: FollowUps | None = None,
    **options: Any,
) -> Dispatcher:
    ports = fake_ports(stations, sessions, payments=payments)
    return Dispatcher(ports, router or Router(), SCHEMAS, followups, **options)


def calls_counted(version: str, action: str, outcome: str) -> float:
    labels = {"version": version, "action": action, "outcome": outcome}
    return REGISTRY.get_sample_value("ocpay_calls_total", labels) or 0.0


# -- a valid call ---------------------------------------------------------------------------------------


async def test_a_valid_call_reaches_its_handler_and_its_answer_is_a_callresult() -> None:
    stations = FakeStations()

    frame = await answer(dispatcher(stations), "1.6", "BootNotification", BOOT_16)

    assert frame == [3, "m-1", {"status": "Accepted", "currentTime": "2025-03-14T09:26:53.589Z", "interval": 300}]
    assert stations.calls == [("seen", (STATION,)), ("boot", (STATION, "1.6", BootInfo("ABB", "Terra 54")))]


@pytest.mark.parametrize("version", ["2.0.1", "2.1"])
async def test_the_handler_hears_the_version_the_station_speaks(version: str) -> None:
    sessions = FakeSessions()

    frame = await answer(dispatcher(sessions=sessions), version, "Authorize", AUTHORIZE_2X)

    assert frame == [3, "m-1", {"idTokenInfo": {"status": "Accepted"}}]
    assert sessions.calls == [("authorize", (STATION, IdToken("04A2B3C4", "ISO14443")))]


async def test_an_answered_call_is_counted_under_its_action() -> None:
    before = calls_counted("2.0.1", "Heartbeat", "ok")

    frame = await answer(dispatcher(), "2.0.1", "Heartbeat", {})

    assert frame[:2] == [3, "m-1"]
    assert calls_counted("2.0.1", "Heartbeat", "ok") == before + 1


# -- the station's fault: its payload breaks the schema ---------------------------------------------------


@pytest.mark.parametrize(
    ("version", "action", "payload", "code"),
    [
        ("2.0.1", "BootNotification", {"chargingStation": {"vendorName": "ABB", "model": "T"}},
         "OccurrenceConstraintViolation"),
        ("1.6", "BootNotification", {"chargePointVendor": "ABB"}, "OccurenceConstraintViolation"),  # 1.6's spelling
        ("1.6", "Authorize", {"idTag": 42}, "TypeConstraintViolation"),
        ("1.6", "Authorize", {"idTag": "X" * 21}, "PropertyConstraintViolation"),
        ("2.1", "Authorize", {**AUTHORIZE_2X, "pin": "1234"}, "FormatViolation"),
        ("2.0.1", "StatusNotification",
         {"timestamp": "2025-03-14T09:26:53Z", "connectorStatus": "Sleeping", "evseId": 1, "connectorId": 1},
         "PropertyConstraintViolation"),
    ],
)  # fmt: skip
async def test_a_payload_that_breaks_the_schema_gets_the_versions_error_code_and_reaches_no_port(
    version: str, action: str, payload: dict[str, Any], code: str
) -> None:
    stations, sessions = FakeStations(), FakeSessions()

    frame = await answer(dispatcher(stations, sessions), version, action, payload)

    assert frame[:3] == [4, "m-1", code]
    assert isinstance(frame[3], str) and frame[3]  # says what is wrong
    assert stations.methods() == ["seen"]
    assert sessions.calls == []


# -- nobody handles the action ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "action", "code"),
    [
        ("2.0.1", "MakeCoffee", "NotImplemented"),
        ("1.6", "TransactionEvent", "NotImplemented"),
        ("1.6", "SignCertificate", "NotSupported"),
        ("2.1", "NotifySettlement", "NotSupported"),
    ],
)
async def test_an_unrouted_action_is_not_implemented_or_not_supported(version: str, action: str, code: str) -> None:
    stations = FakeStations()

    frame = await answer(dispatcher(stations), version, action, {})

    assert frame == [4, "m-1", code, f"{action} is not handled by this CSMS", {}]
    assert stations.methods() == ["seen"]  # a station that calls is alive, whatever it calls


# -- our fault: InternalError ---------------------------------------------------------------------------------


async def test_a_port_that_raises_gives_an_internal_error_that_tells_no_secrets() -> None:
    sessions = FakeSessions(raises={"authorize": RuntimeError("password=hunter2 at db-1")})

    frame = await answer(dispatcher(sessions=sessions), "2.0.1", "Authorize", AUTHORIZE_2X)

    assert frame == [4, "m-1", "InternalError", "Authorize could not be processed", {}]


async def test_an_internal_error_is_counted_under_its_action() -> None:
    stations = FakeStations(raises={"boot": RuntimeError("database gone")})
    before = calls_counted("1.6", "BootNotification", "InternalError")

    frame = await answer(dispatcher(stations), "1.6", "BootNotification", BOOT_16)

    assert frame[:3] == [4, "m-1", "InternalError"]
    assert calls_counted("1.6", "BootNotification", "InternalError") == before + 1


async def _broken_heartbeat(ctx: CallContext, payload: dict[str, Any]) -> dict[str, Any]:
    return {"currentTime": "yesterday"}


async def test_an_answer_of_ours_that_breaks_the_schema_is_an_internal_error() -> None:
    router = Router()
    router.add("2.0.1", "Heartbeat", _broken_heartbeat)

    frame = await answer(dispatcher(router=router), "2.0.1", "Heartbeat", {})

    assert frame[:3] == [4, "m-1", "InternalError"]


async def test_answers_go_unchecked_when_reply_validation_is_off() -> None:
    router = Router()
    router.add("2.0.1", "Heartbeat", _broken_heartbeat)

    frame = await answer(dispatcher(router=router, validate_replies=False), "2.0.1", "Heartbeat", {})

    assert frame == [3, "m-1", {"currentTime": "yesterday"}]


# -- follow-ups -----------------------------------------------------------------------------------------------------


async def test_a_follow_up_runs_only_after_the_answer_is_sent() -> None:
    followups = FollowUps()
    happened: list[str] = []

    async def send_price() -> None:
        happened.append("price sent")

    async def authorize_then_show_price(ctx: CallContext, payload: dict[str, Any]) -> dict[str, Any]:
        followups.schedule(ctx.station_id, send_price)
        return {"idTokenInfo": {"status": "Accepted"}}

    router = Router()
    router.add("2.0.1", "Authorize", authorize_then_show_price)
    subject = dispatcher(router=router, followups=followups)

    frame = await answer(subject, "2.0.1", "Authorize", AUTHORIZE_2X)
    happened.append("answered")
    subject.after_reply(connection("2.0.1"))  # the gateway calls this once the answer is on the wire
    await followups.drain()

    assert frame[0] == 3
    assert happened == ["answered", "price sent"]


# -- the connection's life cycle --------------------------------------------------------------------------------------


async def test_admission_connection_and_disconnection_go_to_the_station_port() -> None:
    stations = FakeStations(admission=Admission(401, "unknown station"))
    subject = dispatcher(stations)

    admitted = await subject.admit(STATION, "secret", False)
    await subject.connected(STATION, "2.1")
    await subject.disconnected(STATION)

    assert admitted == (401, "unknown station")
    assert stations.calls == [
        ("admit", (STATION, "secret", False)),
        ("connected", (STATION, "2.1")),
        ("disconnected", (STATION,)),
    ]


def test_warming_compiles_the_schemas_of_every_routed_action_both_ways() -> None:
    compiled: set[tuple[str, str, bool]] = set()

    class Recording(SchemaSet):
        def compile(self, version: str, action: str, response: bool) -> Any:
            compiled.add((version, action, response))
            return super().compile(version, action, response)

    router = Router()
    Dispatcher(fake_ports(), router, Recording(), FollowUps()).warm()

    assert compiled == {(v, a, r) for v, a in router.routed() for r in (False, True)}


# -- SEND (2.1): processed, never answered ---------------------------------------------------------------


async def test_a_send_is_handled_without_an_answer() -> None:
    stations = FakeStations()
    notice = {"status": "Uploaded", "requestId": 3}

    await dispatcher(stations).send(connection("2.1"), Send("s-1", "LogStatusNotification", notice))

    assert stations.methods() == ["notice"]


@pytest.mark.parametrize(
    ("action", "payload"),
    [
        ("LogStatusNotification", {"status": "Sleeping"}),  # breaks the schema
        ("NotifyPeriodicEventStream", {"id": 1, "pending": 0, "basetime": "2025-03-14T09:26:53Z", "data": []}),
    ],
)
async def test_a_send_that_is_invalid_or_unrouted_is_dropped_quietly(action: str, payload: dict[str, Any]) -> None:
    stations = FakeStations()

    await dispatcher(stations).send(connection("2.1"), Send("s-1", action, payload))

    assert stations.calls == []


async def test_a_send_whose_handler_fails_is_dropped_quietly() -> None:
    stations = FakeStations(raises={"notice": RuntimeError("database gone")})

    await dispatcher(stations).send(connection("2.1"), Send("s-1", "LogStatusNotification", {"status": "Uploaded"}))

    assert stations.methods() == ["notice"]


# -- payment hooks (PaymentPort.observes/after and the payment actions it answers) ----------------------


async def test_a_payments_port_that_observes_an_action_may_amend_its_answer() -> None:
    message = {"format": "UTF8", "content": "0.39 EUR/kWh"}
    payments = FakePayments(
        observed=frozenset({"Authorize"}),
        amendment={"idTokenInfo": {"status": "Accepted", "personalMessage": message}},
    )

    frame = await answer(dispatcher(payments=payments), "2.0.1", "Authorize", AUTHORIZE_2X)

    assert frame == [3, "m-1", {"idTokenInfo": {"status": "Accepted", "personalMessage": message}}]
    standard = {"idTokenInfo": {"status": "Accepted"}}
    [(method, (observation, seen))] = payments.calls
    assert (method, seen) == ("after", standard)
    assert (observation.station_id, observation.version, observation.action) == (STATION, "2.0.1", "Authorize")
    assert observation.request == IdToken("04A2B3C4", "ISO14443")  # the neutral model the handler built
    assert observation.result == Authorization("Accepted")


async def test_a_payments_port_is_not_consulted_for_actions_it_does_not_observe() -> None:
    payments = FakePayments(observed=frozenset({"TransactionEvent"}), amendment={"unexpected": True})

    frame = await answer(dispatcher(payments=payments), "2.0.1", "Authorize", AUTHORIZE_2X)

    assert frame == [3, "m-1", {"idTokenInfo": {"status": "Accepted"}}]
    assert payments.calls == []


async def test_an_amendment_that_breaks_the_schema_is_an_internal_error() -> None:
    payments = FakePayments(observed=frozenset({"Authorize"}), amendment={"priceText": "0.39 EUR/kWh"})

    frame = await answer(dispatcher(payments=payments), "2.0.1", "Authorize", AUTHORIZE_2X)

    assert frame[:3] == [4, "m-1", "InternalError"]


async def test_a_routed_payment_action_is_answered_by_the_payments_port() -> None:
    payments = FakePayments(action_reply={"receiptId": "R-9"})
    router = Router(payments=payments)  # routes what the port answers
    settlement = {
        "pspRef": "PSP-1",
        "status": "Settled",
        "settlementAmount": 12.5,
        "settlementTime": "2025-03-14T09:26:53Z",
    }

    frame = await answer(dispatcher(payments=payments, router=router), "2.1", "NotifySettlement", settlement)

    assert frame == [3, "m-1", {"receiptId": "R-9"}]
    assert payments.methods() == ["ocpp_action"]
