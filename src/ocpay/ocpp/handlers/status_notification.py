"""StatusNotification: a connector's (1.6) or EVSE connector's (2.x) status changed."""

from __future__ import annotations

from typing import Any

from ocpay.ocpp.model import ConnectorStatus, parse_time
from ocpay.ocpp.ports import CallContext


async def handle(ctx: CallContext, payload: dict[str, Any]) -> dict[str, Any]:
    """StatusNotification: the connector status goes to the stations port."""
    if ctx.version == "1.6":
        error = payload["errorCode"]
        status = ConnectorStatus(
            evse_id=payload["connectorId"],
            connector_id=payload["connectorId"],
            status=payload["status"],
            error_code=None if error == "NoError" else error,
            info=payload.get("info") or payload.get("vendorErrorCode"),
            timestamp=parse_time(payload.get("timestamp")),
        )
    else:
        status = ConnectorStatus(
            evse_id=payload["evseId"],
            connector_id=payload["connectorId"],
            status=payload["connectorStatus"],
            timestamp=parse_time(payload["timestamp"]),
        )
    await ctx.ports.stations.status(ctx.station_id, status)
    return {}
