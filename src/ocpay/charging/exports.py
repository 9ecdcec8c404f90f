"""Session exports that keep terminal-paid sessions apart from the sessions the CSMS bills.

A card session was paid at the terminal with the station's own tariff: it appears with the amount the
terminal reported and is never priced again. Only `csms_billed` sessions go to the CSMS's billing.
"""

from __future__ import annotations

from datetime import datetime

from ocpay.store.db import Database
from ocpay.store.models import ChargingSession
from ocpay.store.queries import charging as queries


async def export_sessions(
    db: Database, *, since: datetime | None = None, until: datetime | None = None, completed_only: bool = True
) -> dict[str, list[ChargingSession]]:
    """Sessions started in [since, until), oldest first, split into `terminal_paid` and `csms_billed`."""
    async with db.read() as s:
        sessions = await queries.sessions_started_between(s, since=since, until=until, completed_only=completed_only)
    return {
        "terminal_paid": [x for x in sessions if x.billing == "terminal"],
        "csms_billed": [x for x in sessions if x.billing != "terminal"],
    }
