"""The dialect engine: custom payment messages in, neutral payment events on sessions out.

It binds each station to a catalog entry (explicitly, or by its BootNotification), routes custom
messages through the station's dialect first and then through any dialect that uniquely claims
them, answers them as the dialect says, and sends the dialect's own messages on session events.
Payment identifiers are dropped or replaced by a keyed hash before anything is stored or logged.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import fastjsonschema
from sqlalchemy import select

from ocpay.charging.sessions import CardMatch
from ocpay.charging.stations import Stations
from ocpay.integrations.catalog import Catalog
from ocpay.integrations.dialects import Dialect, DialectSet, Message, SessionTrigger
from ocpay.integrations.paths import drop_paths, get_path, merge
from ocpay.ocpp.followups import FollowUps
from ocpay.ocpp.handlers._convert import format_time, parse_time
from ocpay.ocpp.model import CustomMessage, CustomReply, IdToken, StationNotice, now
from ocpay.payments.custom_messages import CustomMessages
from ocpay.payments.redaction import mask
from ocpay.store.db import Database
from ocpay.store.journal import Write
from ocpay.store.models import ChargingSession, PaymentEvent, Secret, Station, StationPrice, StationSetting
from ocpay.store.statements import INSERT_PAYMENT_EVENT, UPDATE_SESSION_PAYMENT

log = logging.getLogger("ocpay.payments")

VAT_NUMBER = re.compile(r"^[A-Z]{2}[0-9A-Z+*]{2,13}$")
_OBSERVED = {"BootNotification", "Authorize", "StartTransaction", "MeterValues", "StopTransaction", "TransactionEvent"}
_DISPLAY_ONLY = {"price_shown", "price_requested"}
# A CSMS-issued idTag must start its session within this time; then it serves that session only.
ISSUED_TOKEN_LIFETIME = timedelta(minutes=30)
_SUMMARY_STATUS = {
    "authorized": "authorized",
    "declined": "declined",
    "settled": "settled",
    "canceled": "canceled",
    "failed": "failed",
}


@dataclass(frozen=True, slots=True)
class Binding:
    """The dialect a station speaks, with the parameters its catalog entry or operator set."""

    dialect: Dialect
    params: dict[str, Any]
    entry_id: str | None
    bound: bool = False  # by the operator: matching at boot leaves it alone


@dataclass(slots=True)
class Received:
    """A custom or payment message as the engine understood it."""

    fields: dict[str, Any]
    kind: str | None
    amount: Decimal | None = None
    reference_hash: str | None = None
    issued_token: str | None = None
    session: ChargingSession | None = None  # the session the message belongs to, when found
    reported_at: datetime | None = None  # when it happened, as the station reports it


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
        *,
        receipt_url_template: str | None = None,
        hash_key: str | None = None,
    ) -> None:
        self.db = db
        self.dialects = dialects
        self.catalog = catalog
        self.stations = stations
        self.custom = custom
        self.followups = followups
        self.receipt_url_template = receipt_url_template
        self.commands: Any = None  # the commands service, present while the gateway runs
        self._hash_key = hash_key.encode() if hash_key else b""
        self._bindings: dict[str, Binding] = {}
        self._prices: dict[str, StationPrice | None] = {}  # this process sets every price it caches
        # station -> CSMS-issued id token -> (dialect, until when it may start a session; None: in use)
        self._issued: dict[str, dict[str, tuple[str, datetime | None]]] = {}
        self._claims: dict[tuple[str, str], list[tuple[Dialect, Message, dict[str, Any]]]] = {}
        self._carriers: dict[str, list[tuple[Dialect, Message]]] = {}  # action -> customData messages on it
        for dialect in dialects:
            for message in dialect.messages:
                if message.kind == "custom_data" and message.direction == "to_csms" and message.action:
                    self._carriers.setdefault(message.action, []).append((dialect, message))

    # -- start-up --------------------------------------------------------------------------------
    async def start(self) -> None:
        if not self._hash_key:
            self._hash_key = (await self._stored_secret("payment_reference_key")).encode()
        async with self.db.read() as s:
            issued = await s.execute(
                select(PaymentEvent.station_id, PaymentEvent.issued_token, PaymentEvent.dialect, PaymentEvent.at).where(
                    PaymentEvent.issued_token.is_not(None),
                    PaymentEvent.session_id.is_(None),
                    PaymentEvent.at > now() - ISSUED_TOKEN_LIFETIME,
                )
            )
        for station_id, token, dialect_id, at in issued:
            if token is not None:
                self._issued.setdefault(station_id, {})[token] = (dialect_id, at + ISSUED_TOKEN_LIFETIME)
        await self.refresh()
        for dialect in self.dialects:
            self._claim(dialect, dialect.parameter_defaults())
        for entry in self.catalog:
            dialect = self.dialects.get(entry.dialect) if entry.dialect else None
            if dialect is not None:
                self._claim(dialect, {**dialect.parameter_defaults(), **entry.parameters})

    async def refresh(self) -> None:
        """Re-read bindings and prices (another process, the CLI, may have changed them); forget stale tokens."""
        async with self.db.read() as s:
            stations = list(await s.scalars(select(Station).where(Station.integration.is_not(None))))
        bound = {station.id for station in stations}
        for station in stations:
            self._set_binding(
                station.id, station.integration, station.integration_params or {}, station.integration_bound
            )
        for station_id in set(self._bindings) - bound:
            del self._bindings[station_id]
        self._prices.clear()
        moment = now()
        for tokens in self._issued.values():
            for token, (_, until) in list(tokens.items()):
                if until is not None and until < moment:
                    del tokens[token]

    async def _stored_secret(self, name: str) -> str:
        async with self.db.write() as s:
            secret = await s.get(Secret, name)
            if secret is None:
                secret = Secret(name=name, value=secrets.token_hex(32))
                s.add(secret)
            return secret.value

    def _claim(self, dialect: Dialect, params: dict[str, Any]) -> None:
        """Route the dialect's incoming DataTransfers (as resolved with these parameters) to the engine."""
        for message in dialect.messages:
            if message.kind != "data_transfer" or message.direction != "to_csms":
                continue
            vendor_id = dialect.resolve(message.vendor_id, params)
            if vendor_id is None or message.message_id is None:
                continue
            key = (vendor_id, message.message_id)
            claims = self._claims.setdefault(key, [])
            if not any(d.id == dialect.id for d, _, _ in claims):
                claims.append((dialect, message, params))
            self.custom.register(vendor_id, message.message_id, self._on_data_transfer)

    # -- bindings --------------------------------------------------------------------------------
    def binding(self, station_id: str) -> Binding | None:
        return self._bindings.get(station_id)

    def _set_binding(
        self, station_id: str, entry_id: str | None, params: dict[str, Any], bound: bool = False
    ) -> Binding | None:
        entry = self.catalog.get(entry_id) if entry_id else None
        dialect = self.dialects.get(entry.dialect) if entry and entry.dialect else None
        if entry is None or dialect is None:
            self._bindings.pop(station_id, None)
            return None
        merged = {**dialect.parameter_defaults(), **entry.parameters, **params}
        binding = self._bindings[station_id] = Binding(dialect, merged, entry.id, bound)
        self._claim(dialect, merged)
        return binding

    async def bind(self, station_id: str, entry_id: str, params: dict[str, Any] | None = None) -> Binding:
        """Bind a station to a catalog entry (the operator's choice wins over matching at boot)."""
        entry = self.catalog.get(entry_id)
        if entry is None:
            raise LookupError(f"no catalog entry {entry_id!r}")
        if entry.dialect is None:
            raise ValueError(f"catalog entry {entry_id} has no dialect yet (status {entry.status})")
        dialect = self.dialects.get(entry.dialect)
        assert dialect is not None
        unknown = set(params or {}) - set(dialect.parameters)
        if unknown:
            raise ValueError(f"{dialect.id} has no parameters {sorted(unknown)}; it has {sorted(dialect.parameters)}")
        async with self.db.write() as s:
            station = await s.get(Station, station_id)
            if station is None:
                raise LookupError(f"no station {station_id}")
            station.integration, station.integration_bound = entry_id, True
            station.integration_params = dict(params or {})
        binding = self._set_binding(station_id, entry_id, params or {}, bound=True)
        assert binding is not None
        return binding

    async def _match_at_boot(self, station_id: str, vendor: str, model: str) -> None:
        binding = self._bindings.get(station_id)
        if binding is not None and binding.bound:
            return
        entry = self.catalog.match(vendor, model)
        if (binding.entry_id if binding else None) == (entry.id if entry else None):
            return  # the usual boot: nothing changes, nothing to write
        async with self.db.write() as s:
            station = await s.get(Station, station_id)
            if station is None or station.integration_bound:
                return
            entry = self.catalog.match(vendor, model)
            station.integration = entry.id if entry else None
            params = station.integration_params or {}
        self._set_binding(station_id, entry.id if entry else None, params)

    # -- card sessions (the sessions service asks) ----------------------------------------------
    def recognise(self, station_id: str, token: IdToken) -> CardMatch | None:
        issued = self._issued.get(station_id, {}).get(token.value)
        if issued is not None and (issued[1] is None or issued[1] > now()):  # we issued it for a card
            return CardMatch(issued[0], token.value)
        binding = self._bindings.get(station_id)
        candidates = [binding.dialect] if binding else []
        if token.type == "DirectPayment":  # standard in 2.1: any station may send one
            candidates += [d for d in self.dialects if any(r.kind == "direct_payment" for r in d.card_sessions)]
        for dialect in candidates:
            params = binding.params if binding and binding.dialect is dialect else dialect.parameter_defaults()
            for rule in dialect.card_sessions:
                value = dialect.resolve(rule.value, params)
                hit = (
                    (rule.kind == "direct_payment" and token.type == "DirectPayment")
                    or (rule.kind == "static_id_tag" and value is not None and token.value == value)
                    or (rule.kind == "id_tag_prefix" and value is not None and token.value.startswith(value))
                )
                if hit:
                    stored = self.reference_hash(token.value) if rule.hash_token else token.value
                    return CardMatch(dialect.id, stored)
        return None

    def reference_hash(self, value: str) -> str:
        """A keyed hash of a payment identifier: links later messages, reveals nothing."""
        return "ref:" + hmac.new(self._hash_key, value.encode(), hashlib.sha256).hexdigest()[:40]

    # -- custom messages (DataTransfer) -----------------------------------------------------------
    def _resolve(
        self, station_id: str, vendor_id: str, message_id: str | None
    ) -> tuple[Dialect, Message, dict[str, Any]] | None:
        binding = self._bindings.get(station_id)
        if binding is not None:
            for message in binding.dialect.messages:
                if (
                    message.kind == "data_transfer"
                    and message.direction == "to_csms"
                    and message.message_id == message_id
                    and binding.dialect.resolve(message.vendor_id, binding.params) == vendor_id
                ):
                    return binding.dialect, message, binding.params
        claims = self._claims.get((vendor_id, message_id or ""), [])
        if len({d.id for d, _, _ in claims}) == 1:
            return claims[0]
        return None  # nobody, or several dialects: ambiguous without a binding

    async def _on_data_transfer(self, station_id: str, version: str, message: CustomMessage) -> CustomReply | None:
        found = self._resolve(station_id, message.vendor_id, message.message_id)
        if found is None:
            return None
        dialect, definition, params = found
        if not message.data_is_json:
            await self._problem(station_id, dialect, definition, "data is not JSON", message.data)
            return CustomReply("Rejected")
        received = await self._receive(station_id, dialect, definition, params, message.data)
        if received is None:
            return CustomReply("Rejected")
        reply = definition.reply
        data = self._render(
            reply.data if reply else None, await self._context(station_id, params, received, message.data)
        )
        return CustomReply(reply.status if reply and reply.status else "Accepted", data)  # type: ignore[arg-type]

    # -- standard payment actions (2.1 NotifySettlement, VatNumberValidation) ----------------------
    def answered_actions(self) -> set[str]:
        return {
            m.action
            for d in self.dialects
            for m in d.messages
            if m.kind == "ocpp_action" and m.direction == "to_csms" and m.action and m.reply is not None
        }

    async def ocpp_action(self, station_id: str, version: str, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        found = self._action_message(station_id, action)
        if found is None:
            raise LookupError(f"no dialect answers {action}")
        dialect, definition, params = found
        received = await self._receive(station_id, dialect, definition, params, payload)
        if received is None:
            raise ValueError(f"{action} could not be processed")
        context = await self._context(station_id, params, received, payload, session=received.session)
        answer = self._render(definition.reply.data if definition.reply else None, context) or {}
        if definition.reply and definition.reply.status:
            answer["status"] = self._render(definition.reply.status, context)
        return dict(answer)

    def _action_message(self, station_id: str, action: str) -> tuple[Dialect, Message, dict[str, Any]] | None:
        binding = self._bindings.get(station_id)
        dialects = ([binding.dialect] if binding else []) + [
            d for d in self.dialects if not binding or d is not binding.dialect
        ]
        for dialect in dialects:
            for message in dialect.messages:
                if message.kind == "ocpp_action" and message.action == action and message.direction == "to_csms":
                    params = binding.params if binding and binding.dialect is dialect else dialect.parameter_defaults()
                    return dialect, message, params
        return None

    # -- observing standard messages ---------------------------------------------------------------
    def observes(self, action: str) -> bool:
        return action in _OBSERVED or action in self._carriers

    async def observe(
        self, station_id: str, version: str, action: str, payload: dict[str, Any], reply: dict[str, Any]
    ) -> dict[str, Any]:
        if action in self._carriers and isinstance(payload.get("customData"), dict):
            await self._custom_data(station_id, action, payload)
        if action == "BootNotification":
            if reply.get("status") == "Accepted":
                station = payload.get("chargingStation") or {}
                vendor = payload.get("chargePointVendor") or station.get("vendorName", "")
                model = payload.get("chargePointModel") or station.get("model", "")
                await self._match_at_boot(station_id, vendor, model)
            return reply
        unbound = station_id not in self._bindings and not self._issued.get(station_id)
        if unbound and action not in ("TransactionEvent", "StartTransaction"):
            return reply  # only a bound dialect acts on these; card sessions start on the other two
        if action == "Authorize":
            info = reply.get("idTagInfo") or reply.get("idTokenInfo") or {}
            if info.get("status") != "Accepted":
                return reply
            token = payload.get("idTag") or (payload.get("idToken") or {}).get("idToken")
            return await self._trigger(station_id, version, "authorized", None, action, reply, id_token=token)
        if action == "StartTransaction":
            session = await self._link_issued(station_id, reply.get("transactionId"), payload.get("idTag"))
            return await self._trigger(station_id, version, "session_started", session, action, reply)
        if action == "MeterValues":
            if payload.get("transactionId") is None:
                return reply
            session = await self._session(station_id, str(payload["transactionId"]))
            return await self._trigger(station_id, version, "meter_values", session, action, reply)
        if action == "StopTransaction":
            session = await self._session(station_id, str(payload["transactionId"]))
            if session is not None and session.id_token:  # an issued idTag serves one session
                self._issued.get(station_id, {}).pop(session.id_token, None)
            return await self._trigger(station_id, version, "session_stopped", session, action, reply)
        if action == "TransactionEvent":
            session = await self._session(station_id, payload["transactionInfo"]["transactionId"])
            await self._observe_event(station_id, session, payload)
            trigger: SessionTrigger = {"Started": "session_started", "Updated": "meter_values"}.get(
                payload["eventType"], "session_stopped"
            )  # type: ignore[assignment]
            return await self._trigger(station_id, version, trigger, session, action, reply)
        return reply

    async def _custom_data(self, station_id: str, action: str, payload: dict[str, Any]) -> None:
        """A `customData` object a dialect claims on a standard message (2.x), read like a custom message.

        It belongs to the carrier's transaction unless its own data names one.
        """
        custom_data = payload["customData"]
        binding = self._bindings.get(station_id)
        vendor_id = custom_data.get("vendorId")
        claims = []
        for dialect, message in self._carriers[action]:
            params = binding.params if binding and binding.dialect is dialect else dialect.parameter_defaults()
            if dialect.resolve(message.vendor_id, params) == vendor_id:
                if binding is not None and binding.dialect is dialect:
                    claims = [(dialect, message, params)]
                    break
                claims.append((dialect, message, params))
        if len({d.id for d, _, _ in claims}) == 1:
            dialect, message, params = claims[0]
            carrier = {
                "transaction_id": get_path(payload, "transactionInfo.transactionId") or payload.get("transactionId")
            }
            await self._receive(station_id, dialect, message, params, custom_data, carrier)

    async def _observe_event(self, station_id: str, session: ChargingSession | None, payload: dict[str, Any]) -> None:
        """Payment facts inside a standard TransactionEvent (2.1 transactionLimit.maxCost, LimitSet)."""
        if session is None or session.dialect is None:
            return
        dialect = self.dialects.get(session.dialect)
        if dialect is None:
            return
        for message in dialect.messages:
            if (
                message.kind == "ocpp_action"
                and message.action == "TransactionEvent"
                and message.direction == "to_csms"
            ):
                if message.when_present and get_path(payload, message.when_present) is None:
                    continue
                await self._receive(station_id, dialect, message, dialect.parameter_defaults(), payload)

    # -- receiving -----------------------------------------------------------------------------------
    async def _receive(
        self,
        station_id: str,
        dialect: Dialect,
        message: Message,
        params: dict[str, Any],
        data: Any,
        carrier: dict[str, Any] | None = None,
    ) -> Received | None:
        """Validate, map to a payment event, store it on its session. None: the data broke the dialect."""
        if message.schema_ is not None:
            try:
                message.validate_data(data)
            except fastjsonschema.JsonSchemaValueException as exc:
                await self._problem(
                    station_id, dialect, message, f"data breaks the dialect's schema: {exc.message}", data
                )
                return None
        fields = {name: get_path(data, path) for name, path in message.map.items()}
        for name, default in message.defaults.items():
            if fields.get(name) is None:
                fields[name] = dialect.resolve(default, params)
        for name, value in (carrier or {}).items():  # what the standard message around it says
            if fields.get(name) is None:
                fields[name] = value
        kind = message.event or message.event_by_status.get(str(fields.get("status")))
        received = Received(fields=fields, kind=kind, amount=_amount(fields.get("amount"), message.amount_scale))
        if fields.get("reference") is not None:
            received.reference_hash = self.reference_hash(str(fields["reference"]))
        if message.issues_token:
            received.issued_token = "CARD" + secrets.token_hex(8).upper()  # 20 characters: a 1.6 idTag
            until = now() + ISSUED_TOKEN_LIFETIME
            self._issued.setdefault(station_id, {})[received.issued_token] = (dialect.id, until)
        if fields.get("timestamp") is not None:
            try:
                received.reported_at = parse_time(str(fields["timestamp"]))
            except ValueError:
                received.reported_at = None
        if kind is not None:
            await self._record(station_id, dialect, message, received)
        if message.triggers or message.kind == "ocpp_action":  # their answers and follow-ups need the session
            received.session = await self._session_for(station_id, received)
        if message.triggers:
            await self._trigger(station_id, None, message.triggers, received.session, None, {}, at=received.reported_at)
        log.info("station %s: %s/%s -> %s", station_id, dialect.id, message.name, kind or "no event")
        return received

    async def _record(self, station_id: str, dialect: Dialect, message: Message, received: Received) -> None:
        """Store the event on its session (found in SQL by transaction id or reference hash), once.

        A retried message carries the same dedupe key and is not stored again: a card is never
        charged twice in our books. Goes through the journal: no reads before the answer.
        """
        fields = received.fields
        transaction_ref = None if fields.get("transaction_id") is None else str(fields["transaction_id"])[:64]
        dedupe = None
        if received.issued_token is None and (transaction_ref or received.reference_hash):
            # a retried message is the same event; one that names no payment has nothing to retry
            parts = [message.name, received.kind, transaction_ref, received.reference_hash, received.amount]
            dedupe = hashlib.sha256("|".join("" if p is None else str(p) for p in parts).encode()).hexdigest()[:40]
        link = {"station_id": station_id, "transaction_ref": transaction_ref, "reference_hash": received.reference_hash}
        event = {
            **link,
            "dialect": dialect.id,
            "message": message.name,
            "kind": received.kind,
            "at": now(),
            "status": _text(fields.get("status"), 30),
            "amount": received.amount,
            "currency": _text(fields.get("currency"), 3),
            "brand": _text(fields.get("brand"), 30),
            "issued_token": received.issued_token,
            "terminal_id": _text(fields.get("terminal_id"), 64),
            "receipt_url": _text(fields.get("receipt_url"), 2000),
            "dedupe_key": dedupe,
        }
        writes = [Write(INSERT_PAYMENT_EVENT, event)]
        if received.kind not in _DISPLAY_ONLY and (transaction_ref or received.reference_hash):
            summary = _summary_values(received)
            writes.append(Write(UPDATE_SESSION_PAYMENT, {**link, "dialect": dialect.id, **summary}))
        await self.db.journal.write(*writes)

    async def _session_for(self, station_id: str, received: Received) -> ChargingSession | None:
        transaction_id = received.fields.get("transaction_id")
        if transaction_id is not None:
            session = await self._session(station_id, str(transaction_id))
            if session is not None:
                return session
        if received.reference_hash is None:
            return None
        async with self.db.read() as s:
            query = select(ChargingSession).where(
                ChargingSession.station_id == station_id, ChargingSession.id_token == received.reference_hash
            )
            return await s.scalar(query.order_by(ChargingSession.id.desc()).limit(1))  # as _PAYMENT_SESSION does

    async def _link_issued(self, station_id: str, transaction_id: Any, id_tag: str | None) -> ChargingSession | None:
        """A session started with a CSMS-issued idTag takes over the card events recorded before it."""
        if transaction_id is None:
            return None
        issued = self._issued.get(station_id, {})
        if id_tag is None or id_tag not in issued:
            if station_id not in self._bindings:
                return None
            async with self.db.read() as s:
                return await s.get(ChargingSession, int(transaction_id))
        async with self.db.write() as s:
            session = await s.get(ChargingSession, int(transaction_id))
            if session is None or session.station_id != station_id:
                return None
            events = await s.scalars(
                select(PaymentEvent).where(
                    PaymentEvent.station_id == station_id,
                    PaymentEvent.issued_token == id_tag,
                    PaymentEvent.session_id.is_(None),
                )
            )
            for event in list(events):
                event.session_id = session.id
                _summarise(session, event.dialect, Received({"currency": event.currency}, event.kind, event.amount))
        issued[id_tag] = (issued[id_tag][0], None)  # in use: good until this session stops
        return session

    async def _session(self, station_id: str, transaction_id: str) -> ChargingSession | None:
        async with self.db.read() as s:
            return await s.scalar(
                select(ChargingSession).where(
                    ChargingSession.station_id == station_id, ChargingSession.transaction_id == transaction_id
                )
            )

    async def _problem(self, station_id: str, dialect: Dialect, message: Message, reason: str, data: Any) -> None:
        sample = mask(drop_paths(data, message.payment_identifiers.drop + message.payment_identifiers.hash))
        log.warning("station %s: %s/%s rejected: %s", station_id, dialect.id, message.name, reason)
        await self.stations.notice(
            station_id,
            StationNotice(
                "dialect",
                "rejected",
                now(),
                {"dialect": dialect.id, "message": message.name, "reason": reason, "sample": sample},
            ),
        )

    # -- session triggers: the dialect's own messages ---------------------------------------------------
    async def _trigger(
        self,
        station_id: str,
        version: str | None,
        trigger: SessionTrigger,
        session: ChargingSession | None,
        action: str | None,
        reply: dict[str, Any],
        id_token: str | None = None,
        at: datetime | None = None,
    ) -> dict[str, Any]:
        binding = self._bindings.get(station_id)
        dialects: list[tuple[Dialect, dict[str, Any]]] = []
        if binding is not None:
            dialects.append((binding.dialect, binding.params))
        if session is not None and session.dialect and (binding is None or session.dialect != binding.dialect.id):
            dialect = self.dialects.get(session.dialect)
            if dialect is not None:
                dialects.append((dialect, dialect.parameter_defaults()))
        if not dialects:
            return reply
        version = version or (await self._station_version(station_id))
        for dialect, params in dialects:
            for message in dialect.messages:
                if message.direction != "to_station" or trigger not in message.send_on:
                    continue
                if version not in dialect.versions_of(message) or not _only_if(message, dialect, params):
                    continue
                context = await self._context(
                    station_id, params, None, None, session=session, id_token=id_token, trigger=trigger, at=at
                )
                if message.kind == "ocpp_reply":
                    if message.action == action:
                        amendment = self._render(message.data, context)
                        if amendment:
                            reply = merge(reply, amendment)
                            await self._shown(station_id, dialect, message, session, context)
                elif message.kind == "data_transfer":
                    self.followups.schedule(
                        station_id, _Send(self, station_id, dialect, message, params, context, session)
                    )
        return reply

    async def _station_version(self, station_id: str) -> str:
        station = await self.stations.get(station_id)
        return (station.ocpp_version if station else None) or "1.6"

    async def _shown(
        self,
        station_id: str,
        dialect: Dialect,
        message: Message,
        session: ChargingSession | None,
        context: dict[str, Any],
    ) -> None:
        if message.event is None:
            return
        cost = (context.get("cost") or {}).get("final") if message.event == "price_shown" else None
        price = context.get("price") or {}
        received = Received(
            {"transaction_id": session.transaction_id if session else None, "currency": price.get("currency")},
            message.event,
            _amount(cost, 1.0),
        )
        await self._record(station_id, dialect, message, received)

    # -- templates ------------------------------------------------------------------------------------
    async def _context(
        self,
        station_id: str,
        params: dict[str, Any],
        received: Received | None,
        data: Any,
        *,
        session: ChargingSession | None = None,
        id_token: str | None = None,
        trigger: str | None = None,
        at: datetime | None = None,
    ) -> dict[str, Any]:
        moment = now()
        price = await self._price(station_id)
        context: dict[str, Any] = {
            "param": {k: None if v is None else str(v) for k, v in params.items()},
            "now": format_time(moment),
            "id_token": id_token,
            "issued_token": received.issued_token if received else None,
            "message": data if isinstance(data, dict) else {},
            "price": _price_view(price),
            "check": {
                "vat_number": "Accepted" if VAT_NUMBER.match(str(get_path(data, "vatNumber") or "")) else "Rejected"
            },
            "receipt_url": None,
        }
        if session is not None:
            unplugged = (at or moment) if trigger == "connector_unplugged" else None
            context["session"] = {
                "transaction_id": session.transaction_id,
                "transaction_number": _number(session.transaction_id),
                "meter_wh": int(session.meter_stop_wh or session.meter_start_wh or 0),
                "energy_wh": session.energy_wh or 0,
                "cost_state": "Charging" if session.status == "active" else "Idle",
            }
            context["cost"] = _costs(price, session, moment, unplugged) if price else {}
            context["cost"]["zero_when_nothing_delivered"] = 0 if not session.energy_wh else None
            context["price"]["final_text"] = _final_text(price, context["cost"].get("final")) if price else None
        if self.receipt_url_template and await self._receipt_by_csms(station_id, params):
            context["receipt_url"] = self.receipt_url_template.format(
                station_id=station_id,
                session_id=session.id if session else "",
                transaction_id=(session.transaction_id if session else ""),
            )
        return context

    async def _receipt_by_csms(self, station_id: str, params: dict[str, Any]) -> bool:
        """C21.FR.03: the station's own PaymentCtrlr.ReceiptByCSMS, when it reported it, else the parameter."""
        async with self.db.read() as s:
            reported = await s.get(StationSetting, (station_id, "PaymentCtrlr.ReceiptByCSMS"))
        value = reported.value if reported is not None else params.get("receipt_by_csms", "true")
        return str(value).lower() == "true"

    def _render(self, template: Any, context: dict[str, Any]) -> Any:
        if isinstance(template, str) and template.startswith("$"):
            root, _, path = template[1:].partition(".")
            value = context.get(root)
            return get_path(value, path) if path else value
        if isinstance(template, dict):
            rendered = {k: self._render(v, context) for k, v in template.items()}
            rendered = {k: v for k, v in rendered.items() if v is not None and v != {}}
            return rendered or None
        if isinstance(template, list):
            return [self._render(v, context) for v in template]
        return template

    async def _price(self, station_id: str) -> StationPrice | None:
        """Prices change rarely and are read on every custom message: kept in memory once read."""
        if station_id not in self._prices:
            async with self.db.read() as s:
                self._prices[station_id] = await s.get(StationPrice, station_id)
        return self._prices[station_id]

    # -- prices and queries ----------------------------------------------------------------------------
    async def set_price(self, station_id: str, **values: Any) -> StationPrice:
        async with self.db.write() as s:
            if await s.get(Station, station_id) is None:
                raise LookupError(f"no station {station_id}")
            price = await s.get(StationPrice, station_id)
            if price is None:
                price = StationPrice(station_id=station_id)
                s.add(price)
            for name, value in values.items():
                setattr(price, name, value)
            price.updated_at = now()
        self._prices[station_id] = price
        return price

    async def events(self, session_id: int) -> list[PaymentEvent]:
        async with self.db.read() as s:
            return list(
                await s.scalars(
                    select(PaymentEvent).where(PaymentEvent.session_id == session_id).order_by(PaymentEvent.id)
                )
            )

    async def station_events(self, station_id: str, limit: int = 50) -> list[PaymentEvent]:
        async with self.db.read() as s:
            return list(
                await s.scalars(
                    select(PaymentEvent)
                    .where(PaymentEvent.station_id == station_id)
                    .order_by(PaymentEvent.id.desc())
                    .limit(limit)
                )
            )


class _Send:
    """A follow-up: send one of the dialect's DataTransfers to the station."""

    def __init__(
        self,
        engine: Payments,
        station_id: str,
        dialect: Dialect,
        message: Message,
        params: dict[str, Any],
        context: dict[str, Any],
        session: ChargingSession | None,
    ) -> None:
        self.engine, self.station_id, self.dialect, self.message = engine, station_id, dialect, message
        self.params, self.context, self.session = params, context, session

    async def __call__(self) -> None:
        engine = self.engine
        if engine.commands is None:
            return
        data = engine._render(self.message.data, self.context)
        missing = _missing_required(self.message, data)
        if missing:
            log.info("station %s: %s not sent, no %s (is a price set?)", self.station_id, self.message.name, missing)
            return
        vendor_id = self.dialect.resolve(self.message.vendor_id, self.params)
        assert vendor_id is not None
        answer = await engine.commands.data_transfer(self.station_id, vendor_id, self.message.message_id, data)
        if answer.get("status") == "Accepted":
            await engine._shown(self.station_id, self.dialect, self.message, self.session, self.context)


def _missing_required(message: Message, data: Any) -> str | None:
    """OCA messages need a price: a cost or price field that rendered to nothing means none is set."""
    if not isinstance(data, dict):
        return "data"
    for key in ("cost", "priceText", "transactionId", "idToken"):
        if message.data and key in message.data and key not in data:
            return key
    return None


def _only_if(message: Message, dialect: Dialect, params: dict[str, Any]) -> bool:
    for name, wanted in message.only_if.items():
        value = params.get(name, dialect.parameters[name].default)
        if str(value).lower() != str(wanted).lower():
            return False
    return True


_STATUS_RANK = {"authorized": 1, "declined": 2, "canceled": 2, "failed": 2, "settled": 3}


def _summary_values(received: Received) -> dict[str, Any]:
    """What an event changes in its session's payment summary (None: leave as it is)."""
    status = _SUMMARY_STATUS.get(received.kind or "")
    return {
        "status": status,
        "rank": _STATUS_RANK.get(status or "", 0),
        "authorized_amount": received.amount if received.kind == "authorized" else None,
        "final_amount": received.amount if received.kind == "settled" else None,
        "currency": _text(received.fields.get("currency"), 3),
        "brand": _text(received.fields.get("brand"), 30),
    }


def _summarise(session: ChargingSession, dialect_id: str, received: Received) -> None:
    """The ORM twin of UPDATE_SESSION_PAYMENT (statements.py), from the same values and rules."""
    if received.kind in _DISPLAY_ONLY:
        return  # showing a price says nothing about who pays: RFID sessions see prices too
    values = _summary_values(received)
    session.billing = "terminal"  # a terminal took the payment: never billed by the CSMS
    session.dialect = session.dialect or dialect_id
    status = values["status"]
    if status and values["rank"] >= _STATUS_RANK.get(session.payment_status or "", 0):
        session.payment_status = status
    for column, key in (("authorized_amount", "authorized_amount"), ("final_amount", "final_amount"),
                        ("currency", "currency"), ("card_brand", "brand")):  # fmt: skip
        if values[key] is not None:
            setattr(session, column, values[key])


def _price_view(price: StationPrice | None) -> dict[str, Any]:
    if price is None:
        return {}
    return {
        "kwh": float(price.kwh_price),
        "hour": float(price.hour_price),
        "flat": float(price.flat_fee),
        "idle_hour": None if price.idle_hour_price is None else float(price.idle_hour_price),
        "idle_grace_minutes": price.idle_grace_minutes,
        "currency": price.currency,
        "text": price.price_text or _price_text(price),
    }


def _price_text(price: StationPrice) -> str:
    parts = [f"{price.kwh_price:.2f} {price.currency}/kWh"]
    if price.hour_price:
        parts.append(f"{price.hour_price:.2f} {price.currency}/h")
    if price.flat_fee:
        parts.append(f"{price.flat_fee:.2f} {price.currency} per session")
    return ", ".join(parts)


def _final_text(price: StationPrice, cost: float | None) -> str | None:
    return None if cost is None else f"Total {cost:.2f} {price.currency}"


def _costs(
    price: StationPrice, session: ChargingSession, moment: datetime, unplugged: datetime | None
) -> dict[str, Any]:
    """Displayed cost from the station's ad hoc price; the terminal captures the real amount."""
    end = session.stopped_at or moment
    hours = Decimal(max((end - session.started_at).total_seconds(), 0)) / 3600
    energy = Decimal(str(session.energy_wh or 0)) / 1000
    running = price.flat_fee + price.kwh_price * energy + price.hour_price * hours
    final = running
    if unplugged is not None and session.stopped_at is not None and price.idle_hour_price:
        idle_minutes = Decimal((unplugged - session.stopped_at).total_seconds()) / 60 - (price.idle_grace_minutes or 0)
        if idle_minutes > 0:
            final += price.idle_hour_price * idle_minutes / 60
    return {"running": _cents(running), "final": _cents(final) if session.stopped_at else None}


def _cents(amount: Decimal) -> float:
    """Money shown to the driver: rounded half up to the cent in decimal, then made a JSON number."""
    return float(amount.quantize(Decimal("0.01"), ROUND_HALF_UP))


def _amount(value: Any, scale: float) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return (Decimal(str(value)) * Decimal(str(scale))).quantize(Decimal("0.0001"))
    except (InvalidOperation, ValueError):
        return None


def _number(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None


def _text(value: Any, limit: int) -> str | None:
    return None if value is None else str(value)[:limit]
