"""Payment events: what a payment message became, recorded once on its session through the journal."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from ocpay.integrations.dialects import Dialect, Message
from ocpay.ocpp.model import now
from ocpay.payments.redaction import mask_string
from ocpay.payments.summary import DISPLAY_ONLY, amount, summary_values, text
from ocpay.store.db import Database
from ocpay.store.journal import Write
from ocpay.store.models import ChargingSession
from ocpay.store.statements import INSERT_PAYMENT_EVENT, UPDATE_SESSION_PAYMENT


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


class Recorder:
    """Writes payment events and the session summaries they change."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def record(self, station_id: str, dialect: Dialect, message: Message, received: Received) -> None:
        """Store the event on its session (found in SQL by transaction id or reference hash), once.

        A retried message carries the same dedupe key and is not stored again: a card is never
        charged twice in our books. Goes through the journal: no reads before the answer.
        """
        fields = received.fields
        transaction_ref = None if fields.get("transaction_id") is None else str(fields["transaction_id"])[:64]
        link = {"station_id": station_id, "transaction_ref": transaction_ref, "reference_hash": received.reference_hash}
        event = {
            **link,
            "dialect": dialect.id,
            "message": message.name,
            "kind": received.kind,
            "at": now(),
            "status": _station_text(fields.get("status"), 30),
            "amount": received.amount,
            "currency": text(fields.get("currency"), 3),
            "brand": _station_text(fields.get("brand"), 30),
            "issued_token": received.issued_token,
            "terminal_id": _station_text(fields.get("terminal_id"), 64),
            "receipt_url": _station_text(fields.get("receipt_url"), 2000),  # ?pan=...&auth=... masked
            "dedupe_key": _dedupe_key(message, received, transaction_ref),
        }
        writes = [Write(INSERT_PAYMENT_EVENT, event)]
        if received.kind not in DISPLAY_ONLY and (transaction_ref or received.reference_hash):
            summary = summary_values(received.kind, received.amount, fields)
            writes.append(Write(UPDATE_SESSION_PAYMENT, {**link, "dialect": dialect.id, **summary}))
        await self.db.journal.write(*writes)

    async def shown(
        self,
        station_id: str,
        dialect: Dialect,
        message: Message,
        session: ChargingSession | None,
        context: dict[str, Any],
    ) -> None:
        """Record that the station was given one of the dialect's messages that has an event (a price shown)."""
        if message.event is None:
            return
        cost = (context.get("cost") or {}).get("final") if message.event == "price_shown" else None
        price = context.get("price") or {}
        received = Received(
            {"transaction_id": session.transaction_id if session else None, "currency": price.get("currency")},
            message.event,
            amount(cost, 1.0),
        )
        await self.record(station_id, dialect, message, received)


def _station_text(value: Any, length: int) -> str | None:
    """A station's text as kept on an event: payment identifiers masked, then cut to the column."""
    return text(None if value is None else mask_string(str(value)), length)


def _dedupe_key(message: Message, received: Received, transaction_ref: str | None) -> str | None:
    """The same event told again has the same key; an issued token's event, or one naming no payment, has none."""
    if received.issued_token is not None or not (transaction_ref or received.reference_hash):
        return None
    parts = [message.name, received.kind, transaction_ref, received.reference_hash, received.amount]
    return hashlib.sha256("|".join("" if p is None else str(p) for p in parts).encode()).hexdigest()[:40]
