"""Hand-written fakes of the OCPP ports, a fake clock, and a way to call a handler as the dispatcher does.

Each fake port records every call as `(method, args)` in `calls`, in order, and returns a canned answer
that a test sets in the constructor. A method named in `raises` raises its exception (after being recorded).
When the ports change, this module is the one place to adapt.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ocpay.ocpp.model import (
    Authorization,
    BootInfo,
    BootReply,
    ConnectorStatus,
    CustomMessage,
    CustomReply,
    IdToken,
    MeterReport,
    Observation,
    ReportedVariable,
    SessionStart,
    SessionStarted,
    SessionStop,
    SessionStopped,
    StationNotice,
    TransactionEvent,
    TransactionEventReply,
)
from ocpay.ocpp.ports import Admission, CallContext, PaymentPort, Ports
from ocpay.ocpp.routing import Handler
from ocpay.ocpp.schemas import SchemaSet, SchemaViolation

STATION = "CS-1"
T0 = datetime(2025, 3, 14, 9, 26, 53, 589000, tzinfo=UTC)  # a fixed moment; "2025-03-14T09:26:53.589Z"

SCHEMAS = SchemaSet()  # the official schemas, compiled once for every test module


class FakeClock:
    """A clock that stands still until a test moves it: call it for the time, `advance` to move it."""

    def __init__(self, start: datetime = T0) -> None:
        self.moment = start

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)


@dataclass
class _Recorder:
    calls: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)
    raises: dict[str, Exception] = field(default_factory=dict)

    def _record(self, method: str, *args: Any) -> None:
        self.calls.append((method, args))
        if method in self.raises:
            raise self.raises[method]

    def methods(self) -> list[str]:
        """The names of the methods called, in order."""
        return [method for method, _ in self.calls]


@dataclass
class FakeStations(_Recorder):
    """StationPort."""

    admission: Admission = field(default_factory=lambda: Admission(101))
    boot_reply: BootReply = field(default_factory=lambda: BootReply("Accepted", 300, T0))

    async def admit(self, station_id: str, password: str | None, certified: bool | None) -> Admission:
        self._record("admit", station_id, password, certified)
        return self.admission

    async def connected(self, station_id: str, version: str) -> None:
        self._record("connected", station_id, version)

    async def disconnected(self, station_id: str) -> None:
        self._record("disconnected", station_id)

    def seen(self, station_id: str) -> None:
        self._record("seen", station_id)

    async def boot(self, station_id: str, version: str, info: BootInfo) -> BootReply:
        self._record("boot", station_id, version, info)
        return self.boot_reply

    async def heartbeat(self, station_id: str) -> None:
        self._record("heartbeat", station_id)

    async def status(self, station_id: str, status: ConnectorStatus) -> None:
        self._record("status", station_id, status)

    async def notice(self, station_id: str, notice: StationNotice) -> None:
        self._record("notice", station_id, notice)

    async def report(self, station_id: str, variables: list[ReportedVariable]) -> None:
        self._record("report", station_id, variables)


@dataclass
class FakeSessions(_Recorder):
    """SessionPort."""

    authorization: Authorization = field(default_factory=lambda: Authorization("Accepted"))
    started: SessionStarted = field(default_factory=lambda: SessionStarted(1, Authorization("Accepted")))
    stopped: SessionStopped = field(default_factory=SessionStopped)
    event_reply: TransactionEventReply = field(default_factory=TransactionEventReply)

    async def authorize(self, station_id: str, token: IdToken) -> Authorization:
        self._record("authorize", station_id, token)
        return self.authorization

    async def start(self, station_id: str, start: SessionStart) -> SessionStarted:
        self._record("start", station_id, start)
        return self.started

    async def stop(self, station_id: str, stop: SessionStop) -> SessionStopped:
        self._record("stop", station_id, stop)
        return self.stopped

    async def transaction_event(self, station_id: str, version: str, event: TransactionEvent) -> TransactionEventReply:
        self._record("transaction_event", station_id, version, event)
        return self.event_reply

    async def meter_values(self, station_id: str, report: MeterReport) -> None:
        self._record("meter_values", station_id, report)


@dataclass
class FakeCustom(_Recorder):
    """CustomMessagePort."""

    reply: CustomReply = field(default_factory=lambda: CustomReply("Accepted"))

    async def data_transfer(self, station_id: str, version: str, message: CustomMessage) -> CustomReply:
        self._record("data_transfer", station_id, version, message)
        return self.reply


@dataclass
class FakePayments(_Recorder):
    """PaymentPort: observes the actions in `observed`, amending their answer with `amendment`."""

    observed: frozenset[str] = frozenset()
    amendment: dict[str, Any] = field(default_factory=dict)
    action_reply: dict[str, Any] = field(default_factory=dict)

    def observes(self, station_id: str, action: str) -> bool:
        return action in self.observed

    refused: Exception | None = None  # raised by `after` (a payment fact it refuses), when set

    async def after(self, observation: Observation, answer: dict[str, Any]) -> dict[str, Any]:
        self._record("after", observation, answer)
        if self.refused is not None:
            raise self.refused
        return {**answer, **self.amendment}

    def answered_actions(self) -> Collection[str]:
        return {"NotifySettlement"} if self.action_reply else set()

    async def ocpp_action(self, station_id: str, version: str, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        self._record("ocpp_action", station_id, version, action, payload)
        return self.action_reply


def fake_ports(
    stations: FakeStations | None = None,
    sessions: FakeSessions | None = None,
    custom: FakeCustom | None = None,
    payments: PaymentPort | None = None,
) -> Ports:
    """Ports made of fakes; the ones not given are fresh fakes with their default answers."""
    return Ports(stations or FakeStations(), sessions or FakeSessions(), custom or FakeCustom(), payments)


def context(
    version: str,
    *,
    stations: FakeStations | None = None,
    sessions: FakeSessions | None = None,
    custom: FakeCustom | None = None,
    payments: PaymentPort | None = None,
) -> CallContext:
    """The CallContext of station STATION speaking `version`, on fake ports."""
    return CallContext(STATION, version, fake_ports(stations, sessions, custom, payments))


def assert_valid(version: str, action: str, payload: dict[str, Any], *, response: bool = False) -> None:
    """Fail the test unless the payload matches the official schema of the action in that version."""
    try:
        SCHEMAS.validate(version, action, payload, response=response)
    except SchemaViolation as violation:
        # re-raised as an AssertionError: a failed test then reads as a failed assertion, with the reason
        kind = "answer" if response else "request"
        raise AssertionError(f"{version} {action} {kind} breaks its schema: {violation.description}") from None


async def ask(handler: Handler, ctx: CallContext, action: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Call a handler as the dispatcher does: the request must match its official schema, and so must the answer."""
    assert_valid(ctx.version, action, payload)
    answer = await handler(ctx, payload)
    assert_valid(ctx.version, action, answer, response=True)
    return answer
