"""What the OCPP handlers need from the domains. The domains (charging, payments) implement these protocols.

Keeping them here lets the OCPP layer stay below the domains while its handlers still reach
sessions, stations and the payment engine: no import goes upwards.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Protocol

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


@dataclass(frozen=True, slots=True)
class Admission:
    """The answer to a connecting station: an HTTP status (101: go ahead) and a reason."""

    status: int
    reason: str = ""


class StationPort(Protocol):
    """What handlers need of the stations service."""

    async def admit(self, station_id: str, password: str | None, certified: bool | None) -> Admission:
        """Whether a connecting station may open its socket: 101, or the HTTP status and reason that refuse it."""
        ...

    async def connected(self, station_id: str, version: str) -> None:
        """The station's socket is open, speaking `version`."""
        ...

    async def disconnected(self, station_id: str) -> None:
        """The station's socket closed (a replaced connection does not count)."""
        ...

    def seen(self, station_id: str) -> None:
        """Traffic from the station: its last-seen time moves (written in batches)."""
        ...

    async def boot(self, station_id: str, version: str, info: BootInfo) -> BootReply:
        """Record the boot; the reply says whether it is accepted and the heartbeat interval."""
        ...

    async def heartbeat(self, station_id: str) -> None:
        """The station is alive."""
        ...

    async def status(self, station_id: str, status: ConnectorStatus) -> None:
        """Record a connector's new status (committed before the answer)."""
        ...

    async def notice(self, station_id: str, notice: StationNotice) -> None:
        """Record a notice for the operator (firmware, logs, security events, NotifyEvent)."""
        ...

    async def report(self, station_id: str, variables: list[ReportedVariable]) -> None:
        """Keep the variables the station reported as its settings."""
        ...


class SessionPort(Protocol):
    """What handlers need of the sessions service."""

    async def authorize(self, station_id: str, token: IdToken) -> Authorization:
        """Whether the id token may charge at the station."""
        ...

    async def start(self, station_id: str, start: SessionStart) -> SessionStarted:
        """Open a 1.6 session (a retried start finds the first) and hand out its transaction id."""
        ...

    async def stop(self, station_id: str, stop: SessionStop) -> SessionStopped:
        """Close a 1.6 session (a retried stop changes nothing); the id token's status when the stop named one."""
        ...

    async def transaction_event(self, station_id: str, version: str, event: TransactionEvent) -> TransactionEventReply:
        """Apply a 2.x transaction event once (a repeated seqNo is answered, not applied again)."""
        ...

    async def meter_values(self, station_id: str, report: MeterReport) -> None:
        """Record readings, on their session when they name one."""
        ...


class CustomMessagePort(Protocol):
    """What the DataTransfer handler needs: the custom-message routing."""

    async def data_transfer(self, station_id: str, version: str, message: CustomMessage) -> CustomReply:
        """The answer to a custom message, from whichever dialect or service claims it."""
        ...


class PaymentPort(Protocol):
    """The payments layer's view of standard messages: it observes some actions and answers a few.

    After the handler of an observed call has answered, `after` gets the call as neutral model and
    the answer, and returns the answer to send: the same, or amended as the station's dialect says.
    """

    def observes(self, station_id: str, action: str) -> bool:
        """Whether `after` must see this station's call of `action` (asked on every call: cheap)."""
        ...

    async def after(self, observation: Observation, answer: dict[str, Any]) -> dict[str, Any]:
        """The answer to send for an observed call, once the payment observers have acted on it."""
        ...

    def answered_actions(self) -> Collection[str]:
        """The standard actions a dialect answers (2.1 NotifySettlement, VatNumberValidation, ...)."""
        ...

    async def ocpp_action(self, station_id: str, version: str, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        """The dialect's answer to one of `answered_actions`."""
        ...


@dataclass(frozen=True, slots=True)
class Ports:
    """Every port the handlers reach, as one value."""

    stations: StationPort
    sessions: SessionPort
    custom: CustomMessagePort
    payments: PaymentPort | None = None


@dataclass(slots=True)
class CallContext:
    """Who is calling: handed to every handler with the payload.

    A handler whose action the payments layer may observe leaves on it the neutral request it built
    and what the port answered (`observed`); the dispatcher hands both to the payment port.
    """

    station_id: str
    version: str
    ports: Ports
    request: Any = None
    result: Any = None

    def observed(self, request: Any, result: Any = None) -> None:
        """Keep the neutral request this call became and the port's result, for the payment observers."""
        self.request = request
        self.result = result
