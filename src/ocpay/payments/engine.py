"""The dialect engine: custom payment messages in, neutral payment events on sessions out.

`Payments` puts the parts together and is what the rest of ocpay sees of them: the OCPP payment
port (custom messages, payment actions, observers of standard actions), the card-session policy of
the sessions service, and the operator's bindings and prices. The parts, each owning its state:

- `bindings.Bindings`: station -> dialect bindings, matching at boot, the DataTransfer claims;
- `receiving.Receiver` and `events.Recorder`: reading a message into a payment event, recording it;
- `observers.Observers`: the {action: observer} table and the one seam that amends standard answers;
- `triggers.Triggers`: the dialect's own messages on session triggers;
- `prices.Prices`, `issued_tokens.IssuedTokens`, `templates.Templates`.
"""

from __future__ import annotations

import secrets
from collections.abc import Coroutine
from typing import Any

from ocpay.charging.sessions import CardMatch
from ocpay.charging.stations import Stations
from ocpay.integrations.catalog import Catalog
from ocpay.integrations.dialects import DialectSet
from ocpay.ocpp.followups import FollowUps
from ocpay.ocpp.model import CustomMessage, CustomReply, IdToken, Observation
from ocpay.payments.bindings import Binding, Bindings
from ocpay.payments.custom_messages import CustomMessages
from ocpay.payments.events import Recorder
from ocpay.payments.issued_tokens import IssuedTokens
from ocpay.payments.observers import Observers
from ocpay.payments.outbox import StationOutbox
from ocpay.payments.prices import Prices
from ocpay.payments.receiving import Receiver
from ocpay.payments.redaction import ReferenceHasher, is_card_number
from ocpay.payments.templates import Templates, render
from ocpay.payments.triggers import Triggers
from ocpay.store.db import Database
from ocpay.store.models import PaymentEvent, Secret, StationPrice
from ocpay.store.queries import payments as queries

__all__ = ["Binding", "Payments"]

_REFERENCE_KEY = "payment_reference_key"


class Payments:
    """Implements the OCPP payment port and the card-session policy of the sessions service."""

    def __init__(
        self,
        db: Database,
        dialects: DialectSet,
        catalog: Catalog,
        stations: Stations,
        custom: CustomMessages,
        followups: FollowUps,
        outbox: StationOutbox,
        *,
        receipt_url_template: str | None = None,
        hash_key: str | None = None,
    ) -> None:
        self.db = db
        self.dialects = dialects
        self.references = ReferenceHasher(hash_key)
        self.prices = Prices(db)
        self.issued = IssuedTokens(db)
        self.bindings = Bindings(db, dialects, catalog, custom, self._on_data_transfer)
        self.templates = Templates(db, self.prices, receipt_url_template)
        recorder = Recorder(db)
        triggers = Triggers(self.bindings, self.templates, recorder, stations, followups, outbox)
        self.receiver = Receiver(db, stations, recorder, triggers, self.issued, self.references)
        self.observers = Observers(db, dialects, self.bindings, self.issued, self.receiver, triggers)

    # -- start-up and refresh --------------------------------------------------------------------
    async def start(self) -> None:
        """Read the reference key, the issued tokens still good, the bindings; claim every dialect's messages."""
        if not self.references.has_key:
            async with self.db.write() as s:
                secret = await queries.secret(s, _REFERENCE_KEY)
                if secret is None:
                    secret = Secret(name=_REFERENCE_KEY, value=secrets.token_hex(32))
                    s.add(secret)
                self.references.use_key(secret.value)
        await self.issued.load()
        await self.refresh()
        self.bindings.claim_all()

    async def refresh(self) -> None:
        """Re-read bindings and prices (another process, the CLI, may have changed them); forget stale tokens."""
        await self.bindings.refresh()
        self.prices.forget()
        self.issued.forget_expired()

    # -- bindings and prices (the operator) --------------------------------------------------------
    def binding(self, station_id: str) -> Binding | None:
        """The station's binding, or None while it has none."""
        return self.bindings.get(station_id)

    async def bind(self, station_id: str, entry_id: str, params: dict[str, Any] | None = None) -> Binding:
        """Bind a station to a catalog entry (the operator's choice wins over matching at boot)."""
        return await self.bindings.bind(station_id, entry_id, params)

    async def set_price(self, station_id: str, **values: Any) -> StationPrice:
        """Set some of the station's price fields; LookupError for an unknown station."""
        return await self.prices.set(station_id, **values)

    async def events(self, session_id: int) -> list[PaymentEvent]:
        """The session's payment events, oldest first."""
        async with self.db.read() as s:
            return await queries.session_events(s, session_id)

    async def station_events(self, station_id: str, limit: int = 50) -> list[PaymentEvent]:
        """The station's last `limit` payment events, newest first."""
        async with self.db.read() as s:
            return await queries.station_events(s, station_id, limit)

    # -- card sessions (the sessions service asks) ----------------------------------------------
    def recognise(self, station_id: str, token: IdToken) -> CardMatch | None:
        """The card session an id token starts (an issued token, or one the dialect's card rules match), or None."""
        issued_by = self.issued.dialect_of(station_id, token.value)
        if issued_by is not None:  # we issued it for a card
            return CardMatch(issued_by, token.value)
        binding = self.bindings.get(station_id)
        candidates = [binding.dialect] if binding else []
        if token.type == "DirectPayment":  # standard in 2.1: any station may send one
            candidates += [d for d in self.dialects if any(r.kind == "direct_payment" for r in d.card_sessions)]
        for dialect in candidates:
            params = self.bindings.params_for(station_id, dialect)
            for rule in dialect.card_sessions:
                value = dialect.resolve(rule.value, params)
                hit = (
                    (rule.kind == "direct_payment" and token.type == "DirectPayment")
                    or (rule.kind == "static_id_tag" and value is not None and token.value == value)
                    or (rule.kind == "id_tag_prefix" and value is not None and token.value.startswith(value))
                )
                if hit:  # a card number is hashed whatever the rule says: it is never kept in clear
                    hashed = rule.hash_token or is_card_number(token.value)
                    stored = self.references(token.value) if hashed else token.value
                    return CardMatch(dialect.id, stored)
        return None

    def reference_hash(self, value: str) -> str:
        """A keyed hash of a payment identifier: links later messages, reveals nothing."""
        return self.references(value)

    # -- the OCPP payment port ---------------------------------------------------------------------
    def observes(self, station_id: str, action: str) -> bool:
        """Whether a payment observer acts on this station's call of `action`."""
        return self.observers.observes(station_id, action)

    def after(self, observation: Observation, answer: dict[str, Any]) -> Coroutine[Any, Any, dict[str, Any]]:
        """The answer to send for an observed call, amended as the station's dialects say (awaitable)."""
        return self.observers.after(observation, answer)  # handed on, not awaited here: one frame less per call

    def answered_actions(self) -> set[str]:
        """The standard actions a dialect answers (2.1 NotifySettlement, VatNumberValidation, ...)."""
        return {
            m.action
            for d in self.dialects
            for m in d.messages
            if m.kind == "ocpp_action" and m.direction == "to_csms" and m.action and m.reply is not None
        }

    async def ocpp_action(self, station_id: str, version: str, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        """The dialect's answer to a standard payment action, after recording what it says.

        Data that breaks the dialect's schema is refused with the CALLERROR its fault calls for
        (ValueRefused), and recorded as the dialect's problem.
        """
        found = self.bindings.action_message(station_id, action)
        if found is None:
            raise LookupError(f"no dialect answers {action}")
        dialect, definition, params = found
        received = await self.receiver.receive(station_id, dialect, definition, params, payload, refuse=True)
        assert received is not None  # refused above otherwise
        context = await self.templates.context(
            station_id, params, payload, issued_token=received.issued_token, session=received.session
        )
        answer = render(definition.reply.data if definition.reply else None, context) or {}
        if definition.reply and definition.reply.status:
            answer["status"] = render(definition.reply.status, context)
        return dict(answer)

    async def _on_data_transfer(self, station_id: str, version: str, message: CustomMessage) -> CustomReply | None:
        """A DataTransfer a dialect claims: recorded and answered as the dialect says; None if none claims it here."""
        found = self.bindings.data_transfer(station_id, message.vendor_id, message.message_id)
        if found is None:
            return None
        dialect, definition, params = found
        if not message.data_is_json:
            await self.receiver.problem(station_id, dialect, definition, "data is not JSON", message.data)
            return CustomReply("Rejected")
        received = await self.receiver.receive(station_id, dialect, definition, params, message.data)
        if received is None:
            return CustomReply("Rejected")
        reply = definition.reply
        context = await self.templates.context(station_id, params, message.data, issued_token=received.issued_token)
        data = render(reply.data if reply else None, context)
        return CustomReply(reply.status if reply and reply.status else "Accepted", data)  # type: ignore[arg-type]
