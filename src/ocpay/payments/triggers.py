"""The dialect's own messages to the station on session triggers (authorized, session_started, ...).

An `ocpp_reply` message becomes an amendment of the standard answer being sent (2.0.1 totalCost,
personalMessage: version-specific data, as the dialect declares it for that version). A
`data_transfer` message is sent to the station as a follow-up, once the station has its answer, and
only on the first processing of a message: a retried StartTransaction, StopTransaction or
TransactionEvent gets the same answer (amendments included) but no second RunningCost or FinalCost.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from ocpay.charging.stations import Stations
from ocpay.integrations.dialects import Dialect, Message, SessionTrigger
from ocpay.ocpp.followups import FollowUps
from ocpay.payments.bindings import Bindings
from ocpay.payments.events import Recorder
from ocpay.payments.outbox import StationOutbox
from ocpay.payments.templates import Templates, render
from ocpay.store.models import ChargingSession

log = logging.getLogger("ocpay.payments")

Amendment = dict[str, Any]
"""Version-specific fields a dialect adds to a standard answer, deep-merged into it (see Observers.after)."""


class Triggers:
    """Finds the dialect messages a session trigger sends, renders them, and sends or returns them."""

    def __init__(
        self,
        bindings: Bindings,
        templates: Templates,
        recorder: Recorder,
        stations: Stations,
        followups: FollowUps,
        outbox: StationOutbox,
    ) -> None:
        self.bindings = bindings
        self.templates = templates
        self.recorder = recorder
        self.stations = stations
        self.followups = followups
        self.outbox = outbox

    async def fire(
        self,
        station_id: str,
        version: str | None,
        trigger: SessionTrigger,
        session: ChargingSession | None,
        action: str | None = None,
        *,
        id_token: str | None = None,
        at: datetime | None = None,
        repeated: bool = False,
    ) -> list[Amendment]:
        """Act on a trigger: amendments of the `action` answer being sent, in order; DataTransfers queued.

        `repeated`: the station sent this message before and it was processed then (a retry). Its answer
        is amended alike, but its follow-ups went out the first time: none is queued again.
        """
        dialects = self.bindings.dialects_for(station_id, session.dialect if session is not None else None)
        if not dialects:
            return []
        version = version or await self._station_version(station_id)
        amendments: list[Amendment] = []
        for dialect, params in dialects:
            for message in dialect.messages:
                if message.direction != "to_station" or trigger not in message.send_on:
                    continue
                if version not in dialect.versions_of(message) or not _only_if(message, dialect, params):
                    continue
                context = await self.templates.context(
                    station_id, params, session=session, id_token=id_token, trigger=trigger, at=at
                )
                if message.kind == "ocpp_reply":
                    if message.action == action:
                        amendment = render(message.data, context)
                        if amendment:
                            amendments.append(amendment)
                            await self.recorder.shown(station_id, dialect, message, session, context)
                elif message.kind == "data_transfer" and not repeated:
                    send = _Send(self, station_id, dialect, message, params, context, session)
                    self.followups.schedule(station_id, send)
        return amendments

    async def _station_version(self, station_id: str) -> str:
        station = await self.stations.get(station_id)
        return (station.ocpp_version if station else None) or "1.6"


class _Send:
    """A follow-up: send one of the dialect's DataTransfers to the station."""

    def __init__(
        self,
        triggers: Triggers,
        station_id: str,
        dialect: Dialect,
        message: Message,
        params: dict[str, Any],
        context: dict[str, Any],
        session: ChargingSession | None,
    ) -> None:
        self.triggers, self.station_id, self.dialect, self.message = triggers, station_id, dialect, message
        self.params, self.context, self.session = params, context, session

    async def __call__(self) -> None:
        data = render(self.message.data, self.context)
        missing = _missing_required(self.message, data)
        if missing:
            log.info("station %s: %s not sent, no %s (is a price set?)", self.station_id, self.message.name, missing)
            return
        vendor_id = self.dialect.resolve(self.message.vendor_id, self.params)
        assert vendor_id is not None
        outbox, recorder = self.triggers.outbox, self.triggers.recorder
        answer = await outbox.data_transfer(self.station_id, vendor_id, self.message.message_id, data)
        if answer.get("status") == "Accepted":
            await recorder.shown(self.station_id, self.dialect, self.message, self.session, self.context)


def _missing_required(message: Message, data: Any) -> str | None:
    """OCA messages need a price: a cost or price field that rendered to nothing means none is set."""
    if not isinstance(data, dict):
        return "data"
    for key in ("cost", "priceText", "transactionId", "idToken"):
        if message.data and key in message.data and key not in data:
            return key
    return None


def _only_if(message: Message, dialect: Dialect, params: dict[str, Any]) -> bool:
    """Whether the station's parameters allow the message (its `only_if` conditions)."""
    for name, wanted in message.only_if.items():
        value = params.get(name, dialect.parameters[name].default)
        if str(value).lower() != str(wanted).lower():
            return False
    return True
