"""1.6 StopTransaction."""

from __future__ import annotations

from typing import Any

from ocpay.ocpp.handlers._convert import id_tag_info, meter_samples
from ocpay.ocpp.model import IdToken, SessionStop, parse_time
from ocpay.ocpp.ports import CallContext


async def handle(ctx: CallContext, payload: dict[str, Any]) -> dict[str, Any]:
    """StopTransaction: the session ends; idTagInfo when the stop names an id token."""
    timestamp = parse_time(payload["timestamp"])
    assert timestamp is not None
    id_tag = payload.get("idTag")
    stop = SessionStop(
        transaction_id=payload["transactionId"],
        meter_stop_wh=payload["meterStop"],
        timestamp=timestamp,
        reason=payload.get("reason", "Local"),
        id_token=IdToken(id_tag) if id_tag else None,
        samples=meter_samples(payload.get("transactionData") or [], ctx.version),
    )
    stopped = await ctx.ports.sessions.stop(ctx.station_id, stop)
    ctx.observed(stop, stopped)
    return {"idTagInfo": id_tag_info(stopped.authorization)} if stopped.authorization else {}
