"""The command log: every command an operator sent to a station, with what came back (an audit trail)."""

from __future__ import annotations

from typing import Any

from ocpay.charging.configuration import conceal_answer, concealed
from ocpay.charging.stations import Stations
from ocpay.ocpp.model import now
from ocpay.payments.redaction import mask, mask_string
from ocpay.store.db import Database
from ocpay.store.models import CommandRecord
from ocpay.store.queries import charging as queries


class CommandLog:
    """Records commands and reads them back; arguments, answers and errors (a station's CALLERROR text) are
    kept masked."""

    def __init__(self, db: Database, stations: Stations) -> None:
        self.db = db
        self.stations = stations

    async def record(
        self,
        station_id: str,
        command: str,
        arguments: dict[str, Any],
        outcome: str,
        *,
        answer: dict[str, Any] | None = None,
        error: str | None = None,
        actor: str,
    ) -> CommandRecord | None:
        """Keep what was sent and what came back (masked); a station that does not exist leaves no record."""
        if await self.stations.get(station_id) is None:
            return None
        async with self.db.write() as s:
            record = CommandRecord(
                station_id=station_id,
                command=command,
                arguments=mask({k: v for k, v in arguments.items() if v not in (None, [], {})}),
                outcome=outcome,
                answer=None if answer is None else mask(answer),
                error=None if error is None else mask_string(error)[:500],
                actor=actor[:100],
                at=now(),
            )
            await queries.insert(s, record)
        return record

    async def page(
        self, *, station_id: str | None = None, offset: int = 0, limit: int = 100
    ) -> tuple[list[CommandRecord], int]:
        """One page of the log, newest first, and the total number of records it is a page of."""
        async with self.db.read() as s:
            return await queries.commands(s, station_id=station_id, offset=offset, limit=limit)

    async def get(self, command_id: int) -> CommandRecord | None:
        """One record, or None."""
        async with self.db.read() as s:
            return await queries.command(s, command_id)

    async def conceal_stored_secrets(self) -> int:
        """Replace the write-only settings (`AuthorizationKey`, ...) an older version kept in clear in the
        log of configuration commands (a value sent, a value read) by "set"; how many records changed."""
        changed = 0
        async with self.db.write() as s:
            for record in await queries.configuration_commands(s):
                arguments = dict(record.arguments)
                if "value" in arguments:
                    arguments["value"] = concealed(arguments.get("key"), arguments["value"])
                answer = record.answer and conceal_answer("2.0.1", conceal_answer("1.6", record.answer))
                if arguments != record.arguments or answer != record.answer:
                    record.arguments, record.answer = arguments, answer
                    changed += 1
        return changed
