"""Work that must wait until a station has its answer.

Station CALLs are handled on the connection's read loop, so a handler that waited for a CSMS ->
station call would wait forever. Follow-ups (the OCA cost messages after Authorize, say) are queued
here and started by the gateway right after the answer is on the wire, in the order queued.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger("ocpay.followups")

Work = Callable[[], Awaitable[Any]]


class FollowUps:
    """Per station, the work queued during a call, run in order once its answer is sent."""

    def __init__(self) -> None:
        self._queued: dict[str, list[Work]] = {}
        self._running: set[asyncio.Task[None]] = set()

    def schedule(self, station_id: str, work: Work) -> None:
        """Queue `work` to run after the answer to the station's current call."""
        self._queued.setdefault(station_id, []).append(work)

    def start(self, station_id: str) -> None:
        """Called once the answer to the station's current CALL has been sent."""
        queued = self._queued.pop(station_id, None)
        if queued:
            task = asyncio.create_task(self._run(station_id, queued))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _run(self, station_id: str, queued: list[Work]) -> None:
        for work in queued:
            try:
                await work()
            except Exception as exc:  # a follow-up failing must not touch the station's session
                log.warning("follow-up for station %s failed: %s", station_id, exc)

    async def drain(self) -> None:
        """Wait for running follow-ups (tests and shutdown)."""
        while self._running:
            await asyncio.gather(*list(self._running), return_exceptions=True)
