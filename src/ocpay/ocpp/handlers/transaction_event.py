"""2.x TransactionEvent: the station owns the transaction id; seqNo makes retries idempotent."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ocpay.ocpp.handlers._convert import id_token_info, id_token_v2, meter_samples
from ocpay.ocpp.model import TransactionEvent, money, parse_time
from ocpay.ocpp.ports import CallContext


async def handle(ctx: CallContext, payload: dict[str, Any]) -> dict[str, Any]:
    """TransactionEvent: the event goes to the sessions port; idTokenInfo and totalCost back."""
    info = payload["transactionInfo"]
    evse = payload.get("evse") or {}
    limit = info.get("transactionLimit") or {}  # 2.1
    timestamp = parse_time(payload["timestamp"])
    assert timestamp is not None
    event = TransactionEvent(
        event_type=payload["eventType"],
        transaction_id=info["transactionId"],
        seq_no=payload["seqNo"],
        trigger_reason=payload["triggerReason"],
        timestamp=timestamp,
        evse_id=evse.get("id"),
        connector_id=evse.get("connectorId"),
        id_token=id_token_v2(payload["idToken"]) if "idToken" in payload else None,
        charging_state=info.get("chargingState"),
        stopped_reason=info.get("stoppedReason"),
        offline=payload.get("offline", False),
        remote_start_id=info.get("remoteStartId"),
        max_cost=money(Decimal(str(limit["maxCost"])), "transactionLimit.maxCost") if "maxCost" in limit else None,
        samples=meter_samples(payload.get("meterValue") or [], ctx.version),
    )
    reply = await ctx.ports.sessions.transaction_event(ctx.station_id, ctx.version, event)
    ctx.observed(event, reply)
    answer: dict[str, Any] = {}
    if reply.authorization is not None:
        answer["idTokenInfo"] = id_token_info(reply.authorization)
    if reply.total_cost is not None:
        answer["totalCost"] = float(reply.total_cost)
    return answer
