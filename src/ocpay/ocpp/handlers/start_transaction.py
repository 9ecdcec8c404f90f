"""1.6 StartTransaction: the CSMS hands out the transaction id."""

from __future__ import annotations

from typing import Any

from ocpay.ocpp.handlers._convert import id_tag_info
from ocpay.ocpp.model import IdToken, SessionStart, parse_time
from ocpay.ocpp.ports import CallContext


async def handle(ctx: CallContext, payload: dict[str, Any]) -> dict[str, Any]:
    """StartTransaction: the sessions port hands out the transaction id."""
    timestamp = parse_time(payload["timestamp"])
    assert timestamp is not None
    start = SessionStart(
        connector_id=payload["connectorId"],
        id_token=IdToken(payload["idTag"]),
        meter_start_wh=payload["meterStart"],
        timestamp=timestamp,
        reservation_id=payload.get("reservationId"),
    )
    started = await ctx.ports.sessions.start(ctx.station_id, start)
    ctx.observed(start, started)
    return {"transactionId": started.transaction_id, "idTagInfo": id_tag_info(started.authorization)}
