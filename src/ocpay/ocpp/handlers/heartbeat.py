"""Heartbeat: the station is alive; the CSMS answers with its clock."""

from __future__ import annotations

from typing import Any

from ocpay.ocpp.model import format_time, now
from ocpay.ocpp.ports import CallContext


async def handle(ctx: CallContext, payload: dict[str, Any]) -> dict[str, Any]:
    """Heartbeat: recorded; answered with the current time."""
    await ctx.ports.stations.heartbeat(ctx.station_id)
    return {"currentTime": format_time(now())}
