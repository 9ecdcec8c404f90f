"""BootNotification: the station says who it is; the CSMS accepts it and sets its heartbeat interval."""

from __future__ import annotations

from typing import Any

from ocpay.ocpp.model import BootInfo, format_time
from ocpay.ocpp.ports import CallContext


async def handle(ctx: CallContext, payload: dict[str, Any]) -> dict[str, Any]:
    """BootNotification: the stations port's answer, with the current time."""
    if ctx.version == "1.6":
        info = BootInfo(
            vendor=payload["chargePointVendor"],
            model=payload["chargePointModel"],
            serial=payload.get("chargePointSerialNumber") or payload.get("chargeBoxSerialNumber"),
            firmware=payload.get("firmwareVersion"),
        )
    else:
        station = payload["chargingStation"]
        info = BootInfo(
            vendor=station["vendorName"],
            model=station["model"],
            serial=station.get("serialNumber"),
            firmware=station.get("firmwareVersion"),
            reason=payload["reason"],
        )
    reply = await ctx.ports.stations.boot(ctx.station_id, ctx.version, info)
    ctx.observed(info, reply)
    return {
        "status": reply.status,
        "currentTime": format_time(reply.current_time),
        "interval": reply.interval,
    }
