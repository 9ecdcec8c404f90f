"""Receiving a payment message as its dialect says: validate, map to a payment event, record it, act on it.

Payment identifiers are dropped or replaced by a keyed hash before anything is stored or logged.
"""

from __future__ import annotations

import logging
from typing import Any

import fastjsonschema

from ocpay.charging.stations import Stations
from ocpay.integrations.dialects import Dialect, Message
from ocpay.integrations.paths import drop_paths, get_path
from ocpay.ocpp.model import StationNotice, ValueRefused, now, parse_time
from ocpay.ocpp.schemas import error_code
from ocpay.payments.events import Received, Recorder
from ocpay.payments.issued_tokens import IssuedTokens
from ocpay.payments.redaction import ReferenceHasher, mask, mask_string
from ocpay.payments.summary import received_amount
from ocpay.payments.triggers import Triggers
from ocpay.store.db import Database
from ocpay.store.models import ChargingSession
from ocpay.store.queries import payments as queries

log = logging.getLogger("ocpay.payments")


class Receiver:
    """Reads the data of custom messages, customData and payment actions into payment events on sessions."""

    def __init__(
        self,
        db: Database,
        stations: Stations,
        recorder: Recorder,
        triggers: Triggers,
        issued: IssuedTokens,
        references: ReferenceHasher,
    ) -> None:
        self.db = db
        self.stations = stations
        self.recorder = recorder
        self.triggers = triggers
        self.issued = issued
        self.references = references

    async def receive(
        self,
        station_id: str,
        dialect: Dialect,
        message: Message,
        params: dict[str, Any],
        data: Any,
        carrier: dict[str, Any] | None = None,
        *,
        refuse: bool = False,
    ) -> Received | None:
        """Validate, map to a payment event, store it on its session. None: the data broke the dialect.

        `carrier` holds what the standard message around the data says (its transaction), used where
        the data itself says nothing. With `refuse`, data that breaks the dialect raises ValueRefused
        (the CALLERROR a standard payment action is answered with) instead of returning None.
        """
        if message.schema_ is not None:
            try:
                message.validate_data(data)
            except fastjsonschema.JsonSchemaValueException as exc:
                reason = f"data breaks the dialect's schema: {mask_string(exc.message)}"
                await self.problem(station_id, dialect, message, reason, data)
                if refuse:
                    raise ValueRefused(error_code(exc), f"{message.name} {reason}") from None
                return None
        try:
            received = self._read(station_id, dialect, message, params, data, carrier or {})
        except ValueRefused as refused:  # an amount no payment can have: recorded as the dialect's problem, not kept
            await self.problem(station_id, dialect, message, refused.description, data)
            raise
        if message.kind == "ocpp_action":  # its answer needs the session, and its transaction id may be none
            received.session = await self._session_for(station_id, received)
            self._hash_foreign_transaction(received)
        if received.kind is not None:
            await self.recorder.record(station_id, dialect, message, received)
        if message.triggers and message.kind != "ocpp_action":  # their follow-ups need the session
            received.session = await self._session_for(station_id, received)
        if message.triggers:
            await self.triggers.fire(station_id, None, message.triggers, received.session, at=received.reported_at)
        log.info("station %s: %s/%s -> %s", station_id, dialect.id, message.name, received.kind or "no event")
        return received

    async def session(self, station_id: str, transaction_id: str) -> ChargingSession | None:
        """The station's session with this OCPP transaction id, or None."""
        async with self.db.read() as s:
            return await queries.session_of_transaction(s, station_id, transaction_id)

    async def problem(self, station_id: str, dialect: Dialect, message: Message, reason: str, data: Any) -> None:
        """Log and record (as a station notice of kind "dialect") a message the dialect rejects; identifiers masked."""
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

    def _read(
        self,
        station_id: str,
        dialect: Dialect,
        message: Message,
        params: dict[str, Any],
        data: Any,
        carrier: dict[str, Any],
    ) -> Received:
        """The message's fields by the dialect's map (then its defaults, then the carrier), as a neutral event."""
        fields = {name: get_path(data, path) for name, path in message.map.items()}
        for name, default in message.defaults.items():
            if fields.get(name) is None:
                fields[name] = dialect.resolve(default, params)
        for name, value in carrier.items():
            if fields.get(name) is None:
                fields[name] = value
        kind = message.event or message.event_by_status.get(str(fields.get("status")))
        amount = received_amount(fields.get("amount"), message.amount_scale, f"{message.name} amount")
        received = Received(fields=fields, kind=kind, amount=amount)
        if fields.get("reference") is not None:
            received.reference_hash = self.references(str(fields["reference"]))
        if message.issues_token:
            received.issued_token = self.issued.issue(station_id, dialect.id)
        if fields.get("timestamp") is not None:
            try:
                received.reported_at = parse_time(str(fields["timestamp"]))
            except ValueError:
                received.reported_at = None
        return received

    def _hash_foreign_transaction(self, received: Received) -> None:
        """A transaction id that names none of the station's sessions is the PSP's own reference (2.1
        NotifySettlement): kept as its keyed hash, as the payment reference is. One that names the
        session is OCPP's, stored with the session already."""
        transaction_id = received.fields.get("transaction_id")
        if transaction_id is None:
            return
        session = received.session
        if session is None or session.transaction_id != str(transaction_id):
            received.fields["transaction_id"] = self.references(str(transaction_id))

    async def _session_for(self, station_id: str, received: Received) -> ChargingSession | None:
        """The session a message belongs to: by its transaction id, else the newest by its reference hash."""
        transaction_id = received.fields.get("transaction_id")
        if transaction_id is not None:
            session = await self.session(station_id, str(transaction_id))
            if session is not None:
                return session
        if received.reference_hash is None:
            return None
        async with self.db.read() as s:
            return await queries.newest_session_by_token(s, station_id, received.reference_hash)
