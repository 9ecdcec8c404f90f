"""Session exports that keep terminal-paid sessions apart from the sessions the CSMS bills.

A card session was paid at the terminal with the station's own tariff: it appears with the amount the
terminal reported and is never priced again. Only `csms_billed` sessions go to the CSMS's billing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ocpay.store.db import Database
from ocpay.store.models import ChargingSession


async def export_sessions(
    db: Database, *, since: datetime | None = None, until: datetime | None = None, completed_only: bool = True
) -> dict[str, list[ChargingSession]]:
    query = select(ChargingSession).order_by(ChargingSession.started_at, ChargingSession.id)
    if since is not None:
        query = query.where(ChargingSession.started_at >= since)
    if until is not None:
        query = query.where(ChargingSession.started_at < until)
    if completed_only:
        query = query.where(ChargingSession.status == "completed")
    async with db.read() as s:
        sessions = list(await s.scalars(query))
    return {
        "terminal_paid": [x for x in sessions if x.billing == "terminal"],
        "csms_billed": [x for x in sessions if x.billing != "terminal"],
    }
