"""Custom messages (DataTransfer): routing by (vendorId, messageId) and the unrecognised-message record.

The payments layer registers dialect handlers here. What nothing recognises is answered as the
spec says (UnknownVendorId / UnknownMessageId, without data) and recorded, masked, so that it can
be assessed later.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

from ocpay.gateway.limits import LogLimiter, printable
from ocpay.ocpp.model import CustomMessage, CustomReply, now
from ocpay.payments.redaction import mask, mask_string
from ocpay.store.db import Database
from ocpay.store.journal import Write
from ocpay.store.models import UnrecognisedMessage
from ocpay.store.queries import payments as queries
from ocpay.store.statements import ADD_UNRECOGNISED, COUNT_UNRECOGNISED

log = logging.getLogger("ocpay.payments")

# What the unrecognised inbox keeps: it is evidence for an assessment, not an archive, and a station must
# not fill the disk with it. Kinds beyond the bound are answered as ever, but only the log says so.
MAX_KINDS_PER_STATION = 200  # (vendorId, messageId) pairs recorded per station
MAX_SAMPLE_TEXT = 2_000  # characters of a string in a sample
MAX_SAMPLE_ITEMS = 50  # items of an array, or members of an object, in a sample

CustomHandler = Callable[[str, str, CustomMessage], Awaitable[CustomReply | None]]
"""(station_id, version, message) -> reply, or None when the handler does not claim this message."""


class CustomMessages:
    """Implements the OCPP custom-message port: routes each DataTransfer to the handler registered for it."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._handlers: dict[tuple[str, str | None], CustomHandler] = {}
        self._vendors: set[str] = set()
        self._log_limit = LogLimiter()
        self._kinds: dict[str, set[tuple[str, str]]] = {}  # station -> (vendorId, messageId) recorded, masked

    def register(self, vendor_id: str, message_id: str | None, handler: CustomHandler) -> None:
        """Route DataTransfers with this (vendorId, messageId) to `handler` (the last registration wins)."""
        self._handlers[(vendor_id, message_id)] = handler
        self._vendors.add(vendor_id)

    async def data_transfer(self, station_id: str, version: str, message: CustomMessage) -> CustomReply:
        """The handler's answer; what nobody claims is recorded and answered UnknownVendorId/UnknownMessageId."""
        handler = self._handlers.get((message.vendor_id, message.message_id))
        if handler is not None:
            reply = await handler(station_id, version, message)
            if reply is not None:
                return reply
        await self.record_unrecognised(station_id, version, message)
        if message.vendor_id not in self._vendors:
            return CustomReply("UnknownVendorId")
        return CustomReply("UnknownMessageId")

    async def record_unrecognised(self, station_id: str, version: str, message: CustomMessage) -> None:
        """Count the message against its (station, vendorId, messageId), masked as all is; the first of a kind
        keeps one masked sample. Through the journal: no read per message (the kinds a station has are read
        once per process), so a station flooding vendor diagnostics costs what a StatusNotification costs.

        The bound of MAX_KINDS_PER_STATION holds per node: nodes adding new kinds at the same moment may
        each add one past it.
        """
        known = await self._kinds_of(station_id)
        kind = (mask_string(message.vendor_id), mask_string(message.message_id or ""))
        params = {"station_id": station_id, "version": version, "vendor_id": kind[0], "message_id": kind[1],
                  "at": now()}  # fmt: skip
        if kind in known:
            await self.db.journal.write(Write(COUNT_UNRECOGNISED, params))
        elif len(known) >= MAX_KINDS_PER_STATION:
            self._inbox_full(station_id)
        else:
            known.add(kind)
            sample = orjson.dumps(sample_of(message)).decode()
            await self.db.journal.write(Write(ADD_UNRECOGNISED, {**params, "sample": sample}))

    async def _kinds_of(self, station_id: str) -> set[tuple[str, str]]:
        """The kinds recorded for the station (read from the database the first time it is asked)."""
        known = self._kinds.get(station_id)
        if known is None:
            async with self.db.read() as s:
                known = self._kinds.setdefault(station_id, await queries.unrecognised_kinds(s, station_id))
        return known

    def _inbox_full(self, station_id: str) -> None:
        held_back = self._log_limit.allow(station_id)
        if held_back is not None:
            more = f" ({held_back} more since the last line)" if held_back else ""
            log.warning(
                "station %s sent more than %d kinds of unrecognised message; new kinds are not recorded%s",
                printable(station_id), MAX_KINDS_PER_STATION, more,
            )  # fmt: skip

    async def unrecognised(
        self, *, station_id: str | None = None, offset: int = 0, limit: int = 100
    ) -> list[UnrecognisedMessage]:
        """One page of unrecognised messages, last seen first, of one station or of all."""
        async with self.db.read() as s:
            return await queries.unrecognised_messages(s, station_id=station_id, offset=offset, limit=limit)


def sample_of(message: CustomMessage) -> dict[str, Any]:
    """One masked example of the message, enough to infer its shape later (its ids masked too)."""
    return {
        "vendorId": mask_string(message.vendor_id),
        "messageId": None if message.message_id is None else mask_string(message.message_id),
        "data": mask(bounded(message.data)),
        "dataIsJson": message.data_is_json,
    }


def bounded(value: Any) -> Any:
    """`value` cut to what a sample keeps: strings to `MAX_SAMPLE_TEXT` characters, arrays and objects to
    `MAX_SAMPLE_ITEMS` entries (a marker says how much was left out)."""
    if isinstance(value, str) and len(value) > MAX_SAMPLE_TEXT:
        return f"{value[:MAX_SAMPLE_TEXT]}... ({len(value) - MAX_SAMPLE_TEXT} more characters)"
    if isinstance(value, list):
        kept = [bounded(item) for item in value[:MAX_SAMPLE_ITEMS]]
        return kept + ([f"... ({len(value) - MAX_SAMPLE_ITEMS} more items)"] if len(value) > MAX_SAMPLE_ITEMS else [])
    if isinstance(value, dict):
        members = list(value.items())
        kept_members = {key: bounded(item) for key, item in members[:MAX_SAMPLE_ITEMS]}
        if len(members) > MAX_SAMPLE_ITEMS:
            kept_members["..."] = f"{len(members) - MAX_SAMPLE_ITEMS} more members"
        return kept_members
    return value
