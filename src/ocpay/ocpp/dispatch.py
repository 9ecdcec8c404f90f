"""From a CALL to its answer: validate, route to the action's handler, validate the reply, map errors."""

from __future__ import annotations

import logging
import time

from prometheus_client import Counter, Histogram

from ocpay.gateway.framing import Call, Send, encode_error, encode_result, error_code_for
from ocpay.gateway.limits import LogLimiter, printable
from ocpay.gateway.server import StationConnection
from ocpay.ocpp.followups import FollowUps
from ocpay.ocpp.handlers._convert import custom_data
from ocpay.ocpp.model import Observation, ValueRefused, refuse_nul
from ocpay.ocpp.ports import CallContext, Ports
from ocpay.ocpp.routing import Router
from ocpay.ocpp.schemas import SchemaSet, SchemaViolation

log = logging.getLogger("ocpay.ocpp")

CALLS = Counter("ocpay_calls_total", "Station CALLs answered", ["version", "action", "outcome"])
LATENCY = Histogram(
    "ocpay_call_seconds",
    "Time from a station CALL to its answer",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0),
)


class Dispatcher:
    """Implements the gateway's CallHandler on top of the routing table and the service ports."""

    def __init__(
        self,
        ports: Ports,
        router: Router,
        schemas: SchemaSet,
        followups: FollowUps | None = None,
        *,
        validate_replies: bool = True,
    ) -> None:
        self.ports = ports
        self.followups = followups or FollowUps()
        self.router = router
        self.schemas = schemas
        self.validate_replies = validate_replies
        self._failures = LogLimiter()

    def warm(self) -> None:
        """Compile the schemas of every routed action at start-up, not on a station's first call."""
        self.schemas.warm([(v, a, r) for v, a in self.router.routed() for r in (False, True)])

    # -- connection life cycle -------------------------------------------------------------------
    async def admit(self, station_id: str, password: str | None, certified: bool | None) -> tuple[int, str]:
        """The HTTP status (101: go ahead) and reason for a connecting station."""
        admission = await self.ports.stations.admit(station_id, password, certified)
        return admission.status, admission.reason

    async def connected(self, station_id: str, version: str) -> None:
        """Record that the station is connected, speaking `version`."""
        await self.ports.stations.connected(station_id, version)

    async def disconnected(self, station_id: str) -> None:
        """Record that the station's connection has closed."""
        await self.ports.stations.disconnected(station_id)

    # -- messages ------------------------------------------------------------------------------
    async def call(self, station: StationConnection, call: Call) -> str:
        """The encoded CALLRESULT or CALLERROR answering a station's CALL."""
        started = time.perf_counter()
        version = station.version
        self.ports.stations.seen(station.station_id)
        handler = self.router.handler(version, call.action)
        if handler is None:
            code = self.router.unrouted_error(version, call.action)
            CALLS.labels(version, "unrouted", code).inc()
            return encode_error(call.message_id, code, f"{call.action} is not handled by this CSMS")
        try:
            self.schemas.validate(version, call.action, call.payload)
        except SchemaViolation as violation:  # the station's request is at fault: say how
            CALLS.labels(version, call.action, violation.code).inc()
            return encode_error(call.message_id, error_code_for(version, violation.code), violation.description)
        try:
            if call.may_hold_nul:
                refuse_nul(call.payload)
            context = CallContext(station.station_id, version, self.ports)
            reply = await handler(context, call.payload)
            payments = self.ports.payments
            if payments is not None and payments.observes(station.station_id, call.action):
                try:
                    reply = await payments.after(_observation(context, call), reply)
                except ValueRefused as refused:  # the standard message is processed: answer it, don't make it resent
                    log.warning("station %s: payment data refused: %s", station.station_id, refused.description)
            if self.validate_replies:
                self.schemas.validate(version, call.action, reply, response=True)
        except ValueRefused as refused:  # schema-valid, but a value we cannot mean or keep: say which
            CALLS.labels(version, call.action, refused.code).inc()
            return encode_error(call.message_id, error_code_for(version, refused.code), refused.description)
        except Exception as exc:  # our fault, including an answer of ours that breaks the schema
            self._log_failure(station.station_id, call.action, exc)
            CALLS.labels(version, call.action, "InternalError").inc()
            return encode_error(call.message_id, "InternalError", f"{call.action} could not be processed")
        CALLS.labels(version, call.action, "ok").inc()
        LATENCY.observe(time.perf_counter() - started)
        return encode_result(call.message_id, reply)

    def _log_failure(self, station_id: str, action: str, exc: Exception) -> None:
        """Log a handler's failure with its traceback once a minute per station, action and kind of failure;
        the repeats in between are counted in the next line (a station resending a poisonous frame is one line)."""
        held_back = self._failures.allow((station_id, action, type(exc).__name__))
        if held_back is None:
            return
        more = f" ({held_back} more since the last line)" if held_back else ""
        log.error("station %s: %s failed: %s%s", printable(station_id), action, type(exc).__name__, more, exc_info=exc)

    def after_reply(self, station: StationConnection) -> None:
        """Start the follow-ups queued while the station's call was handled."""
        self.followups.start(station.station_id)

    async def send(self, station: StationConnection, message: Send) -> None:
        """2.1 SEND: processed like a CALL, but never answered."""
        handler = self.router.handler(station.version, message.action)
        if handler is None:
            log.info("station %s: unhandled SEND %s", station.station_id, message.action)
            return
        try:
            self.schemas.validate(station.version, message.action, message.payload)
            if message.may_hold_nul:
                refuse_nul(message.payload)
            await handler(CallContext(station.station_id, station.version, self.ports), message.payload)
        except Exception as exc:
            log.info("station %s: SEND %s dropped: %s", station.station_id, message.action, exc)


def _observation(context: CallContext, call: Call) -> Observation:
    """A call as the payment observers see it: what its handler built, and the customData it carried."""
    payload = call.payload
    custom = custom_data(payload) if "customData" in payload else None  # rare: not worth a call on every one
    return Observation(
        context.station_id, context.version, call.action, context.request, context.result, custom, payload
    )
