"""Payment observers: what the dialects do after a standard action's handler has answered.

One observer per action, in a table built per engine (like the `@after(action)` hooks of the `ocpp`
package, but per instance): each takes the neutral model of the call (`Observation`) and returns
the amendments its dialects make to the standard answer. The table also says which observers act
only for a station with a dialect (bound, or holding a token issued for a card): for any other
station the dispatcher is told not to call them at all, so unbound stations cost nothing.

`Observers.after` is the one place where those amendments, version-specific data rendered from the
dialect's `ocpp_reply` templates (2.0.1 totalCost, personalMessage), are merged into the answer
sent to the station.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from ocpay.integrations.dialects import Dialect, DialectSet, Message, SessionTrigger
from ocpay.integrations.paths import get_path, merge
from ocpay.ocpp.model import (
    Authorization,
    BootInfo,
    BootReply,
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
from ocpay.payments.bindings import Bindings, Claim
from ocpay.payments.issued_tokens import IssuedTokens
from ocpay.payments.receiving import Receiver
from ocpay.payments.triggers import Amendment, Triggers
from ocpay.store.db import Database
from ocpay.store.models import ChargingSession
from ocpay.store.queries import payments as queries

Observer = Callable[[Observation], Awaitable[list[Amendment]]]


@dataclass(frozen=True, slots=True)
class Hook:
    """An observer and whether it acts only for a station with a dialect (bound, or holding an issued token)."""

    observe: Observer
    bound_only: bool = False


_EVENT_TRIGGERS: dict[str, SessionTrigger] = {"Started": "session_started", "Updated": "meter_values"}


class Observers:
    """The {action: observer} table of one engine, and the seam that amends standard answers."""

    def __init__(
        self,
        db: Database,
        dialects: DialectSet,
        bindings: Bindings,
        issued: IssuedTokens,
        receiver: Receiver,
        triggers: Triggers,
    ) -> None:
        self.db = db
        self.dialects = dialects
        self.bindings = bindings
        self.issued = issued
        self.receiver = receiver
        self.triggers = triggers
        self._carriers: dict[str, list[tuple[Dialect, Message]]] = {}  # action -> customData messages on it
        for dialect in dialects:
            for message in dialect.messages:
                if message.kind == "custom_data" and message.direction == "to_csms" and message.action:
                    self._carriers.setdefault(message.action, []).append((dialect, message))
        standard = {
            "BootNotification": Hook(self.boot_notification),
            "Authorize": Hook(self.authorize, bound_only=True),
            "StartTransaction": Hook(self.start_transaction),  # card sessions start here: issued, DirectPayment
            "MeterValues": Hook(self.meter_values, bound_only=True),
            "StopTransaction": Hook(self.stop_transaction, bound_only=True),
            "TransactionEvent": Hook(self.transaction_event),  # and here
        }
        self.table: dict[str, Hook] = dict(standard)
        for action in self._carriers:  # customData is read whoever the station is
            self.table[action] = Hook(self._carrying(standard.get(action)))

    def observes(self, station_id: str, action: str) -> bool:
        """Whether an observer acts on this station's call of `action` (`after` is called only then)."""
        hook = self.table.get(action)
        return hook is not None and self._applies(hook, station_id)

    async def after(self, observation: Observation, answer: dict[str, Any]) -> dict[str, Any]:
        """The answer to send: `answer` with the amendments of the action's observer merged in, in order."""
        for amendment in await self.table[observation.action].observe(observation):
            answer = merge(answer, amendment)
        return answer

    # -- one observer per action ------------------------------------------------------------------
    async def boot_notification(self, seen: Observation) -> list[Amendment]:
        """An accepted station is bound to the catalog entry its vendor and model match (unless bound by hand)."""
        info: BootInfo = seen.request
        reply: BootReply = seen.result
        if reply.status == "Accepted":
            await self.bindings.match_at_boot(seen.station_id, info.vendor, info.model)
        return []

    async def authorize(self, seen: Observation) -> list[Amendment]:
        """An accepted id token at a bound station: the dialect's `authorized` messages (a price to show)."""
        token: IdToken = seen.request
        auth: Authorization = seen.result
        if auth.status != "Accepted":
            return []
        return await self.triggers.fire(
            seen.station_id, seen.version, "authorized", None, seen.action, id_token=token.value
        )

    async def start_transaction(self, seen: Observation) -> list[Amendment]:
        """1.6: a session started with an issued token takes over its card events; `session_started` messages
        (their follow-ups on the first start only, not on a retry)."""
        start: SessionStart = seen.request
        started: SessionStarted = seen.result
        session = await self._started_session(seen.station_id, started.transaction_id, start.id_token.value)
        return await self.triggers.fire(
            seen.station_id, seen.version, "session_started", session, seen.action, repeated=started.repeated
        )

    async def meter_values(self, seen: Observation) -> list[Amendment]:
        """1.6 meter values of a session at a bound station: the dialect's `meter_values` messages."""
        report: MeterReport = seen.request
        if report.transaction_id is None:
            return []
        session = await self.receiver.session(seen.station_id, report.transaction_id)
        return await self.triggers.fire(seen.station_id, seen.version, "meter_values", session, seen.action)

    async def stop_transaction(self, seen: Observation) -> list[Amendment]:
        """1.6: the session's issued token is good no more; the dialect's `session_stopped` messages (their
        follow-ups on the first stop only, not on a retry)."""
        stop: SessionStop = seen.request
        stopped: SessionStopped = seen.result
        session = await self.receiver.session(seen.station_id, str(stop.transaction_id))
        if session is not None and session.id_token:  # an issued idTag serves one session
            self.issued.release(seen.station_id, session.id_token)
        return await self.triggers.fire(
            seen.station_id, seen.version, "session_stopped", session, seen.action, repeated=stopped.repeated
        )

    async def transaction_event(self, seen: Observation) -> list[Amendment]:
        """2.x: payment facts in the event (2.1 maxCost), then the messages of the event's trigger (their
        follow-ups on the first processing of a seqNo only, not on a retry)."""
        event: TransactionEvent = seen.request
        reply: TransactionEventReply = seen.result
        session = await self.receiver.session(seen.station_id, event.transaction_id)
        await self._payment_facts(seen, session)
        trigger = _EVENT_TRIGGERS.get(event.event_type, "session_stopped")
        return await self.triggers.fire(
            seen.station_id, seen.version, trigger, session, seen.action, repeated=reply.repeated
        )

    # -- helpers ------------------------------------------------------------------------------------
    def _applies(self, hook: Hook, station_id: str) -> bool:
        """Whether the hook acts for this station: always, or only with a binding or an issued token."""
        return not hook.bound_only or self.bindings.get(station_id) is not None or self.issued.any_for(station_id)

    def _carrying(self, hook: Hook | None) -> Observer:
        """The action's own hook (if any, and if it applies), after reading the call's customData."""

        async def observe(seen: Observation) -> list[Amendment]:
            if seen.custom_data is not None:
                await self._custom_data(seen)
            if hook is None or not self._applies(hook, seen.station_id):
                return []
            return await hook.observe(seen)

        return observe

    async def _custom_data(self, seen: Observation) -> None:
        """A `customData` object a dialect claims on a standard message (2.x), read like a custom message.

        It belongs to the carrier's transaction unless its own data names one.
        """
        custom = seen.custom_data
        assert custom is not None
        binding = self.bindings.get(seen.station_id)
        claims: list[Claim] = []
        for dialect, message in self._carriers[seen.action]:
            params = self.bindings.params_for(seen.station_id, dialect)
            if dialect.resolve(message.vendor_id, params) == custom.vendor_id:
                if binding is not None and binding.dialect is dialect:
                    claims = [Claim(dialect, message, params)]
                    break
                claims.append(Claim(dialect, message, params))
        if len({claim.dialect.id for claim in claims}) == 1:
            dialect, message, params = claims[0]
            carrier = {"transaction_id": custom.transaction_id}
            await self.receiver.receive(seen.station_id, dialect, message, params, custom.data, carrier)

    async def _payment_facts(self, seen: Observation, session: ChargingSession | None) -> None:
        """Payment facts inside a standard TransactionEvent (2.1 transactionLimit.maxCost, LimitSet).

        The session's dialect declares them in wire terms (its `map` and `when_present` paths), so they
        are read from the payload as sent.
        """
        if session is None or session.dialect is None:
            return
        dialect = self.dialects.get(session.dialect)
        if dialect is None:
            return
        for message in dialect.messages:
            if message.kind == "ocpp_action" and message.action == seen.action and message.direction == "to_csms":
                if message.when_present and get_path(seen.payload, message.when_present) is None:
                    continue
                await self.receiver.receive(
                    seen.station_id, dialect, message, dialect.parameter_defaults(), seen.payload
                )

    async def _started_session(self, station_id: str, session_id: int, id_tag: str) -> ChargingSession | None:
        """The session a 1.6 StartTransaction opened, linked to its issued token's events; None if no dialect cares."""
        if self.issued.holds(station_id, id_tag):
            return await self.issued.link(station_id, session_id, id_tag)
        if self.bindings.get(station_id) is None:
            return None
        async with self.db.read() as s:
            return await queries.session(s, session_id)
